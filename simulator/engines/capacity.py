"""The capacity engine: a non-preemptive priority list schedule, compiled with numba.

The rule (docs/design.md, "Capacity"), per iteration: an activity's dates are
decided once its predecessors' are. A task that holds no resource gets the cpm
dates. A task that holds resources becomes *ready* at its cpm start and then
waits: at each event time ``t`` (a ready time, a finish that frees units, a
capacity step), the ready tasks are taken in priority order and each starts
at ``t`` if every resource it claims has the units free; otherwise it waits.
Starts at ``t`` can make more tasks ready or free units at ``t`` (zero
durations), so the round repeats at ``t`` until nothing changes. A task that
starts later than its ready time has its dates moved (working time on its
calendar), and its driver is the task whose finish freed the units (the lowest
index on ties), or none when a capacity step did.

The SimPy engine (:mod:`.des`) implements the same rule with processes and is
the readable reference; the two agree to the bit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit

from ..scenario.network import Network
from ..scenario.rollouts import SHARE, SUMMARY
from . import daterule as dr
from .cpm import Schedule, _prepared, output_for
from .priority import priority_positions


@lru_cache(maxsize=32)
def static_arrays(net: Network) -> tuple:
    """The Network as flat arrays for the scalar date rule and the event loop."""
    gates_of, calendars, finish_link = _prepared(net)
    gate_ptr = np.zeros(net.size + 1, dtype=np.int64)
    gate_ptr[1:] = np.cumsum([len(g) for g in gates_of])
    gate_idx = np.array([g for gs in gates_of for g in gs], dtype=np.int64)
    cal = _calendar_arrays(net)
    st = (net.pred_ptr, net.pred_idx, net.pred_type.astype(np.int64), net.pred_lag,
          net.not_before.astype(float), gate_ptr, gate_idx, net.calendar_of, finish_link, cal)
    succ_lists: list[list[int]] = [[] for _ in range(net.size)]
    for i in range(net.size):
        for p in net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]:
            succ_lists[p].append(i)
    succ_ptr = np.zeros(net.size + 1, dtype=np.int64)
    succ_ptr[1:] = np.cumsum([len(s) for s in succ_lists])
    succ_idx = np.array([s for ss in succ_lists for s in ss], dtype=np.int64)
    res_ptr = np.zeros(len(net.resources) + 1, dtype=np.int64)
    res_ptr[1:] = np.cumsum([r.times.size for r in net.resources])
    res_t = np.concatenate([r.times for r in net.resources] or [np.empty(0)])
    res_u = np.concatenate([r.units for r in net.resources] or [np.empty(0, np.int64)])
    cap = (succ_ptr, succ_idx, net.node.astype(np.int64), net.weight, net.share,
           net.claim_ptr, net.claim_res, net.claim_units, res_ptr, res_t, res_u,
           priority_positions(net))
    return st, cap


def _calendar_arrays(net: Network) -> tuple:
    windows = net.calendars
    ptr = np.zeros(len(windows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([w.shape[0] for w in windows])
    parts: list[list[np.ndarray]] = [[], [], [], [], []]
    for w in windows:
        a, b = w[:, 0].copy(), w[:, 1].copy()
        before = np.concatenate([[0.0], np.cumsum(b - a)])
        work_at = a - before[:-1]
        for k, x in enumerate((a, np.concatenate([[-np.inf], b]), before, work_at,
                               np.concatenate([[-np.inf], work_at]))):
            parts[k].append(x)
    flat = tuple(np.concatenate(p) if p else np.empty(0) for p in parts)
    return (ptr, *flat)


def schedule(net: Network, durations: np.ndarray, gate_times: np.ndarray,
             out: Schedule | None = None) -> Schedule:
    """Schedule every iteration with limited resources (see the module docstring).

    Parameters
    ----------
    net : Network
    durations : ndarray, shape (activities, n)
    gate_times : ndarray, shape (gates, n)
    out : Schedule, optional
        Arrays to write into; ``out.ready`` and ``out.taken`` are filled when present.

    Returns
    -------
    Schedule
        With ``ready`` (cpm start) and ``taken`` (when resources were taken).
    """
    out = output_for(durations, out, extra=True)
    st, cap = static_arrays(net)
    d = np.ascontiguousarray(durations.T)
    g = np.ascontiguousarray(gate_times.T)
    n = durations.shape[1]
    res = np.empty((5, n, net.size))
    drv = np.empty((n, net.size), dtype=np.int64)
    _run_all(st, cap, d, g, res, drv)
    out.start[...] = res[0].T
    out.finish[...] = res[1].T
    out.ready[...] = res[2].T
    out.taken[...] = res[3].T
    out.driver[...] = drv.T
    return out


@njit(cache=True)
def _run_all(st, cap, d, g, res, drv):
    for r in range(d.shape[0]):
        one_iteration(st, cap, d[r], g[r], res[0, r], res[1, r], res[2, r], res[3, r],
                      res[4, r], drv[r])


@njit(cache=True)
def _cap_at(res_ptr, res_t, res_u, r, t):
    lo, hi = res_ptr[r], res_ptr[r + 1]
    return res_u[lo + np.searchsorted(res_t[lo:hi], t, side="right") - 1]


@njit(cache=True)
def one_iteration(st, cap, d, g, start, finish, ready, taken, floor, drv):
    """Schedule one iteration; arrays are indexed by activity."""
    (succ_ptr, succ_idx, node, weight, share, claim_ptr, claim_res, claim_units,
     res_ptr, res_t, res_u, prio) = cap
    pred_ptr, pred_idx = st[0], st[1]
    m = node.size
    nres = res_ptr.size - 1
    left = np.empty(m, dtype=np.int64)
    for i in range(m):
        left[i] = pred_ptr[i + 1] - pred_ptr[i]
    held = np.zeros(nres, dtype=np.int64)
    rel_t = np.full(nres, -np.inf)
    rel_by = np.full(nres, -1, dtype=np.int64)
    waiting = np.zeros(m, dtype=np.bool_)     # ready (or not yet), not started
    running = np.zeros(m, dtype=np.bool_)     # holds its units until its finish
    stack = np.empty(m, dtype=np.int64)
    top = 0
    for i in range(m):
        if left[i] == 0:
            stack[top] = i
            top += 1
    by_prio = np.argsort(prio)
    t = -np.inf
    while True:
        # decide every activity whose predecessors are decided
        while top > 0:
            top -= 1
            i = stack[top]
            if node[i] == SUMMARY:
                members = pred_idx[pred_ptr[i]:pred_ptr[i + 1]]
                start[i], finish[i], drv[i] = dr.summary_dates(members, start, finish)
            elif node[i] == SHARE:
                members = pred_idx[pred_ptr[i]:pred_ptr[i + 1]]
                finish[i], drv[i] = dr.share_dates(members, finish, weight, share[i])
                start[i] = finish[i]
            if node[i] != 0:
                ready[i] = taken[i] = start[i]
            else:
                s, f, dv = dr.logic_dates(i, st, d[i], g, start, finish)
                ready[i], drv[i] = s, dv
                if claim_ptr[i + 1] > claim_ptr[i]:
                    finish[i] = f   # kept in case it starts when ready
                    floor[i] = _floor(st, i, start, finish)
                    waiting[i] = True
                    continue
                start[i], finish[i], taken[i] = s, f, s
            for q in range(succ_ptr[i], succ_ptr[i + 1]):
                j = succ_idx[q]
                left[j] -= 1
                if left[j] == 0:
                    stack[top] = j
                    top += 1
        # finishes at t free their units before the round at t
        for i in range(m):
            if running[i] and finish[i] <= t:
                running[i] = False
                for q in range(claim_ptr[i], claim_ptr[i + 1]):
                    r = claim_res[q]
                    held[r] -= claim_units[q]
                    if rel_t[r] != t or i < rel_by[r]:
                        rel_t[r], rel_by[r] = t, i
        # one allocation round at t, in priority order
        changed = False
        for k in range(m):
            i = by_prio[k]
            if not waiting[i] or ready[i] > t:
                continue
            fits = True
            for q in range(claim_ptr[i], claim_ptr[i + 1]):
                r = claim_res[q]
                if _cap_at(res_ptr, res_t, res_u, r, t) - held[r] < claim_units[q]:
                    fits = False
                    break
            if not fits:
                continue
            waiting[i] = False
            running[i] = True
            changed = True
            taken[i] = t
            if t != ready[i]:
                start[i], finish[i] = dr.moved_dates(i, st, d[i], t, floor[i])
                drv[i] = -1
                for q in range(claim_ptr[i], claim_ptr[i + 1]):
                    r = claim_res[q]
                    if rel_t[r] == t and (drv[i] < 0 or rel_by[r] < drv[i]):
                        drv[i] = rel_by[r]
            else:
                start[i] = ready[i]
            for q in range(claim_ptr[i], claim_ptr[i + 1]):
                held[claim_res[q]] += claim_units[q]
            for q in range(succ_ptr[i], succ_ptr[i + 1]):
                j = succ_idx[q]
                left[j] -= 1
                if left[j] == 0:
                    stack[top] = j
                    top += 1
        if changed or top > 0:
            continue
        # advance to the next event time
        nxt = np.inf
        any_waiting = False
        for i in range(m):
            if waiting[i]:
                any_waiting = True
                if ready[i] > t:
                    nxt = min(nxt, ready[i])
            if running[i]:
                nxt = min(nxt, finish[i])
        if not any_waiting:
            break
        for q in range(res_t.size):
            if res_t[q] > t:
                nxt = min(nxt, res_t[q])
        if nxt == np.inf:
            # nothing can change any more: what still waits never starts
            for i in range(m):
                if waiting[i]:
                    waiting[i] = False
                    start[i] = finish[i] = taken[i] = np.inf
                    drv[i] = -1
                    for q in range(succ_ptr[i], succ_ptr[i + 1]):
                        j = succ_idx[q]
                        left[j] -= 1
                        if left[j] == 0:
                            stack[top] = j
                            top += 1
            continue
        t = nxt


@njit(cache=True)
def _floor(st, i, start, finish):
    """The finish floor of task ``i`` from its FF/SF links (−inf without)."""
    pred_ptr, pred_idx, pred_type, pred_lag, cal_of, finish_link, cal = (
        st[0], st[1], st[2], st[3], st[7], st[8], st[9])
    if not finish_link[i]:
        return -np.inf
    fb = -np.inf
    for pos in range(pred_ptr[i], pred_ptr[i + 1]):
        t = pred_type[pos]
        if t >= 2:
            ref = finish[pred_idx[pos]] if t == 2 else start[pred_idx[pos]]
            fb = max(fb, ref + pred_lag[pos])
    return dr.cal_finish_floor(cal, cal_of[i], fb) if cal_of[i] >= 0 else fb
