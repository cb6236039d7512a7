"""Histogram of one element's finish date, with its deadline and percentiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..analysis.daycount import FinishDays
from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_finish_histogram(result: c.Source, *, target: str | None = None, ax: Axes | None = None,
                          lang: str = "nb", bins: int | str = "auto",
                          percentiles: tuple[float, ...] = (50, 80)) -> Axes:
    """Draw the distribution of a milestone's, phase's or initiative's finish date.

    Each bar counts the iterations finishing on the whole days it spans, the days the
    report gives every finish date on. Finishes after the horizon are not drawn; their
    share is written in the top right corner instead. The bins span the finishes up to
    their 99.5th percentile, so that a few extreme iterations do not flatten the rest;
    the share beyond is written in the corner too.

    Parameters
    ----------
    result : Result or ReportData
    target : str, optional
        Element to show; default the sensitivity target of the report (or the
        scenario's target for a Result).
    ax : Axes, optional
    lang : {"nb", "en"}
    bins : int or str
        At most this many bars, all as many whole days wide as it takes to span the
        finishes with them (fewer bars when fewer of that width span them); or one of
        numpy's estimators (``ESTIMATORS``: ``"auto"``, the smaller of Sturges' and
        Freedman-Diaconis', ``"fd"``, ``"sturges"``, ``"sqrt"``, ``"rice"``, ``"scott"``,
        ``"doane"``), computed from the counts per day and rounded to whole days.
    percentiles : tuple of float
        Vertical lines at these percentiles of all iterations (after-horizon
        ones count, so a percentile past the finite draws is not drawn).

    Returns
    -------
    Axes
        The bars (one patch per bin), a deadline line (``gid="deadline"``) and
        one line per drawn percentile (``gid="p50"``, ...).

    Raises
    ------
    ValueError
        When ``bins`` is neither a positive whole number nor one of ``ESTIMATORS``.
    """
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    _check_bins(bins)
    target = c.target_of(result, target)
    d = c.finish_days(result, target)
    ax = c.axes(ax, (8, 4))
    # everything on this axis is in Matplotlib day numbers; day0 is the start date's
    day0 = mdates.date2num(np.datetime64(c.start_date(result), "D"))
    beyond = 0.0
    if d.within:
        edges = day_edges(d, bins)
        # each day at its middle: never on an edge, in the bin that spans the whole day
        ax.hist(day0 + d.days + 0.5, bins=day0 + edges, weights=d.counts, color="#4C72B0",
                alpha=0.85, edgecolor="white", linewidth=0.4)
        beyond = d.counts[d.days >= edges[-1]].sum() / d.n
    ax.axvline(mdates.date2num(c.deadline(result)), color="0.15", linestyle="--", linewidth=1.2,
               label=label(lang, "deadline"), gid="deadline")
    for p in percentiles:
        day = d.quantile(p / 100)
        if day is not None:
            ax.axvline(day0 + day, color="#C44E52", linewidth=1,
                       linestyle=":" if p != 50 else "-", label=f"P{p:g}", gid=f"p{p:g}")
    late = 1 - d.within / d.n if d.n else 0.0
    notes = [label(lang, "not_reached", share=fmt_percent(late, lang))] if late > 0 else []
    if beyond > 0:
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


def day_edges(d: FinishDays, bins: int | str = "auto") -> np.ndarray:
    """Bin edges in days after the start, on day boundaries, spanning the finishes by the
    horizon up to their TAIL_CUT quantile (see :func:`plot_finish_histogram`).

    Parameters
    ----------
    d : FinishDays
        At least one finish by the horizon.
    bins : int or str

    Returns
    -------
    ndarray of int64
        Ascending edges; bin ``k`` holds the days ``edges[k] <= day < edges[k + 1]``. The
        bins are of one width, but the last ends with the last finish's day when that
        comes first (the horizon, or a bound on the durations).
    """
    _check_bins(bins)
    lo, hi = int(d.days[0]), d.quantile(c.TAIL_CUT, finite=True) + 1
    span = hi - lo
    width = max(1, round(_width(d, hi, span, bins))) if isinstance(bins, str) else -(-span // int(bins))
    edges = lo + width * np.arange(-(-span // width) + 1, dtype=np.int64)
    # no bar past the last finish: its empty days would draw a drop the finishes do not have
    edges[-1] = min(edges[-1], int(d.days[-1]) + 1)
    return edges


#: numpy's bin-width estimators (``numpy.histogram_bin_edges``) that a count per day can give
#: exactly (but for the quartiles, taken as order statistics, not interpolated).
ESTIMATORS = ("auto", "fd", "sturges", "sqrt", "rice", "scott", "doane")


def _width(d: FinishDays, hi: int, span: int, rule: str = "auto") -> float:
    """numpy's ``rule`` bin width (in days) for the finishes before day ``hi``, from their
    counts; ``span`` stands for the data's range (``hi`` less the first day)."""
    inside = d.days < hi
    x, w = d.days[inside].astype(float), d.counts[inside]
    kept = FinishDays(d.days[inside], w, int(w.sum()))
    n = kept.n
    mean = float(np.dot(w, x)) / n
    sd = float(np.sqrt(np.dot(w, (x - mean) ** 2) / n))
    sturges = span / (np.log2(n) + 1.0)
    fd = 2.0 * (kept.quantile(0.75) - kept.quantile(0.25)) * n ** (-1.0 / 3.0)
    if rule == "auto":
        return min(fd, sturges) if fd > 0 else sturges
    if rule == "doane":
        skew = float(np.dot(w, ((x - mean) / sd) ** 3)) / n if sd > 0 else 0.0
        sg1 = np.sqrt(6.0 * (n - 2) / ((n + 1.0) * (n + 3)))
        return span / (1.0 + np.log2(n) + np.log2(1.0 + abs(skew) / sg1)) if n > 2 else span
    return {"fd": fd if fd > 0 else span, "sturges": sturges, "sqrt": span / np.sqrt(n),
            "rice": span / (2.0 * n ** (1.0 / 3.0)),
            "scott": (24.0 * np.pi ** 0.5 / n) ** (1.0 / 3.0) * sd if sd > 0 else span}[rule]


def _check_bins(bins) -> None:
    if isinstance(bins, str) and bins in ESTIMATORS:
        return
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins: a positive whole number or one of {', '.join(map(repr, ESTIMATORS))}, "
                         f"not {bins!r}")
