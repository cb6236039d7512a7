"""What the plot functions share: reading a Result or a ReportData alike, axes and date axes."""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING, Union

import numpy as np
import pandas as pd

from ..analysis.daycount import FinishDays
from .data import ReportData

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.result import Result

Source = Union["Result", ReportData]

# ConciseDateFormatter formats (year, month, day, hour, minute, second) per language; nb
# writes months as numbers so no English month name appears on a Norwegian axis.
_DATE_FORMATS = {
    "nb": {"formats": ["%Y", "%m.%Y", "%d.%m", "%H:%M", "%H:%M", "%S"],
           "zero_formats": ["", "%Y", "%m.%Y", "%d.%m", "%H:%M", "%H:%M"],
           "offset_formats": ["", "", "%Y", "%m.%Y", "%d.%m.%Y", "%d.%m.%Y"]},
    "en": {"formats": ["%Y", "%b", "%d", "%H:%M", "%H:%M", "%S"],
           "zero_formats": ["", "%Y", "%b", "%b-%d", "%H:%M", "%H:%M"],
           "offset_formats": ["", "", "%Y", "%Y-%b", "%Y-%m-%d", "%Y-%m-%d"]},
}


def axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax`` itself, or the Axes of a new figure (the only pyplot call the plots make)."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def date_axis(axis, lang: str) -> None:
    """Make ``axis`` (``ax.xaxis`` or ``ax.yaxis``) a date axis with concise, localised ticks."""
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    locator = _remembering_locator()(minticks=4, maxticks=10)
    axis.set_major_locator(locator)
    axis.set_major_formatter(mdates.ConciseDateFormatter(locator, **_DATE_FORMATS[lang]))


@functools.cache
def _remembering_locator() -> type:
    """An AutoDateLocator that gives the ticks of the last view interval it was asked for
    again without working them out: matplotlib asks for them many times in one drawing (for
    the layout, each axis' label and title positions, then the drawing itself), and small
    multiples share one locator. Its state (the tick unit the formatter reads) is that of the
    same interval, so the ticks and their labels are the same."""
    import matplotlib.dates as mdates

    class RememberingDateLocator(mdates.AutoDateLocator):
        _last: tuple | None = None

        def __call__(self):
            key = tuple(self.axis.get_view_interval()) if self.axis is not None else None
            if key is None or self._last is None or self._last[0] != key:
                self._last = (key, super().__call__())
            return np.array(self._last[1])  # a copy: the caller may keep or change it

    return RememberingDateLocator


def style(ax: Axes, grid: str = "x") -> None:
    """A light grid behind the data and no top or right frame."""
    ax.set_axisbelow(True)
    ax.grid(True, axis=grid, color="0.88", linewidth=0.8)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def data_of(result: Source) -> ReportData | None:
    """``result`` when it is a ReportData, else None."""
    return result if isinstance(result, ReportData) else None


def summary(result: Source) -> pd.DataFrame:
    """The wide summary table."""
    return result.summary if isinstance(result, ReportData) else result.summary("wide")


def finish_days(result: Source, element: str) -> FinishDays:
    """``element``'s finishes counted per reported day (after the horizon: not on a day).

    Raises
    ------
    KeyError
        When a ReportData has no finishes of ``element``.
    ValueError
        When a Result reduced as it ran counted none (:meth:`Result.finish_days`).
    """
    return result.finish_days(element)


def start_date(result: Source) -> dt.date:
    """The data date: day 0 of :class:`FinishDays`."""
    return result.start if isinstance(result, ReportData) else result.network.start


def deadline(result: Source) -> np.datetime64:
    """The deadline day."""
    d = result.deadline if isinstance(result, ReportData) else result.network.deadline
    return np.datetime64(d, "D")


def unit_days(result: Source) -> float:
    """Days in one time unit."""
    return result.unit_days if isinstance(result, ReportData) else result.network.unit_days


def target_of(result: Source, target: str | None) -> str:
    """The sensitivity target: ``target``, else the report's or the scenario's own."""
    if target is not None:
        return target
    return result.meta["target"] if isinstance(result, ReportData) else result.target


def initiatives(result: Source) -> list[str]:
    """Initiative ids in scenario order."""
    table = summary(result)
    return list(table.index[table["element"] == "initiative"])


def display_name(table: pd.DataFrame, element: str) -> str:
    """Name of an element from a summary table, or its id."""
    value = table["name"].get(element) if element in table.index else None
    return value if isinstance(value, str) and value else element


def shorten(text: str, width: int = 42) -> str:
    """Cut a long label with an ellipsis, and show any ``$`` as itself rather than as math."""
    text = text if len(text) <= width else text[: width - 1].rstrip() + "…"
    return text.replace("$", r"\$")


#: Plots of finish dates end at this quantile of the finite draws: a handful of extreme
#: iterations would otherwise squeeze the body of the distribution into a corner.
TAIL_CUT = 0.995


def date_range_end(result: Source, elements: list[str]) -> np.datetime64 | None:
    """The last date worth showing for ``elements``: the largest of their TAIL_CUT quantiles
    (of the finishes by the horizon)."""
    ends = [d.quantile(TAIL_CUT, finite=True) for d in (finish_days(result, e) for e in elements)]
    ends = [e for e in ends if e is not None]
    return np.datetime64(start_date(result), "D") + max(ends) if ends else None


def first_date(result: Source, elements: list[str]) -> np.datetime64 | None:
    """The first day any of ``elements`` finishes on, or None when none does by the horizon."""
    firsts = [int(d.days[0]) for d in (finish_days(result, e) for e in elements) if d.days.size]
    return np.datetime64(start_date(result), "D") + min(firsts) if firsts else None


def cut_tail(ax: Axes, start: np.datetime64 | None, end: np.datetime64 | None) -> None:
    """Limit a date x-axis to ``[start, end]`` plus a small margin."""
    if end is None:
        return
    import matplotlib.dates as mdates  # here, not at the top: see simulator/report/__init__.py
    lo = mdates.date2num(start) if start is not None else ax.get_xlim()[0]
    hi = mdates.date2num(end)
    span = max(hi - lo, 30.0)  # every iteration on one day: still a month of axis around it
    ax.set_xlim(min(lo, hi) - 0.02 * span, hi + 0.03 * span)


def saved_or_computed(result: Source, target: str | None, table: str, compute) -> pd.DataFrame:
    """A per-target table: read from a ReportData (for its own target), or computed for a Result."""
    data = data_of(result)
    if data is None:
        return compute(result, target=target_of(result, target))
    if target is not None and target != data.meta["target"]:
        raise ValueError(f"this report data holds `{table}` for `{data.meta['target']}`, "
                         f"not `{target}`; rerun with --target {target}")
    return getattr(data, table)
