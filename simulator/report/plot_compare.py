"""S-curves of two or more results on one axes: what-if scenarios against a baseline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Line styles that tell elements apart when one scenario draws several.
_STYLES = ("-", "--", ":", "-.")


def plot_compare(results: Mapping[str, c.Source], *, ids: Sequence[str] | None = None,
                 ax: Axes | None = None, lang: str = "nb", legend: bool = True) -> Axes:
    """Overlay the finish-date S-curves of several results, one colour per result.

    Scenarios may differ in start and unit: curves are drawn on dates, so they
    compare on the calendar. Iterations after the horizon are kept in each
    curve's denominator, so such a curve stops below 1.

    Parameters
    ----------
    results : mapping of str to Result or ReportData
        Labelled results, e.g. ``{"base": base, "funded": funded}``; the first
        is drawn as the baseline (solid, underneath).
    ids : sequence of str, optional
        Elements to draw; default the first result's target. With several
        elements, each gets its own line style and its name in the label.
    ax : Axes, optional
    lang : {"nb", "en"}
    legend : bool

    Returns
    -------
    Axes
        One line per result and element (``gid="ecdf"``, labelled
        ``"<result>"`` or ``"<result>: <element>"``) and the deadline of the
        first result (``gid="deadline"``).
    """
    if not results:
        raise ValueError("plot_compare needs at least one result")
    first = next(iter(results.values()))
    ids = list(ids) if ids is not None else [c.target_of(first, None)]
    if len(ids) > len(_STYLES):
        raise ValueError(f"plot_compare draws at most {len(_STYLES)} elements; got {len(ids)}")
    ax = c.axes(ax, (10, 5.5))
    import seaborn as sns  # here, not at the top: see simulator/report/__init__.py
    colours = sns.color_palette("colorblind", max(len(results), 1))
    starts, ends = [], []
    for (name, result), colour in zip(results.items(), colours):
        table = c.summary(result)
        for element, style in zip(ids, _STYLES):
            d = c.finish_days(result, element)
            text = name if len(ids) == 1 else f"{name}: {c.shorten(c.display_name(table, element), 36)}"
            if d.within < d.n:
                text += f" ({label(lang, 'not_reached', share=fmt_percent(1 - d.within / d.n, lang))})"
            dates = d.dates(c.start_date(result))
            ax.step(dates, d.shares(), where="post", color=colour,
                    linestyle=style, linewidth=1.6, label=text, gid="ecdf")
            if d.within:
                starts.append(dates[0])
        ends.append(c.date_range_end(result, ids))
    ax.axvline(c.deadline(first), color="0.15", linestyle="--", linewidth=1.1,
               label=label(lang, "deadline"), gid="deadline")
    ends = [e for e in ends if e is not None]
    c.cut_tail(ax, min(starts) if starts else None, max(ends) if ends else None)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(lambda y, _: fmt_percent(y, lang, 0))
    ax.set_xlabel(label(lang, "finish_date"))
    ax.set_ylabel(label(lang, "share_finished"))
    c.date_axis(ax.xaxis, lang)
    c.style(ax, grid="both")
    if legend:
        ax.legend(loc="lower right", fontsize="small", frameon=False)
    return ax
