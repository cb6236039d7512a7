"""S-curves: the cumulative distribution of each initiative's finish date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.daycount import FinishDays


def plot_scurves(result: c.Source, *, ids: Sequence[str] | None = None, ax: Axes | None = None,
                 lang: str = "nb", markers: bool = True, legend: bool = True) -> Axes:
    """Draw the empirical CDF of the finish date of each initiative.

    Iterations that never finish within the horizon are left out of the
    curve but kept in its denominator, so such a curve stops below 1 and the
    legend says how much is after the horizon. The date axis ends at the
    largest 99.5th percentile of the curves, so that a few extreme iterations
    do not squeeze the rest. For more than a handful of elements, a legend of
    near-identical colours is hard to read: use
    :func:`~simulator.report.plot_scurves_grid` (one small panel each), as the
    report does.

    Parameters
    ----------
    result : Result or ReportData
    ids : sequence of str, optional
        Initiatives (or milestones) to draw; default every initiative.
    ax : Axes, optional
        Draw here; a new figure is made when not given.
    lang : {"nb", "en"}
    markers : bool
        Mark each curve's P50 and P80.
    legend : bool

    Returns
    -------
    Axes
        One line per element (``gid="ecdf"``), a vertical deadline line
        (``gid="deadline"``) and, with ``markers``, P50 and P80 points
        (``gid="p50"``, ``gid="p80"``).
    """
    ids = list(ids) if ids is not None else c.initiatives(result)
    ax = c.axes(ax, (10, 5.5))
    table = c.summary(result)
    import seaborn as sns  # here, not at the top: see simulator/report/__init__.py
    colours = sns.color_palette("husl", max(len(ids), 1))
    for element, colour in zip(ids, colours):
        d = c.finish_days(result, element)
        name = c.shorten(c.display_name(table, element), 36)
        if d.within < d.n:
            name += f" ({label(lang, 'not_reached', share=fmt_percent(1 - d.within / d.n, lang))})"
        if d.within == 0:
            ax.plot([], [], color=colour, label=name, gid="ecdf")
            continue
        start = c.start_date(result)
        ax.step(d.dates(start), d.shares(), where="post", color=colour,
                linewidth=1.4, label=name, gid="ecdf")
        if markers:
            _mark(ax, d, start, colour)
    ax.axvline(c.deadline(result), color="0.15", linestyle="--", linewidth=1.2,
               label=label(lang, "deadline"), gid="deadline")
    ax.set_ylim(0, 1.02)
    c.cut_tail(ax, c.first_date(result, ids), c.date_range_end(result, ids))
    ax.yaxis.set_major_formatter(lambda y, _: fmt_percent(y, lang, 0))
    ax.set_xlabel(label(lang, "finish_date"))
    ax.set_ylabel(label(lang, "share_finished"))
    c.date_axis(ax.xaxis, lang)
    c.style(ax, grid="both")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False,
                  ncols=1 if len(ids) <= 14 else 2)
    return ax


def _mark(ax: Axes, d: FinishDays, start, colour) -> None:
    """P50 and P80 dots on a curve, when they fall within the horizon."""
    for q, gid, marker in ((0.5, "p50", "o"), (0.8, "p80", "s")):
        day = d.quantile(q)  # the first day by whose end the curve reaches q
        if day is not None:
            ax.plot([np.datetime64(start, "D") + day], [q], marker=marker, markersize=4.5, color=colour,
                    markeredgecolor="white", markeredgewidth=0.6, linestyle="none", gid=gid)
