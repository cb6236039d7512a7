"""Rollout coverage: the weighted share of each rollout's units live over time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.result import Result

_TEXT = {"nb": {"coverage": "Andel i bruk (vektet)", "date": "Dato", "band": "P10–P90"},
         "en": {"coverage": "Share live (weighted)", "date": "Date", "band": "P10–P90"}}


def plot_coverage(result: c.Source, ids: Sequence[str] | None = None, *, ax: Axes | None = None,
                  lang: str = "nb", legend: bool = True) -> Axes:
    """Draw the coverage of each rollout over time: the mean and a P10–P90 band.

    Coverage is read on the run's monthly grid (see
    :func:`simulator.analysis.rollouts.coverage_curve`); a ReportData has
    those curves saved.

    Parameters
    ----------
    result : Result or ReportData
    ids : sequence of str, optional
        Rollout phases to draw; default every rollout.
    ax : Axes, optional
        Draw here; a new figure is made when not given.
    lang : {"nb", "en"}
    legend : bool

    Returns
    -------
    Axes
        Per rollout a mean line (``gid="coverage"``) and a band
        (``gid="band"``); a vertical deadline line (``gid="deadline"``).
    """
    from ..analysis.rollouts import coverage_table
    data = c.data_of(result)
    table = data.coverage if data is not None else coverage_table(result)
    ids = list(ids) if ids is not None else list(dict.fromkeys(table["id"]))
    names = dict(zip(table["id"], table["name"]))
    ax = c.axes(ax, (10, 5.5))
    import seaborn as sns  # here, not at the top: see simulator/report/__init__.py
    colours = sns.color_palette("husl", max(len(ids), 1))
    lo = hi = None
    for rid, colour in zip(ids, colours):
        curve = table[table["id"] == rid]
        dates = curve["date"].to_numpy()
        name = c.shorten(names.get(rid, rid), 36)
        ax.fill_between(dates, curve["p10"].to_numpy(), curve["p90"].to_numpy(), color=colour,
                        alpha=0.2, linewidth=0, gid="band")
        ax.plot(dates, curve["mean"].to_numpy(), color=colour, linewidth=1.6, label=name,
                gid="coverage")
        if dates.size:
            lo = dates[0] if lo is None else min(lo, dates[0])
            hi = dates[-1] if hi is None else max(hi, dates[-1])
    ax.axvline(c.deadline(result), color="0.15", linestyle="--", linewidth=1.2,
               label=label(lang, "deadline"), gid="deadline")
    ax.set_ylim(0, 1.02)
    c.cut_tail(ax, lo, hi)
    ax.yaxis.set_major_formatter(lambda y, _: fmt_percent(y, lang))
    ax.set_xlabel(_TEXT[lang]["date"])
    ax.set_ylabel(_TEXT[lang]["coverage"])
    c.date_axis(ax.xaxis, lang)
    c.style(ax, grid="both")
    if legend and ids:
        from matplotlib.patches import Patch
        handles, _ = ax.get_legend_handles_labels()
        handles.append(Patch(color="0.6", alpha=0.3, linewidth=0, label=_TEXT[lang]["band"]))
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small",
                  frameon=False)
    return ax
