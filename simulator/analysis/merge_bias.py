"""Merge bias: how much later activities with several predecessors start than any one path says."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..engines import cpm
from .result import Result


def _link_constraints(net, sched: cpm.Schedule, i: int) -> np.ndarray:
    """The earliest start each predecessor link of activity ``i`` allows, per iteration.

    FS: pred finish + lag; SS: pred start + lag; FF and SF bound the finish,
    so the start they allow is the latest that still meets that bound, in
    working time when the activity has blackout windows (as the engine does).
    Shape (links, n).
    """
    calendar = cpm.calendar_of(net, i)
    rows = []
    for pos in net.preds(i):
        p, kind, lag = net.pred_idx[pos], net.pred_type[pos], net.pred_lag[pos]
        c = (sched.finish[p] if kind in (0, 2) else sched.start[p]) + lag
        if kind >= 2:
            d = sched.durations[i]
            c = calendar.start_for_finish(c, d) if calendar is not None else c - d
        rows.append(c)
    return np.array(rows)


def merge_bias(result: Result) -> pd.DataFrame:
    """The delay merging paths add at every activity with two or more predecessors.

    With ``C_j`` the start that link ``j`` allows, the merge bias is
    ``E[max_j C_j] - max_j E[C_j]``: how much later the activity can start, on
    average, than its latest predecessor does on average. It is zero when one
    link always dominates and grows with the number and spread of the others.

    Parameters
    ----------
    result : Result

    Returns
    -------
    DataFrame
        Index ``id``, columns ``name``, ``n_predecessors``, ``planned_start``
        (from the deterministic plan), ``mean_start``, ``delay_vs_plan``
        (``mean_start - planned_start``), ``mean_of_max`` (``E[max C]``),
        ``max_of_means`` (``max E[C]``), ``merge_bias`` and ``excluded``: the
        share of iterations left out of the means because a constraint or the
        start is ``inf`` (a funding gate that never granted). All times are in
        the scenario unit; NaN when every iteration is excluded.

    Notes
    -----
    Data date, ``not_before`` and funding gates are not links and are left
    out of ``C``; they show in ``mean_start``.
    """
    net, sched = result.network, result.whole("merge bias").schedule
    counts = np.diff(net.pred_ptr)
    rows = []
    for i in np.flatnonzero(counts >= 2):
        c = _link_constraints(net, sched, int(i))
        keep = np.isfinite(c).all(axis=0) & np.isfinite(sched.start[i])
        excluded = 1.0 - keep.mean()
        mean_of_max = max_of_means = mean_start = np.nan
        if keep.any():
            kept = c[:, keep]
            mean_of_max = kept.max(axis=0).mean()
            max_of_means = kept.mean(axis=1).max()
            mean_start = sched.start[i, keep].mean()
        planned = result.plan.start[i, 0]
        rows.append((net.ids[i], net.names[i], int(counts[i]), planned, mean_start,
                     mean_start - planned, mean_of_max, max_of_means,
                     mean_of_max - max_of_means, excluded))
    cols = ["id", "name", "n_predecessors", "planned_start", "mean_start", "delay_vs_plan",
            "mean_of_max", "max_of_means", "merge_bias", "excluded"]
    return pd.DataFrame(rows, columns=cols).set_index("id")
