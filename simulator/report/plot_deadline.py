"""P(finished by the deadline) per initiative, with its 95 % interval as error bars."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..shares import share_text
from . import _common as c
from .text import fmt_date, fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_prob_by_deadline(result: c.Source, *, ids: Sequence[str] | None = None,
                          ax: Axes | None = None, lang: str = "nb", sort: bool = True,
                          max_bars: int | None = None) -> Axes:
    """Draw a horizontal bar per initiative: its probability of finishing by the deadline.

    Parameters
    ----------
    result : Result or ReportData
    ids : sequence of str, optional
        Elements to show; default every initiative.
    ax : Axes, optional
    lang : {"nb", "en"}
    sort : bool
        Highest probability on top.
    max_bars : int, optional
        Show only this many: the lowest probabilities (the ones to act on).

    Returns
    -------
    Axes
        One BarContainer with a bar per element; its ``errorbar`` holds the
        Wilson 95 % intervals.
    """
    table = c.summary(result)
    ids = list(ids) if ids is not None else c.initiatives(result)
    rows = table.loc[ids]
    if max_bars is not None and len(rows) > max_bars:
        rows = rows.sort_values("prob_by_deadline", kind="stable").head(max_bars)
    if sort:
        rows = rows.sort_values("prob_by_deadline", ascending=False, kind="stable")
    ax = c.axes(ax, (8, 1 + 0.3 * len(rows)))
    p = rows["prob_by_deadline"].to_numpy(dtype=float)
    # clipped: at p = 0 or 1 the interval's end may sit a rounding error inside p
    err = np.clip(np.vstack([p - rows["prob_by_deadline_lo"].to_numpy(dtype=float),
                             rows["prob_by_deadline_hi"].to_numpy(dtype=float) - p]), 0, None)
    y = np.arange(len(rows))
    ax.barh(y, p, xerr=err, height=0.65, color="#4C72B0", alpha=0.85,
            error_kw={"ecolor": "0.15", "capsize": 2.5, "elinewidth": 1})
    lo, hi = (rows[f"prob_by_deadline_{e}"].to_numpy(dtype=float) for e in ("lo", "hi"))
    for k, value in enumerate(p):  # as the headline and the table print it
        ax.text(min(value + err[1, k], 1) + 0.01, y[k], share_text(value, lo[k], hi[k], lang).estimate,
                va="center", fontsize="x-small")
    ax.set_yticks(y, [c.shorten(c.display_name(table, i), 48) for i in rows.index], fontsize="small")
    ax.set_ylim(len(rows) - 0.4, -0.6)
    ax.set_xlim(0, 1.1)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(lambda x, _: fmt_percent(x, lang, 0))
    ax.set_xlabel(label(lang, "prob_by_deadline", deadline=fmt_date(c.deadline(result), lang)))
    c.style(ax, grid="x")
    return ax
