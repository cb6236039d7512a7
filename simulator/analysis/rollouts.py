"""Rollout coverage and resource use of a capacity run: tidy tables from a Result.

Coverage is the weighted share of a rollout's units that are live (finished)
at a time. Tables over time use one grid per run: month ends (or steps of
``step_days``) from the start date to the month after the latest finite
99th-percentile finish of the rollout units and resource claimants, capped at
the horizon. A grid date stands for the end of that day, so a unit whose
finish is reported on that date counts as live there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from ..engines.calendar import SortedCounter
from . import stats
from .gridsum import day_points, held_on_grid, level_times

if TYPE_CHECKING:
    from .result import Result

#: Coverage levels whose times are reported, and those whose deadline probability is.
TIME_LEVELS = (0.5, 0.9, 1.0)
PROB_LEVELS = (0.5, 0.8, 1.0)
#: A share counts as reached at a cumulative weight of ``x * total * (1 - TOL)``, as share nodes do.
TOL = 1e-9


def _eps(net) -> float:
    """The rounding a date conversion absorbs (``times_to_dates``), as a time."""
    return 1e-6 / net.unit_days


def _claimants(net) -> np.ndarray:
    """Activity indices that hold any resource."""
    return np.flatnonzero(np.diff(net.claim_ptr) > 0) if net.claim_ptr.size else np.zeros(0, int)


def grid(result: Result, *, step_days: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Dates (``datetime64[D]``) and times of the run's grid; see the module docstring.

    Parameters
    ----------
    result : Result
    step_days : float, optional
        Days between points (the ends of periods of that length from the start);
        default month ends.
    """
    net, tally = result.network, result.tally
    pairs = [(row, ks[0]) for row in range(tally.layout.blocks["p99"].start,
                                           tally.layout.blocks["p99"].stop)
             if (ks := tally.needed(row))]
    if pairs:
        ends = tally.values(*np.array(pairs).T)
        last = net.to_dates(np.array([ends.max()]), finish=True)[0].astype("datetime64[M]") + 1
    else:
        last = np.datetime64(net.deadline, "M")
    start = np.datetime64(net.start, "D")
    if step_days is None:
        months = np.arange(start.astype("datetime64[M]"), last + 1)
        dates = (months + 1).astype("datetime64[D]") - 1
    else:
        stop = (last + 1).astype("datetime64[D]")
        days = np.arange(step_days, (stop - start).astype(int) + step_days, step_days)
        dates = start + np.ceil(days - 1e-9).astype(np.int64) - 1
    times = (dates + 1 - start).astype(float) / net.unit_days
    keep = times <= net.horizon
    return dates[keep], times[keep]


def _rollout(net, rollout_id: str):
    for r in net.rollouts:
        if r.id == rollout_id:
            return r
    raise KeyError(f"no rollout `{rollout_id}` (has {', '.join(r.id for r in net.rollouts)})")


def _held_on_grid(a: np.ndarray, b: np.ndarray, w: np.ndarray, g: int) -> np.ndarray:
    """Sum of ``w[i]`` over rows with ``a[i, r] <= k < b[i, r]``: shape (g, iterations)
    (``a`` and ``b`` at most ``g``)."""
    return held_on_grid(np.asarray(a, np.int64), np.asarray(b, np.int64),
                        np.asarray(w, float), int(g))


