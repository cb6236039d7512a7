"""Criticality index and schedule sensitivity index (SSI) of the activities that matter most."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

MEASURES = ("criticality", "ssi")


def sensitivity_of(result: c.Source, target: str | None = None) -> pd.DataFrame:
    """Per-activity sensitivity to ``target``: saved in a ReportData, computed for a Result."""
    from ..analysis.sensitivity import activity_sensitivity
    return c.saved_or_computed(result, target, "sensitivity", activity_sensitivity)


def plot_criticality(result: c.Source, *, target: str | None = None, top: int = 15,
                     sort_by: str = "criticality", ax: Axes | None = None,
                     lang: str = "nb", sensitivity: pd.DataFrame | None = None) -> Axes:
    """Draw paired bars of criticality and SSI for the ``top`` phases.

    Criticality is the share of iterations in which an activity is on the
    path that drives the target. SSI weighs that share by how much the
    activity's duration varies relative to the target's finish.

    Parameters
    ----------
    result : Result or ReportData
    target : str, optional
        Default the report's (or scenario's) target.
    top : int
        Number of activities.
    sort_by : {"criticality", "ssi"}
    ax : Axes, optional
    lang : {"nb", "en"}
    sensitivity : DataFrame, optional
        An ``activity_sensitivity`` table already computed for ``target``.

    Returns
    -------
    Axes
        Two bar containers, ``ax.containers[0]`` criticality and
        ``ax.containers[1]`` SSI (absent when the table has no ``ssi``), each
        with one bar per activity.
    """
    if sort_by not in MEASURES:
        raise ValueError(f"sort_by must be one of {MEASURES}, got {sort_by!r}")
    table = sensitivity if sensitivity is not None else sensitivity_of(result, target)
    names = c.summary(result)
    # a milestone takes no time, and the target is critical to itself: neither informs
    phases = names.index[names["element"] == "phase"]
    table = table[table.index.isin(phases)]
    measures = [m for m in MEASURES if m in table.columns]
    rows = table.sort_values(sort_by if sort_by in measures else measures[0], ascending=False,
                             kind="stable").head(top)
    ax = c.axes(ax, (8, 1 + 0.34 * max(len(rows), 1)))
    y = np.arange(len(rows))
    height = 0.8 / len(measures)
    colours = {"criticality": "#4C72B0", "ssi": "#DD8452"}
    for k, m in enumerate(measures):
        ax.barh(y - 0.4 + height * (k + 0.5), rows[m].to_numpy(dtype=float), height=height,
                color=colours[m], alpha=0.9, label=label(lang, m))
    ax.set_yticks(y, [c.shorten(c.display_name(names, i), 48) for i in rows.index], fontsize="small")
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlim(0, max(1.0, float(np.nan_to_num(rows[measures].to_numpy(dtype=float)).max(initial=0))))
    ax.xaxis.set_major_formatter(lambda x, _: fmt_percent(x, lang, 0))
    ax.set_xlabel(label(lang, "share"))
    c.style(ax, grid="x")
    ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax
