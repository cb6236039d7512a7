"""Histogram of one element's finish date, with its deadline and percentiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_finish_histogram(result: c.Source, *, target: str | None = None, ax: Axes | None = None,
                          lang: str = "nb", bins: int | str = "auto",
                          percentiles: tuple[float, ...] = (50, 80)) -> Axes:
    """Draw the distribution of a milestone's, phase's or initiative's finish date.

    Finishes after the horizon are not drawn; their share is written in the
    top right corner instead. The bins span the draws up to their 99.5th
    percentile, so that a few extreme iterations do not flatten the rest; the
    share beyond is written in the corner too.

    Parameters
    ----------
    result : Result or ReportData
    target : str, optional
        Element to show; default the sensitivity target of the report (or the
        scenario's target for a Result).
    ax : Axes, optional
    lang : {"nb", "en"}
    bins : int or str
        Passed to :func:`numpy.histogram_bin_edges`.
    percentiles : tuple of float
        Vertical lines at these percentiles of all iterations (after-horizon
        ones count, so a percentile past the finite draws is not drawn).

    Returns
    -------
    Axes
        The bars (one patch per bin), a deadline line (``gid="deadline"``) and
        one line per drawn percentile (``gid="p50"``, ...).
    """
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    target = c.target_of(result, target)
    t = c.finish_times(result, target)
    ax = c.axes(ax, (8, 4))
    finite = t[np.isfinite(t)]
    if finite.size:
        # day numbers, not the day-rounded dates, so bins hold the exact draws
        x = mdates.date2num(np.datetime64(_start(result), "D")) + finite * c.unit_days(result)
        cut = np.quantile(x, c.TAIL_CUT, method="inverted_cdf")
        edges = np.histogram_bin_edges(x[x <= cut], bins=bins)
        ax.hist(x, bins=edges, color="#4C72B0", alpha=0.85, edgecolor="white", linewidth=0.4)
        beyond = (x > edges[-1]).mean() * finite.size / t.size
    # everything on this axis is in Matplotlib day numbers
    ax.axvline(mdates.date2num(c.deadline(result)), color="0.15", linestyle="--", linewidth=1.2,
               label=label(lang, "deadline"), gid="deadline")
    for p in percentiles:
        q = np.quantile(t, p / 100, method="inverted_cdf")
        if np.isfinite(q):
            ax.axvline(mdates.date2num(c.to_dates(result, np.array([q]))[0]), color="#C44E52", linewidth=1,
                       linestyle=":" if p != 50 else "-", label=f"P{p:g}", gid=f"p{p:g}")
    late = 1 - finite.size / t.size if t.size else 0.0
    notes = [label(lang, "not_reached", share=fmt_percent(late, lang))] if late > 0 else []
    if finite.size and beyond > 0:
        notes.append(label(lang, "beyond_axis", share=fmt_percent(beyond, lang)))
    if notes:  # in the legend's box, with it outside the bars and the deadline line
        from matplotlib.lines import Line2D
        for note in notes:
            ax.add_line(Line2D([], [], linestyle="none", label=note, gid="note"))
    ax.set_title(c.shorten(c.display_name(c.summary(result), target), 70), fontsize="medium")
    ax.set_xlabel(label(lang, "finish_date"))
    ax.set_ylabel(label(lang, "iterations"))
    c.date_axis(ax.xaxis, lang)
    c.style(ax, grid="y")
    # outside the axes: a line (the deadline, a percentile) can fall anywhere along the dates
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False,
              handlelength=1.6)
    return ax


def _start(result: c.Source):
    data = c.data_of(result)
    return data.start if data is not None else result.network.start
