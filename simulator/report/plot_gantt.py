"""Probabilistic Gantt chart: each phase's P10–P90 finish window, its P50 and its planned finish."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from . import _common as c
from .text import label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_NEEDED = ("finish_date_p10", "finish_date_p50", "finish_date_p90", "planned_finish_date")


def plot_gantt(result: c.Source, *, initiatives: Sequence[str] | None = None,
               ax: Axes | None = None, lang: str = "nb", max_rows: int | None = None) -> Axes:
    """Draw one row per phase: P10–P90 of its finish as a bar, P50 as a tick, the plan as a diamond.

    A window reaching past the horizon is drawn to the right edge, hatched,
    with an arrow; a phase that finishes after the horizon even at P10 gets
    an empty bar and the words "after the horizon".

    Parameters
    ----------
    result : Result or ReportData
        Its percentiles must include 10, 50 and 90.
    initiatives : sequence of str, optional
        Show only these initiatives' phases; default all phases.
    ax : Axes, optional
    lang : {"nb", "en"}
    max_rows : int, optional
        Summarise a large plan into at most this many rows: one row per
        initiative when they fit, else the phases most often on the driving
        path to the target (``criticality``), grouped under their initiatives.
        See :func:`gantt_rows`.

    Returns
    -------
    Axes
        One bar per row in ``ax.containers[0]``, P50 ticks (``gid="p50"``)
        and planned finishes (``gid="planned"``).
    """
    table = c.summary(result)
    phases = gantt_rows(table, initiatives, max_rows)[0]
    y, heads = _rows(phases["initiative"])
    ax = c.axes(ax, (10, 1 + 0.26 * (len(phases) + len(heads))))
    num = {col: _num(phases[col]) for col in _NEEDED}
    right = _windows(ax, num, y, _colours(phases["initiative"]), _num1(c.deadline(result)), lang)
    for col, gid, style in (("finish_date_p50", "p50", _P50), ("planned_finish_date", "planned", _PLAN)):
        ok = np.isfinite(num[col])
        ax.plot(num[col][ok], y[ok], linestyle="none", gid=gid,
                label=label(lang, "median" if gid == "p50" else "planned"), **style)
    ax.axvline(_num1(c.deadline(result)), color="0.15", linestyle="--", linewidth=1.1,
               label=label(lang, "deadline"), gid="deadline")
    ticks = [(y[k], c.shorten(c.display_name(table, i), 48)) for k, i in enumerate(phases.index)]
    ticks += [(row, c.shorten(c.display_name(table, ini), 44)) for ini, row in heads.items()]
    ticks.sort()
    ax.set_yticks([t for t, _ in ticks], [name for _, name in ticks], fontsize="x-small")
    for tick, (row, _) in zip(ax.get_yticklabels(), ticks):
        if row in heads.values():  # the initiative's name heads its phases
            tick.set_fontweight("bold")
            tick.set_fontsize("small")
    for row in list(heads.values())[1:]:
        ax.axhline(row - 0.5, color="0.8", linewidth=0.8)
    ax.set_ylim(len(phases) + len(heads) - 0.4, -0.6)  # first phase on top
    ax.set_xlim(right=right)  # last: every artist has widened the left limit by now
    ax.set_xlabel(label(lang, "finish_date"))
    c.date_axis(ax.xaxis, lang)
    # dates on top as well as below: a tall chart is read from the top
    ax.tick_params(axis="x", top=True, labeltop=True)
    c.style(ax, grid="x")
    # above the dates on top of the axes
    from matplotlib.transforms import offset_copy
    from matplotlib.container import BarContainer
    from matplotlib.patches import Patch
    handles, labels = ax.get_legend_handles_labels()
    # the bars take their initiative's colour: the key shows a neutral one
    handles = [Patch(color="0.6", alpha=0.75) if isinstance(h, BarContainer) else h for h in handles]
    ax.legend(handles, labels, loc="lower left", bbox_to_anchor=(0, 1.0), ncols=4, fontsize="small",
              frameon=False, bbox_transform=offset_copy(ax.transAxes, ax.figure, y=16, units="points"))
    return ax


_P50 = {"marker": "|", "markersize": 11, "markeredgewidth": 2, "color": "0.1"}
_PLAN = {"marker": "D", "markersize": 4.5, "color": "white", "markeredgecolor": "0.1"}


def _phases(table: pd.DataFrame, initiatives: Sequence[str] | None) -> pd.DataFrame:
    """The phase rows to draw, checked for the columns the chart needs."""
    missing = [col for col in _NEEDED if col not in table.columns]
    if missing:
        raise ValueError(f"plot_gantt needs the percentiles 10, 50 and 90; missing {missing}")
    phases = table[table["element"] == "phase"]
    if initiatives is None:
        return phases
    unknown = sorted(set(initiatives) - set(phases["initiative"]))
    if unknown:
        raise KeyError(f"no phases of initiative(s) {unknown}")
    return phases[phases["initiative"].isin(list(initiatives))]


def gantt_rows(table: pd.DataFrame, initiatives: Sequence[str] | None = None,
               max_rows: int | None = None) -> tuple[pd.DataFrame, str, int]:
    """The rows the Gantt draws, how they were chosen, and how many lines they take.

    Returns
    -------
    rows : DataFrame
        Summary rows (phases, or initiatives when summarised by initiative).
    mode : {"phases", "initiatives", "critical"}
        All phases; one row per initiative; or the most critical phases.
    lines : int
        Rows plus initiative headings: what the figure's height is made for.
    """
    phases = _phases(table, initiatives)
    lines = len(phases) + _headings(phases["initiative"])
    if max_rows is None or lines <= max_rows:
        return phases, "phases", lines
    inis = table[(table["element"] == "initiative") & table.index.isin(set(phases["initiative"]))]
    if len(inis) <= max_rows:
        return inis, "initiatives", len(inis)
    # the phases most often on the driving path, as many as fit with their headings
    order = phases["criticality"].fillna(0).sort_values(ascending=False, kind="stable").index
    keep: list = []
    for pid in order:
        trial = phases.loc[phases.index.isin([*keep, pid])]
        if len(trial) + _headings(trial["initiative"]) > max_rows:
            break
        keep.append(pid)
    rows = phases.loc[phases.index.isin(keep)]
    return rows, "critical", len(rows) + _headings(rows["initiative"])


def _headings(initiative: pd.Series) -> int:
    """How many initiative heading rows :func:`_rows` adds."""
    return len(_rows(initiative)[1])


def _rows(initiative: pd.Series) -> tuple[np.ndarray, dict]:
    """Row of each phase, with a heading row before each initiative's phases (when they
    come from more than one initiative and not every one is a single row: one row per
    initiative needs no headings); and the heading rows by initiative."""
    groups = list(dict.fromkeys(initiative))
    if len(groups) < 2 or len(groups) == len(initiative):
        return np.arange(len(initiative), dtype=float), {}
    y, heads, row, prev = [], {}, 0, object()
    for ini in initiative:
        if ini != prev:
            heads[ini], row, prev = row, row + 1, ini
        y.append(row)
        row += 1
    return np.array(y, dtype=float), heads


def _windows(ax: Axes, num: dict, y: np.ndarray, colours: list, deadline: float, lang: str) -> float:
    """Draw the P10–P90 bars and return the right edge; a window open past the horizon runs to it."""
    finite = np.concatenate([v[np.isfinite(v)] for v in num.values()] + [[deadline]])
    right = finite.max() + 0.04 * (finite.max() - finite.min() + 1)
    lo, hi = num["finish_date_p10"], num["finish_date_p90"]
    left = np.where(np.isfinite(lo), lo, right)
    bars = ax.barh(y, np.where(np.isfinite(hi), hi, right) - left, left=left, height=0.6,
                   color=colours, alpha=0.75, label=label(lang, "p10_p90"))
    step = 0.01 * (right - finite.min())
    for bar, late in zip(bars, np.isfinite(lo) & ~np.isfinite(hi)):
        if late:
            bar.set_hatch("///")
            mid = bar.get_y() + bar.get_height() / 2
            ax.annotate("", xy=(right, mid), xytext=(right - step, mid),
                        arrowprops={"arrowstyle": "->", "color": "0.2"})
    for k in np.flatnonzero(~np.isfinite(lo)):
        ax.text(right, y[k], label(lang, "after_horizon"), ha="right", va="center", fontsize="x-small")
    return right


def _num(dates: pd.Series) -> np.ndarray:
    """Dates to Matplotlib day numbers; NaT (after the horizon) to NaN."""
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    out = np.full(values.shape, np.nan)
    ok = ~np.isnat(values)
    out[ok] = mdates.date2num(values[ok])
    return out


def _num1(day: np.datetime64) -> float:
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    return float(mdates.date2num(day))


def _colours(initiative: pd.Series) -> list:
    import seaborn as sns  # here, not at the top: see simulator/report/__init__.py
    order = list(dict.fromkeys(initiative))
    palette = sns.color_palette("husl", max(len(order), 1))
    return [palette[order.index(i)] for i in initiative]
