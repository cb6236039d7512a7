"""SimPy processes for limited resources: the readable reference of the capacity engine.

One process per activity waits for its predecessors' dates, and a task that
holds resources then waits until its ready time and asks a shared pool. The
pool allocates in rounds: each round runs after every ordinary event at that
instant (SimPy priority 2, below NORMAL), takes the waiting tasks in priority
order and starts each whose claims fit. Finishes free units as ordinary events,
so a round at ``t`` sees every release at ``t``. The dates come from the scalar
date rule (:mod:`.kernel`), which the compiled engine uses too.
"""

from __future__ import annotations

import heapq

import numpy as np
import simpy

from ..scenario.rollouts import SHARE, SUMMARY
from . import kernel as dr
from .capacity import static_arrays
from .kernel import _floor

#: Event priority of an allocation round: after the ordinary (NORMAL = 1) events of its instant.
ROUND = 2


def at(env: simpy.Environment, t: float) -> simpy.Event:
    """An event that fires at exactly ``t`` (or now, if ``t`` has passed).

    A timeout of ``t - now`` cannot always land on ``t``: for some pairs no float
    delay gives ``now + delay == t``. The scalar engine compares event times
    exactly, so the event is put on SimPy's queue at the absolute time (SimPy 4
    keeps ``(time, priority, id, event)`` entries in ``env._queue``).
    """
    ev = simpy.Event(env)
    ev._ok, ev._value = True, None
    heapq.heappush(env._queue, (max(t, env.now), simpy.events.NORMAL, next(env._eid), ev))
    return ev


class Pool:
    """Units of every resource, the waiting tasks, and the allocation rounds."""

    def __init__(self, env, cap, out):
        (_, _, _, _, _, self.claim_ptr, self.claim_res, self.claim_units,
         self.res_ptr, self.res_t, self.res_u, self.prio) = cap
        nres = self.res_ptr.size - 1
        self.env, self.out = env, out
        self.held = np.zeros(nres, dtype=np.int64)
        self.rel_t, self.rel_by = np.full(nres, -np.inf), np.full(nres, -1)
        self.waiting: dict[int, simpy.Event] = {}
        self.pending = False

    def claims(self, i):
        return range(self.claim_ptr[i], self.claim_ptr[i + 1])

    def capacity(self, r: int, t: float) -> int:
        lo, hi = self.res_ptr[r], self.res_ptr[r + 1]
        return self.res_u[lo + np.searchsorted(self.res_t[lo:hi], t, side="right") - 1]

    def request(self, i: int) -> simpy.Event:
        self.waiting[i] = granted = self.env.event()
        self.wake()
        return granted

    def release(self, i: int) -> None:
        t = self.env.now
        for q in self.claims(i):
            r = self.claim_res[q]
            self.held[r] -= self.claim_units[q]
            if self.rel_t[r] != t or i < self.rel_by[r]:
                self.rel_t[r], self.rel_by[r] = t, i
        self.wake()

    def wake(self) -> None:
        if not self.pending:
            self.pending = True
            ev = simpy.Event(self.env)
            ev.callbacks.append(self._round)
            # succeed() would schedule it as NORMAL; a round must come after those
            ev._ok, ev._value = True, None
            self.env.schedule(ev, priority=ROUND)

    def _round(self, _event) -> None:
        self.pending = False
        t = self.env.now
        for i in sorted(self.waiting, key=lambda k: self.prio[k]):
            if all(self.capacity(self.claim_res[q], t) - self.held[self.claim_res[q]]
                   >= self.claim_units[q] for q in self.claims(i)):
                for q in self.claims(i):
                    self.held[self.claim_res[q]] += self.claim_units[q]
                self.waiting.pop(i).succeed(t)

    def releaser(self, i: int) -> int:
        """The task whose finish freed units for ``i`` now (lowest index), or -1."""
        t, best = self.env.now, -1
        for q in self.claims(i):
            r = self.claim_res[q]
            if self.rel_t[r] == t and (best < 0 or self.rel_by[r] < best):
                best = int(self.rel_by[r])
        return best


def run_iteration(net, d, g, start, finish, ready, taken, driver) -> None:
    """Schedule one iteration with SimPy into the per-activity arrays given."""
    st, cap = static_arrays(net)
    node, weight, share = cap[2], cap[3], cap[4]
    pred_ptr, pred_idx = st[0], st[1]
    env = simpy.Environment()
    pool = Pool(env, cap, None)
    decided = [env.event() for _ in range(net.size)]
    sleeping: set[int] = set()
    # the date rule reads (activities, iterations) arrays: this iteration as one column
    col_s, col_f, col_g = start[:, None], finish[:, None], g[:, None]

    def activity(i):
        preds = [decided[p] for p in pred_idx[pred_ptr[i]:pred_ptr[i + 1]]]
        if preds:
            yield env.all_of(preds)
        members = pred_idx[pred_ptr[i]:pred_ptr[i + 1]]
        if node[i] == SUMMARY:
            start[i], finish[i], driver[i] = dr.summary_dates.py_func(members, col_s, col_f, 0)
        elif node[i] == SHARE:
            finish[i], driver[i] = dr.share_dates.py_func(members, finish, weight, share[i])
            start[i] = finish[i]
        if node[i] != 0:
            ready[i] = taken[i] = start[i]
        else:
            s, f, driver[i] = dr.logic_dates.py_func(i, st, d[i], col_g, col_s, col_f, 0)
            ready[i] = taken[i] = s
            if pool.claim_ptr[i + 1] > pool.claim_ptr[i]:
                yield from _hold(i, s, f)
                return
            start[i], finish[i] = s, f
        decided[i].succeed()

    def _hold(i, s, f):
        floor = _floor.py_func(st, i, start, finish)
        sleeping.add(i)
        if s == np.inf:  # never ready (a gate that never grants): it waits for nothing
            yield env.event()
        if s > env.now:
            yield at(env, s)
        t = yield pool.request(i)
        sleeping.discard(i)
        taken[i] = t
        if t != s:
            start[i], finish[i] = dr.moved_dates.py_func(i, st, d[i], t, floor)
            driver[i] = pool.releaser(i)
        else:
            start[i], finish[i] = s, f
        decided[i].succeed()
        if finish[i] != np.inf:  # work past the horizon holds its units to the end
            yield at(env, finish[i])
            pool.release(i)

    def steps(r):
        lo, hi = pool.res_ptr[r], pool.res_ptr[r + 1]
        for t in pool.res_t[lo:hi]:
            if t > env.now:
                yield at(env, t)
                pool.wake()

    for r in range(pool.res_ptr.size - 1):
        env.process(steps(r))
    for i in range(net.size):
        env.process(activity(i))
    while True:
        env.run()
        if not sleeping:
            break
        # nothing can change any more: what still waits never starts
        for i in sorted(sleeping):
            pool.waiting.pop(i, None)
            start[i] = finish[i] = taken[i] = np.inf
            if ready[i] != np.inf:  # ready, but its units never came; else logic's driver
                driver[i] = -1
            decided[i].succeed()
        sleeping.clear()
