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

from ..scenario.network import Network
from .kernel import run_all
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
          net.not_before.astype(float), gate_ptr, gate_idx, net.calendar_of, finish_link, cal,
          net.horizon + 1.0 / net.unit_days)  # the end of the horizon day, as cpm computes it
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
        With ``ready`` (cpm start) and ``taken`` (when resources were taken), unless
        ``out`` was made without them.
    """
    out = output_for(durations, out, extra=True)
    st, cap = static_arrays(net)
    # a Schedule made without them (a network without capacity) gets them as scratch only
    scratch = [np.empty_like(out.start) if a is None else a for a in (out.ready, out.taken)]
    run_all(st, cap, durations, gate_times, out.start, out.finish, *scratch, out.driver)
    return out