def held_span(a: np.ndarray, b: np.ndarray, w: np.ndarray, g: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_held_on_grid` as the rows where a sum can change, and a row map.

    A sum changes only at the grid points some ``a`` or ``b`` names; before the first
    it is 0, and after the last it keeps its value there. So only those rows are
    summed (the same additions in the same order: the same bits), and the long tail
    of a grid that runs to the horizon costs nothing.

    Returns
    -------
    rows : ndarray, shape (span, iterations)
        Row 0 is all zeros; rows 1 on are the grid points from the first change to the last.
    src : ndarray of int64, shape (g,)
        The row of ``rows`` each grid point equals: ``_held_on_grid(a, b, w, g) == rows[src]``.
    """
    n = a.shape[1]
    j0 = min(int(a.min(initial=g)), int(b.min(initial=g)))
    j1 = max(int(np.where(a < g, a, -1).max(initial=-1)), int(np.where(b < g, b, -1).max(initial=-1)))
    if j1 < j0:  # nothing changes within the grid
        return np.zeros((1, n)), np.zeros(g, dtype=np.int64)
    span = j1 - j0 + 2  # row 0 is never added to: the zeros before the first change
    rows = _held_on_grid(np.where(a < g, a - j0 + 1, span), np.where(b < g, b - j0 + 1, span),
                         w, span)
    return rows, np.clip(np.arange(g) - j0 + 1, 0, span - 1)


def _mean_held(a: np.ndarray, b: np.ndarray, w: np.ndarray, g: int) -> np.ndarray:
    """The mean over iterations of :func:`_held_on_grid`, from counts: no (g, iterations)
    matrix is made."""
    diff = np.zeros(g + 1)
    for i in range(a.shape[0]):
        diff += w[i] * (np.bincount(a[i], minlength=g + 1) - np.bincount(b[i], minlength=g + 1))
    return np.cumsum(diff[:g]) / a.shape[1]


def coverage_curve(result: Result, rollout_id: str, *,
                   step_days: float | None = None) -> pd.DataFrame:
    """Weighted share of a rollout's units live at each grid date.

    Parameters
    ----------
    result : Result
    rollout_id : str
        The rollout phase.
    step_days : float, optional
        Grid step in days; default month ends (see :func:`grid`).

    Returns
    -------
    DataFrame
        ``date``, ``time`` and the ``mean``, ``p10``, ``p50`` and ``p90`` of the
        coverage (0 to 1) over iterations; percentiles as :func:`stats.percentiles`.
    """
    net = result.network
    r = _rollout(net, rollout_id)
    dates, times = grid(result, step_days=step_days)
    if step_days is None:  # month ends: from the run's reduction, kept whole or not
        g = [x.id for x in net.rollouts].index(rollout_id)
        mean, pct = result.extras.coverage_stats(g, len(times))
        return pd.DataFrame({"date": dates, "time": times, "mean": mean,
                             "p10": pct[:, 0], "p50": pct[:, 1], "p90": pct[:, 2]})
    fin = result.whole("coverage curves on a grid of step_days").schedule.finish[r.units]
    cov = coverage_on_grid(net, fin, r.weights, times)
    pct = stats.percentiles(cov, (10.0, 50.0, 90.0))[:, :, 0]
    return pd.DataFrame({"date": dates, "time": times, "mean": cov.mean(axis=1),
                         "p10": pct[:, 0], "p50": pct[:, 1], "p90": pct[:, 2]})


def coverage_on_grid(net, fin: np.ndarray, weights: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Weighted share of the units (finishes ``fin``) live at each grid time: (grid, iterations)."""
    rows, src = coverage_span(net, fin, weights, times)
    return rows[src]


def coverage_span(net, fin: np.ndarray, weights: np.ndarray,
                  times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`coverage_on_grid` as rows and a row map (see :func:`held_span`)."""
    live_from = SortedCounter(times + _eps(net)).left(fin)  # first point with f <= t
    rows, src = held_span(live_from, np.full_like(live_from, len(times)), weights, len(times))
    rows /= weights.sum()
    return rows, src


def coverage_table(result: Result) -> pd.DataFrame:
    """:func:`coverage_curve` of every rollout in one long table, with ``id`` and ``name``."""
    cols = ["id", "name", "date", "time", "mean", "p10", "p50", "p90"]
    frames = [coverage_curve(result, r.id).assign(id=r.id, name=r.name)
              for r in result.network.rollouts]
    return pd.concat(frames, ignore_index=True)[cols] if frames else pd.DataFrame(columns=cols)


def coverage_times(result: Result, rollout_id: str, levels=TIME_LEVELS) -> np.ndarray:
    """Per iteration, the first time the weighted coverage reaches each level.

    Returns
    -------
    ndarray, shape (len(levels), iterations)
        ``inf`` where the level is not reached within the horizon.
    """
    r = _rollout(result.network, rollout_id)
    return coverage_times_of(result.whole("coverage times").schedule.finish[r.units], r.weights,
                             levels)


def coverage_times_of(fin: np.ndarray, weights: np.ndarray, levels) -> np.ndarray:
    """:func:`coverage_times` from the units' finishes (units, iterations) and weights."""
    need = np.asarray(levels, dtype=float) * weights.sum() * (1 - TOL)
    if fin.shape[0] == 0:
        return np.full((need.size, fin.shape[1]), np.inf)
    return level_times(np.asarray(fin, dtype=float), np.asarray(weights, dtype=float), need)


def coverage_summary(result: Result) -> pd.DataFrame:
    """Time to 50, 90 and 100 % coverage and the chance of coverage by the deadline, per rollout.

    Returns
    -------
    DataFrame
        Indexed by rollout id, with ``name``, ``units`` and ``total_weight``; for
        ``x`` in 50, 90, 100 and each scenario percentile ``p``:
        ``time_to_{x}_p{p}`` with ``_lo`` and ``_hi`` (95 % order-statistic
        interval) and ``time_to_{x}_date_p{p}`` (NaT after the horizon); for ``x``
        in 50, 80, 100: ``prob_{x}_by_deadline`` with Wilson ``_lo`` and ``_hi``.
        Coverage ``>= x`` means a cumulative weight ``>= x * total * (1 - 1e-9)``.
    """
    from .tally import LEVELS
    net, tally = result.network, result.tally
    base = tally.layout.blocks["coverage"].start
    hit_base = tally.layout.blocks["finish"].stop - tally.layout.blocks["finish"].start
    rows = []
    for g, r in enumerate(net.rollouts):
        at = base + g * len(LEVELS)
        row = {"id": r.id, "name": r.name, "units": len(r.units),
               "total_weight": float(r.weights.sum())}
        pct = tally.percentiles([at + LEVELS.index(x) for x in TIME_LEVELS], net.percentiles)
        dates = net.to_dates(pct[:, :, 0], finish=True)
        for j, x in enumerate(TIME_LEVELS):
            for k, p in enumerate(net.percentiles):
                name = f"time_to_{x * 100:g}_p{p:g}"
                row[name], row[f"{name}_lo"], row[f"{name}_hi"] = pct[j, k]
                row[f"time_to_{x * 100:g}_date_p{p:g}"] = dates[j, k]
        hits = tally.hits[[hit_base + g * len(LEVELS) + LEVELS.index(x) for x in PROB_LEVELS]]
        for x, (p, lo, hi) in zip(PROB_LEVELS, stats.proportion(hits, result.iterations)):
            name = f"prob_{x * 100:g}_by_deadline"
            row[name], row[f"{name}_lo"], row[f"{name}_hi"] = p, lo, hi
        rows.append(row)
    return (pd.DataFrame(rows).set_index("id") if rows
            else pd.DataFrame(index=pd.Index([], name="id")))


def _claims_of(net, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Activities claiming resource ``k`` and the units each holds."""
    owner = np.repeat(np.arange(len(net.claim_ptr) - 1), np.diff(net.claim_ptr))
    mine = net.claim_res == k
    return owner[mine], net.claim_units[mine].astype(float)


def utilisation(result: Result, *, step_days: float | None = None) -> pd.DataFrame:
    """Units of each resource held at each grid date, against its capacity.

    An activity holds its claim from ``taken`` (inclusive) to ``finish``
    (exclusive); a grid date stands for the instant its day ends, which is also
    the first instant of the next day: a capacity step from 1 July shows at 30 June.

    Returns
    -------
    DataFrame
        Long: ``resource``, ``date``, ``time``, ``mean`` and ``p90`` of the units
        held over iterations, and ``capacity`` at that time. Empty when the run
        has no resources or no capacity schedule.
    """
    net = result.network
    cols = ["resource", "date", "time", "mean", "p90", "capacity"]
    if not net.resources or result.tally.waits is None:
        return pd.DataFrame(columns=cols)
    dates, times = grid(result, step_days=step_days)
    if step_days is None:  # month ends: from the run's reduction, kept whole or not
        mean = _mean_held_by_day(result, dates)
        return pd.concat([pd.DataFrame({
            "resource": res.id, "date": dates, "time": times,
            "mean": mean[k],
            "p90": result.extras.held_p90(k, len(times)),
            "capacity": [res.at(t) for t in times]}) for k, res in enumerate(net.resources)],
            ignore_index=True)[cols]
    sched = result.whole("units held on a grid of step_days").schedule
    frames = []
    for k, res in enumerate(net.resources):
        a, b, units = holding(net, sched, times, k)
        held = _held_on_grid(a, b, units, len(times))
        frames.append(pd.DataFrame({
            "resource": res.id, "date": dates, "time": times,
            "mean": _mean_held(a, b, units, len(times)),
            "p90": stats.percentiles(held, (90.0,))[:, 0, 0] if len(times) else np.zeros(0),
            "capacity": [res.at(t) for t in times]}))
    return pd.concat(frames, ignore_index=True)[cols]


def _mean_held_by_day(result: Result, dates: np.ndarray) -> np.ndarray:
    """Mean units of each resource held at ``dates`` (days of the grid), from the tally's
    changes per day: shape (resources, dates)."""
    days = (dates - np.datetime64(result.network.start, "D")).astype(np.int64)
    return np.cumsum(result.tally.waits[3], axis=1)[:, days] / result.iterations


def holding(net, sched, times: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per claim on resource ``k`` and iteration, the first and the first-not grid point at
    which its units are held, and the units."""
    acts, units = _claims_of(net, k)
    probe = SortedCounter(times + _eps(net))  # searchsorted(..., "left") without a binary search
    a = probe.left(sched.taken[acts])   # first point with taken <= t
    b = probe.left(sched.finish[acts])  # first point with finish <= t
    return a, np.maximum(a, b), units


class Waiting(NamedTuple):
    """Waiting for resources: per resource and per claiming activity."""

    resources: pd.DataFrame
    activities: pd.DataFrame


def waiting(result: Result) -> Waiting:
    """Mean time activities waited for their resources (``taken - ready``).

    An activity that claims several resources waited for them together; its
    whole wait is counted for each of them, so the resources' totals can add
    up to more than the activities' waits. An iteration in which an activity
    was ready but never got its units within the horizon makes its mean
    ``inf``; one never ready waits 0.

    Returns
    -------
    Waiting
        ``resources``: indexed by resource id, ``name``, ``claimants``,
        ``mean_wait`` (the mean over iterations of the summed waits of its
        claimants, in the scenario unit), ``mean_wait_days`` and
        ``peak_mean_busy`` (the largest mean units held on the grid).
        ``activities``: indexed by activity id, ``name``, ``resources``
        (comma-separated), ``mean_wait``, ``mean_wait_days`` and ``prob_wait``
        (share of iterations with a wait). Both empty without a capacity schedule.
    """
    net, tally = result.network, result.tally
    res_cols = ["name", "claimants", "mean_wait", "mean_wait_days", "peak_mean_busy"]
    act_cols = ["name", "resources", "mean_wait", "mean_wait_days", "prob_wait"]
    if tally.waits is None:
        return Waiting(pd.DataFrame(columns=res_cols, index=pd.Index([], name="id")),
                       pd.DataFrame(columns=act_cols, index=pd.Index([], name="id")))
    act_sum, act_count, res_sum, _ = tally.waits
    n = result.iterations
    acts = _claimants(net)
    busy = _mean_held_by_day(result, grid(result)[0])  # utilisation()'s mean
    res_rows = []
    for k, res in enumerate(net.resources):
        mine, _ = _claims_of(net, k)
        total = res_sum[k] / n
        peak = busy[k]
        res_rows.append({"id": res.id, "name": res.name, "claimants": int(mine.size),
                         "mean_wait": total, "mean_wait_days": total * net.unit_days,
                         "peak_mean_busy": float(peak.max()) if peak.size else 0.0})
    mean = act_sum / n
    acts_frame = pd.DataFrame({
        "id": [net.ids[i] for i in acts], "name": [net.names[i] for i in acts],
        "resources": [", ".join(net.resources[j].id
                                for j in net.claim_res[net.claim_ptr[i]:net.claim_ptr[i + 1]])
                      for i in acts],
        "mean_wait": mean, "mean_wait_days": mean * net.unit_days,
        "prob_wait": act_count / n})
    return Waiting(pd.DataFrame(res_rows, columns=["id", *res_cols]).set_index("id"),
                   acts_frame.set_index("id"))


def day_times(net) -> np.ndarray:
    """Times of the ends of the days from the start date to the horizon (a grid of every day)."""
    days = np.arange(int(np.ceil(net.horizon * net.unit_days)) + 1)
    times = (days + 1).astype(float) / net.unit_days
    return times[times <= net.horizon]


def day_index(net, probe: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``np.searchsorted(probe, x)`` for the day grid's ``probe`` (:func:`day_times` plus the
    rounding a date absorbs): guessed from the time, then corrected to the exact index
    (:func:`.gridsum.day_points`).

    A search of a long grid for every claim and iteration took longer than the rest of
    a chunk's reduction.
    """
    return day_points(np.ascontiguousarray(probe, dtype=float),
                      np.ascontiguousarray(x, dtype=float), float(net.unit_days))


def waiting_sums(net, sched) -> tuple | None:
    """One chunk's part of :func:`waiting`: per claimant the summed wait and the iterations
    with a wait, per resource the summed wait of its claimants, and per resource the change
    of the units held at each day of :func:`day_times` (summed over iterations); None
    without a capacity schedule."""
    if not net.resources or sched.ready is None or sched.taken is None:
        return None
    acts = _claimants(net)
    ready, taken = sched.ready[acts], sched.taken[acts]
    with np.errstate(invalid="ignore"):
        wait = np.where(np.isfinite(ready), taken - ready, 0.0)
    probe = day_times(net) + _eps(net)
    g = probe.size
    res_sum = np.zeros(len(net.resources))
    held = np.zeros((len(net.resources), g + 1))
    for k in range(len(net.resources)):
        mine, units = _claims_of(net, k)
        res_sum[k] = wait[np.searchsorted(acts, mine)].sum(axis=0).sum() if mine.size else 0.0
        a = day_index(net, probe, sched.taken[mine])   # first day with taken <= t
        b = np.maximum(a, day_index(net, probe, sched.finish[mine]))
        w = np.repeat(units, a.shape[1])  # units are whole numbers: the sums are exact
        held[k] = (np.bincount(a.ravel(), weights=w, minlength=g + 1)
                   - np.bincount(b.ravel(), weights=w, minlength=g + 1))
    return wait.sum(axis=1), (wait > _eps(net)).sum(axis=1), res_sum, held
