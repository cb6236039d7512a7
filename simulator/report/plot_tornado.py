"""Tornado of the risk ranking by exclusion: how much earlier P80 would be without each risk."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..scenario.network import UNIT_DAYS
from . import _common as c
from .text import fmt_number, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes



def ranking_of(result: c.Source, target: str | None = None) -> pd.DataFrame:
    """The risk ranking of ``result`` for ``target``: saved in a ReportData, computed for a Result."""
    from ..analysis.sensitivity import risk_ranking
    return c.saved_or_computed(result, target, "risks", risk_ranking)


def gain_days(ranking: pd.DataFrame, column: str, unit_days: float) -> np.ndarray:
    """A gain column of the ranking in days (``p80_gain_days`` when present)."""
    if f"{column}_days" in ranking.columns:
        return ranking[f"{column}_days"].to_numpy(dtype=float)
    return ranking[column].to_numpy(dtype=float) * unit_days


def plot_tornado(result: c.Source, *, target: str | None = None, top: int = 10,
                 units: str = "months", ax: Axes | None = None, lang: str = "nb",
                 ranking: pd.DataFrame | None = None) -> Axes:
    """Draw the risks with the largest exclusion gain in P80, largest on top.

    The gain of a risk is how much earlier the target's P80 is when that risk
    is switched off and everything else, every random number included, stays
    the same. A positive gain means earlier.

    Parameters
    ----------
    result : Result or ReportData
    target : str, optional
        Default the report's (or scenario's) target.
    top : int
        Number of risks to show.
    units : {"months", "days"}
    ax : Axes, optional
    lang : {"nb", "en"}
    ranking : DataFrame, optional
        A ``risk_ranking`` table already computed for ``target``; by default it
        is read from the ReportData, or computed from the Result.

    Returns
    -------
    Axes
        One bar per risk in ``ax.containers[0]``; P50 gains as dots (``gid="p50"``).
    """
    if units not in ("months", "days"):  # the axis labels know these two
        raise ValueError(f"units must be 'months' or 'days', got {units!r}")
    if ranking is None:
        ranking = ranking_of(result, target)
    rows = ranking.head(top)
    scale = UNIT_DAYS[units]
    p80 = gain_days(rows, "p80_gain", c.unit_days(result)) / scale
    p50 = gain_days(rows, "p50_gain", c.unit_days(result)) / scale if "p50_gain" in rows else None
    ax = c.axes(ax, (8, 1 + 0.38 * max(len(rows), 1)))
    # an infinite gain (after the horizon with the risk, within it without) is drawn to the edge
    shown = np.concatenate([p80, p50 if p50 is not None else []])
    edge = 1.15 * np.abs(shown[np.isfinite(shown)]).max(initial=0) or 1.0
    width = np.where(np.isfinite(p80), p80, np.sign(np.nan_to_num(p80)) * edge)
    y = np.arange(len(rows))
    colours = ["#C44E52" if w >= 0 else "#55A868" for w in width]
    bars = ax.barh(y, width, height=0.6, color=colours, alpha=0.85,
                   label=label(lang, "p80_gain", unit=label(lang, units)))
    dots = np.where(np.isfinite(p50), p50, 0.0) if p50 is not None else np.zeros(len(rows))
    for k, bar in enumerate(bars):
        if np.isinf(p80[k]):
            bar.set_hatch("///")
        text = "–" if np.isnan(p80[k]) else "∞" if np.isinf(p80[k]) else fmt_number(p80[k], lang)
        # beyond both the bar's end and the P50 dot, a few points clear of the dot
        right = bar.get_width() >= 0
        end = max(bar.get_width(), dots[k]) if right else min(bar.get_width(), dots[k])
        ax.annotate(text, (end, y[k]), xytext=(5 if right else -5, 0), textcoords="offset points",
                    va="center", ha="left" if right else "right", fontsize="x-small")
    if p50 is not None:
        ok = np.isfinite(p50)
        ax.plot(p50[ok], y[ok], linestyle="none", marker="o", markersize=4, color="0.15",
                label="P50", gid="p50")
    ax.axvline(0, color="0.3", linewidth=0.8)
    names = rows.get("name", rows.index)
    ax.set_yticks(y, [c.shorten(str(n), 44) for n in names], fontsize="small")
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.xaxis.set_major_formatter(lambda x, _: fmt_number(x, lang, 1))
    ax.set_xlabel(label(lang, "p80_gain", unit=label(lang, units)))
    c.style(ax, grid="x")
    if len(rows):
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize="x-small",
                  frameon=False)
    return ax
