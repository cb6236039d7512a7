"""The trade-off a decision-maker sees: each order's objective against P(target by the deadline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _common as c

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..prioritisation import Prioritisation


def plot_tradeoff(prioritisation: "Prioritisation", *, ax: "Axes | None" = None,
                  label_top: int = 5) -> "Axes":
    """One point per order evaluated: objective (95 % interval as error bars) against P(target).

    Parameters
    ----------
    prioritisation : Prioritisation
        From :func:`simulator.prioritise`; nothing is simulated again.
    ax : Axes, optional
    label_top : int
        How many of the best-ranked orders to name; the baselines are always named.

    Returns
    -------
    Axes
    """
    import seaborn as sns
    ax = c.axes(ax, (7.5, 4.5))
    t = prioritisation.table
    final = t[t["status"] == "finalist"]
    dropped = t[t["status"] != "finalist"]
    if len(dropped):
        ax.scatter(dropped["p_target"], dropped["objective"], s=18, color="0.7",
                   label="dropped by racing", zorder=2)
    palette = sns.color_palette("colorblind")
    ax.errorbar(final["p_target"], final["objective"],
                yerr=[final["objective"] - final["objective_lo"], final["objective_hi"] - final["objective"]],
                fmt="o", ms=5, color=palette[0], ecolor=palette[0], elinewidth=1, capsize=2,
                label="finalists", zorder=3)
    best = t.iloc[0]
    ax.scatter([best["p_target"]], [best["objective"]], s=140, facecolors="none",
               edgecolors=palette[3], linewidths=2, label="recommended", zorder=4)
    named = set(final.index[:label_top]) | set(t.index[t["role"] != "candidate"])
    spots: dict[tuple, list[str]] = {}  # orders that land on one point share one label
    for i in sorted(named):
        row = t.loc[i]
        spots.setdefault((row["p_target"], row["objective"]), []).append(str(row["name"])[:40])
    for (x, y), names in spots.items():
        ax.annotate("\n".join(names), (x, y), fontsize=7, xytext=(6, 4), textcoords="offset points")
    ax.set_xlabel("P(target by the deadline)")
    unit = prioritisation.unit
    ax.set_ylabel(prioritisation.objective.label + (f" ({unit})" if unit else ""))
    ax.xaxis.set_major_formatter(lambda x, _: f"{x:.0%}")
    ax.set_title("Priority orders: objective against P(target)")
    ax.legend(fontsize=8, loc="best")
    c.style(ax, grid="both")
    return ax
