"""Resource utilisation: units held over time against each resource's capacity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import _common as c
from .text import label

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..analysis.result import Result

_TEXT = {"nb": {"busy": "Enheter i bruk", "mean": "snitt", "p90": "P90", "capacity": "kapasitet",
                "date": "Dato"},
         "en": {"busy": "Units busy", "mean": "mean", "p90": "P90", "capacity": "capacity",
                "date": "Date"}}


def plot_utilisation(result: c.Source, ids: Sequence[str] | None = None, *, ax: Axes | None = None,
                     lang: str = "nb", legend: bool = True) -> Axes | np.ndarray:
    """Draw the units of each resource held over time (mean and P90) against its capacity.

    Units held are read on the run's monthly grid (see
    :func:`simulator.analysis.rollouts.utilisation`); the capacity is drawn
    as its exact steps from a Result, and month by month from a ReportData.

    Parameters
    ----------
    result : Result or ReportData
    ids : sequence of str, optional
        Resources to draw; default every resource.
    ax : Axes, optional
        Draw every resource here, one colour each. When not given, a new
        figure gets one Axes per resource (small multiples sharing the date axis).
    lang : {"nb", "en"}
    legend : bool

    Returns
    -------
    Axes or ndarray of Axes
        ``ax`` itself, or the new figure's Axes, one per resource. Each resource
        has a mean line (``gid="busy_mean"``), a P90 line (``gid="busy_p90"``) and a
        capacity step line (``gid="capacity"``); every Axes a deadline line
        (``gid="deadline"``).
    """
    from ..analysis.rollouts import utilisation
    data = c.data_of(result)
    net = None if data is not None else result.network
    table = data.utilisation if data is not None else utilisation(result)
    ids = list(ids) if ids is not None else list(dict.fromkeys(table["resource"]))
    names = ({r.id: r.name for r in net.resources} if net is not None
             else dict(zip(table["resource"], table["name"])))
    import seaborn as sns  # here, not at the top: see simulator/report/__init__.py
    colours = sns.color_palette("husl", max(len(ids), 1))
    if ax is None:
        import matplotlib.pyplot as plt
        _, grid = plt.subplots(max(len(ids), 1), 1, figsize=(10, 1.2 + 2.4 * max(len(ids), 1)),
                               sharex=True, squeeze=False, layout="constrained")
        axes = list(grid[:, 0])
        one = False
    else:
        axes, one = [ax] * max(len(ids), 1), True
    for rid, colour, a in zip(ids, colours, axes):
        rows = table[table["resource"] == rid]
        dates = rows["date"].to_numpy()
        name = c.shorten(names.get(rid) or rid, 36)
        prefix = f"{name}: " if one else ""
        a.plot(dates, rows["mean"].to_numpy(), color=colour, linewidth=1.6,
               label=prefix + _TEXT[lang]["mean"], gid="busy_mean")
        a.plot(dates, rows["p90"].to_numpy(), color=colour, linewidth=1.0, linestyle=":",
               label=prefix + _TEXT[lang]["p90"], gid="busy_p90")
        if dates.size:
            if net is not None:
                res = next(r for r in net.resources if r.id == rid)
                x, y = _steps(net, res, dates[0], dates[-1])
            else:
                x, y = dates, rows["capacity"].to_numpy()
            a.step(x, y, where="post", color=colour if one else "0.55", linewidth=2.4,
                   alpha=0.45 if one else 1.0, zorder=1.5, label=prefix + _TEXT[lang]["capacity"],
                   gid="capacity")
            a.set_ylim(0, max(float(y.max()), float(rows["p90"].max())) * 1.15 + 0.1)
        if not one:
            a.set_title(name, loc="left", fontsize="medium")
    for a in dict.fromkeys(axes):  # each distinct Axes once
        a.axvline(c.deadline(result), color="0.15", linestyle="--", linewidth=1.0,
                  label=label(lang, "deadline"), gid="deadline")
        a.set_ylabel(_TEXT[lang]["busy"])
        c.date_axis(a.xaxis, lang)
        c.style(a, grid="both")
        if legend and ids:
            a.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", frameon=False)
    axes[-1].set_xlabel(_TEXT[lang]["date"])
    return axes[0] if one else np.array(axes)


def _steps(net, res, first: np.datetime64, last: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """Dates and units of a capacity step line from ``first`` to ``last``."""
    first, last = np.datetime64(first, "D"), np.datetime64(last, "D")
    dates = net.to_dates(res.times[1:])
    inside = (dates > first) & (dates <= last)
    units = np.concatenate([[res.at(net.to_time(first.astype(object)))], res.units[1:][inside]])
    x = np.concatenate([[first], dates[inside], [last]]).astype("datetime64[D]")
    return x, np.concatenate([units, units[-1:]])
