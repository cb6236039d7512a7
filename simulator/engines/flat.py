"""The Network as flat arrays, the form the compiled date rule and event loop read."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..scenario.network import Network
from .priority import priority_positions


@lru_cache(maxsize=32)
def rule_arrays(net: Network) -> tuple:
    """The date rule's arrays: links, not-before dates, gates, calendars, horizon end."""
    gates_of: list[list[int]] = [[] for _ in range(net.size)]
    for g, gate in enumerate(net.gates):
        for i in gate.targets:
            gates_of[i].append(g)
    owner = np.repeat(np.arange(net.size), np.diff(net.pred_ptr))
    finish_link = np.zeros(net.size, dtype=bool)
    finish_link[owner[net.pred_type >= 2]] = True
    gate_ptr = np.zeros(net.size + 1, dtype=np.int64)
    gate_ptr[1:] = np.cumsum([len(g) for g in gates_of])
    gate_idx = np.array([g for gs in gates_of for g in gs], dtype=np.int64)
    return (net.pred_ptr, net.pred_idx, net.pred_type.astype(np.int64), net.pred_lag,
            net.not_before.astype(float), gate_ptr, gate_idx, net.calendar_of, finish_link,
            _calendar_arrays(net),
            net.horizon + 1.0 / net.unit_days)  # the end of the horizon day, as cpm computes it


@lru_cache(maxsize=32)
def node_arrays(net: Network) -> tuple:
    """What the rollout nodes read: node kinds, unit weights and shares."""
    return net.node.astype(np.int64), net.weight, net.share


@lru_cache(maxsize=32)
def static_arrays(net: Network) -> tuple:
    """``(st, cap)``: the date rule's arrays (:func:`rule_arrays`) and the event loop's
    (successors, node kinds, shares, claims, capacity steps, priority positions)."""
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
    cap = (succ_ptr, succ_idx, *node_arrays(net),
           net.claim_ptr, net.claim_res, net.claim_units, res_ptr, res_t, res_u,
           priority_positions(net))
    return rule_arrays(net), cap


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
