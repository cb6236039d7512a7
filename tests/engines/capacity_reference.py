"""A plain scalar scheduler for limited resources: the tests' own reading of the rule.

The rule is the one in the docstring of :mod:`simulator.engines.capacity`. This module
implements its event loop independently, one iteration at a time, with Python sets,
dicts and lists, and is written to be read, not to be fast. To stay bit-exact with the
engines it reuses only the scalar *date rule* of one activity
(:func:`simulator.engines.kernel.logic_dates` and ``moved_dates``, their ``.py_func``)
and the priority order (:func:`simulator.engines.priority.priority_positions`);
summary and share nodes, capacities, releases, rounds and drivers are computed here.

Not collected by pytest (no ``test_`` prefix); the tests import it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.engines import kernel as dr
from simulator.engines.capacity import static_arrays
from simulator.engines.priority import priority_positions

TASK, SUMMARY, SHARE = 0, 1, 2
NO_DRIVER = -1


@dataclass
class Waiting:
    """A task that holds resources, decided by logic but not yet started."""

    ready: float      # its cpm start: from here on it may take units
    finish: float     # its cpm finish, kept for a start exactly at ``ready``
    driver: int       # its logic driver, kept likewise
    floor: float      # earliest finish its FF/SF links allow (-inf without)


def capacity_at(resource, t: float) -> int:
    """Units of ``resource`` at time ``t``: those of the last step at or before ``t``."""
    units = 0
    for when, n in zip(resource.times, resource.units):
        if when <= t:
            units = int(n)
    return units


def schedule(net, durations: np.ndarray, gate_times: np.ndarray, *, full: bool = False):
    """Start, finish and driver arrays (activities, n), one iteration at a time; with
    ``full``, also ready (cpm start) and taken (when units were taken)."""
    m, n = durations.shape
    out = [np.empty((m, n)), np.empty((m, n)), np.empty((m, n), dtype=np.int64),
           np.empty((m, n)), np.empty((m, n))]
    for r in range(n):
        for a, x in zip(out, one_iteration(net, durations[:, r], gate_times[:, r])):
            a[:, r] = x
    return tuple(out) if full else tuple(out[:3])


def one_iteration(net, d: np.ndarray, g: np.ndarray):
    st = static_arrays(net)[0]  # the date rule's arrays (links, gates, calendars)
    m = net.size
    preds = [[int(p) for p in net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]]
             for i in range(m)]
    claims = [{int(net.claim_res[q]): int(net.claim_units[q])
               for q in range(net.claim_ptr[i], net.claim_ptr[i + 1])} for i in range(m)]
    prio = priority_positions(net)
    steps = sorted({float(x) for res in net.resources for x in res.times if np.isfinite(x)})

    start = np.full(m, np.nan)
    finish = np.full(m, np.nan)
    driver = np.full(m, NO_DRIVER, dtype=np.int64)
    ready = np.full(m, np.nan)    # reported: the cpm start of a task that holds units
    taken = np.full(m, np.nan)    # reported: when it took them
    decided = [False] * m
    waiting: dict[int, Waiting] = {}
    running: set[int] = set()
    in_use = [0] * len(net.resources)
    last_release: dict[int, tuple[float, int]] = {}   # resource -> (time, lowest index)

    def finish_floor(i: int) -> float:
        fb = -np.inf
        for pos in range(net.pred_ptr[i], net.pred_ptr[i + 1]):
            p, kind, lag = net.pred_idx[pos], net.pred_type[pos], net.pred_lag[pos]
            if kind == 2:
                fb = max(fb, finish[p] + lag)
            elif kind == 3:
                fb = max(fb, start[p] + lag)
        if fb == -np.inf:
            return fb
        c = net.calendar_of[i]
        return dr.cal_finish_floor.py_func(st[9], c, fb) if c >= 0 else fb

    def decide_what_can_be() -> bool:
        """Date every activity whose predecessors are dated; True if any was."""
        any_done = False
        again = True
        while again:
            again = False
            for i in range(m):
                if decided[i] or i in waiting or not all(decided[p] for p in preds[i]):
                    continue
                again = any_done = True
                if net.node[i] == SUMMARY:
                    fs = [finish[p] for p in preds[i]]
                    last = fs.index(max(fs))          # the first member on ties
                    start[i] = min(start[p] for p in preds[i])
                    finish[i], driver[i] = fs[last], preds[i][last]
                elif net.node[i] == SHARE:
                    by_finish = sorted(range(len(preds[i])), key=lambda k: (finish[preds[i][k]], k))
                    reached = by_finish[0]
                    live = 0.0
                    for k in by_finish:
                        live += net.weight[preds[i][k]]
                        if live >= net.share[i]:
                            reached = k
                            break
                    start[i] = finish[i] = finish[preds[i][reached]]
                    driver[i] = preds[i][reached]
                else:
                    s, f, dv = dr.logic_dates.py_func(i, st, d[i], g[:, None], start[:, None],
                                                      finish[:, None], 0)
                    if claims[i]:
                        waiting[i] = Waiting(s, f, int(dv), finish_floor(i))
                        ready[i] = s
                        continue
                    start[i], finish[i], driver[i] = s, f, dv
                ready[i] = taken[i] = start[i]
                decided[i] = True
        return any_done

    def release(t: float) -> None:
        for i in sorted(running):
            if finish[i] <= t:
                running.discard(i)
                for r, u in claims[i].items():
                    in_use[r] -= u
                    seen = last_release.get(r)
                    if seen is None or seen[0] != t or i < seen[1]:
                        last_release[r] = (t, i)

    def fits(i: int, t: float) -> bool:
        return all(capacity_at(net.resources[r], t) - in_use[r] >= u
                   for r, u in claims[i].items())

    def allocate(t: float) -> bool:
        """One pass over the ready tasks in priority order; True if any started."""
        started = False
        for i in sorted((i for i in waiting if waiting[i].ready <= t), key=lambda i: prio[i]):
            if not fits(i, t):
                continue
            w = waiting.pop(i)
            taken[i] = t
            for r, u in claims[i].items():
                in_use[r] += u
            if t == w.ready:
                start[i], finish[i], driver[i] = w.ready, w.finish, w.driver
            else:
                start[i], finish[i] = dr.moved_dates.py_func(i, st, d[i], t, w.floor)
                freed_by = [last_release[r][1] for r in claims[i]
                            if r in last_release and last_release[r][0] == t]
                driver[i] = min(freed_by) if freed_by else NO_DRIVER
            running.add(i)
            decided[i] = True
            started = True
        return started

    t = -np.inf
    while True:
        while True:  # the round at t, until nothing changes
            progressed = decide_what_can_be()
            release(t)
            if not allocate(t) and not progressed:
                break
        if not waiting:
            break
        later = ([w.ready for w in waiting.values() if w.ready > t]
                 + [finish[i] for i in running] + [x for x in steps if x > t])
        nxt = min(later, default=np.inf)
        if nxt == np.inf:
            # nothing will ever free or add units: what still waits never starts
            for i in list(waiting):
                w = waiting.pop(i)
                start[i] = finish[i] = taken[i] = np.inf
                # ready, but no units ever came: no driver; never ready: its logic's driver
                driver[i] = NO_DRIVER if w.ready != np.inf else w.driver
                decided[i] = True
            continue
        t = nxt
    assert all(decided)
    return start, finish, driver, ready, taken
