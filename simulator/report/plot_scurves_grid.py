"""S-curves as small multiples: one panel per initiative, on shared axes, labelled directly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..shares import share_text
from . import _common as c
from .text import fmt_percent, label

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Curve colours by probability of finishing by the deadline, as the report's headlines.
LEVEL_COLOURS = {"good": "#3f8f5a", "fair": "#c98e12", "poor": "#b8443f"}


def level(prob: float) -> str:
    """The headline level of a probability: good (>= 80 %), fair (>= 50 %) or poor."""
    return "good" if prob >= 0.8 else "fair" if prob >= 0.5 else "poor"


def grid_shape(n: int, ncols: int = 4) -> tuple[int, int]:
    """Rows and columns of a grid of ``n`` panels, at most ``ncols`` wide."""
    cols = max(1, min(ncols, n))
    return -(-max(n, 1) // cols), cols


def plot_scurves_grid(result: c.Source, *, ids: Sequence[str] | None = None,
                      fig: Figure | None = None, lang: str = "nb", ncols: int = 4,
                      worst_first: bool = True, max_panels: int | None = None) -> np.ndarray:
    """Draw each initiative's finish-date S-curve in its own small panel.

    Every panel shares the date and share axes, so curves compare by position
    alone; each is titled with its initiative's name (no legend to decode) and
    coloured by its probability of finishing by the deadline, as the report's
    headlines are. The deadline is the dashed line; the circle and the square
    mark P50 and P80.

    Parameters
    ----------
    result : Result or ReportData
    ids : sequence of str, optional
        Elements to draw; default every initiative.
    fig : Figure, optional
        Draw into this figure (its existing axes are left alone); a new one is
        made when not given.
    lang : {"nb", "en"}
    ncols : int
        Panels per row.
    worst_first : bool
        Order the panels by probability of finishing by the deadline, lowest
        first, as the headlines are; else in the order given.
    max_panels : int, optional
        Draw only the first this many (with ``worst_first``: the least likely
        to finish by the deadline), so a large plan stays a readable figure.

    Returns
    -------
    ndarray of Axes
        One per panel drawn, in order; each holds one line (``gid="ecdf"``)
        and the deadline (``gid="deadline"``).
    """
    table = c.summary(result)
    ids = list(ids) if ids is not None else c.initiatives(result)
    if worst_first:
        ids = sorted(ids, key=lambda e: float(table.at[e, "prob_by_deadline"]))
    ids = ids[:max_panels]
    rows, cols = grid_shape(len(ids), ncols)
    if fig is None:
        import matplotlib.pyplot as plt
        fig = plt.figure(figsize=(11, 0.6 + 1.9 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax in axes[len(ids):]:
        ax.set_visible(False)
    deadline = c.deadline(result)
    for ax, element in zip(axes, ids):
        _panel(ax, result, table, element, deadline, lang)
    c.cut_tail(axes[0], c.first_date(result, ids), c.date_range_end(result, ids))
    axes[0].set_ylim(0, 1.05)
    for k, ax in enumerate(axes[:len(ids)]):
        c.date_axis(ax.xaxis, lang)
        ax.yaxis.set_major_formatter(lambda y, _: fmt_percent(y, lang, 0))
        ax.set_yticks([0, 0.5, 0.8, 1])
        ax.tick_params(labelsize="x-small")
        ax.tick_params(axis="x", labelbottom=k >= len(ids) - cols)  # dates under the last row
    fig.supxlabel(label(lang, "finish_date"), fontsize="small")
    fig.supylabel(label(lang, "share_finished"), fontsize="small")
    return axes[:len(ids)]


def _panel(ax: Axes, result: c.Source, table, element: str, deadline, lang: str) -> None:
    d = c.finish_days(result, element)
    prob = float(table.at[element, "prob_by_deadline"]) if element in table.index else np.nan
    colour = LEVEL_COLOURS[level(prob)] if np.isfinite(prob) else "0.3"
    if d.within:
        start = np.datetime64(c.start_date(result), "D")
        ax.step(start + d.days, d.shares(), where="post", color=colour,
                linewidth=1.6, gid="ecdf")
        for q, marker in ((0.5, "o"), (0.8, "s")):
            day = d.quantile(q)
            if day is not None:
                ax.plot([start + day], [q], marker=marker, markersize=4, color=colour,
                        markeredgecolor="white", markeredgewidth=0.5, linestyle="none")
    else:
        ax.plot([], [], gid="ecdf")
    ax.axvline(deadline, color="0.15", linestyle="--", linewidth=0.9, gid="deadline")
    # the name on the left and P(by deadline) on the right, printed as the headline prints it;
    # y=1.0 where matplotlib would put them anyway (no ticks above), so that it does not look
    # for room above all 24 panels again at every step of the layout
    ax.set_title(c.shorten(c.display_name(table, element), 27), fontsize="small", loc="left", y=1.0)
    if np.isfinite(prob):
        lo, hi = (float(table.at[element, f"prob_by_deadline_{e}"]) for e in ("lo", "hi"))
        ax.set_title(share_text(prob, lo, hi, lang).estimate, fontsize="small", loc="right", y=1.0,
                     color=colour, fontweight="bold")
    if d.within < d.n:
        ax.text(0.02, 0.96, label(lang, "not_reached", share=fmt_percent(1 - d.within / d.n, lang)),
                transform=ax.transAxes, ha="left", va="top", fontsize="x-small", color="0.3")
    c.style(ax, grid="both")
