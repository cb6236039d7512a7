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
from .capacity_loop import _floor, one_iteration
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
    _run_all(st, cap, durations, gate_times, out.start, out.finish, out.ready, out.taken,
             out.driver)
    return out


@njit(cache=True)
def _run_all(st, cap, durations, gate_times, start, finish, ready, taken, driver):
    """Every iteration (column) in turn, through per-iteration scratch rows: a column of
    the (activities, n) arrays is gathered and scattered once, and the event loop works on
    contiguous rows."""
    m, nres, n = durations.shape[0], cap[8].size - 1, durations.shape[1]
    work = (np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m), np.empty(m),
            np.empty(m, np.int64), np.empty(m), np.empty(m, np.int64),
            np.empty((nres, m)), np.empty((nres, m), np.int64), np.empty(nres, np.int64),
            np.empty(m, np.int64), np.empty(nres, np.int64), np.empty(nres, np.int64),
            np.empty(nres, np.int64), np.empty(nres), np.empty(nres, np.int64))
    d, g = np.empty(m), np.empty(gate_times.shape[0])
    s, f, rd, tk = np.empty(m), np.empty(m), np.empty(m), np.empty(m)
    dv = np.empty(m, np.int64)
    # blocks of columns, so that gathering and scattering stay within the caches
    block = 64
    db, gb = np.empty((m, block)), np.empty((g.size, block))
    ob, vb = np.empty((4, m, block)), np.empty((m, block), np.int64)
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        db[:, :hi - lo] = durations[:, lo:hi]
        gb[:, :hi - lo] = gate_times[:, lo:hi]
        for c in range(hi - lo):
            for i in range(m):
                d[i] = db[i, c]
            for k in range(g.size):
                g[k] = gb[k, c]
            one_iteration(st, cap, d, g, s, f, rd, tk, dv, work)
            for i in range(m):
                ob[0, i, c], ob[1, i, c], ob[2, i, c], ob[3, i, c] = s[i], f[i], rd[i], tk[i]
                vb[i, c] = dv[i]
        start[:, lo:hi] = ob[0, :, :hi - lo]
        finish[:, lo:hi] = ob[1, :, :hi - lo]
        ready[:, lo:hi] = ob[2, :, :hi - lo]
        taken[:, lo:hi] = ob[3, :, :hi - lo]
        driver[:, lo:hi] = vb[:, :hi - lo]
