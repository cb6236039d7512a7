"""The date rule of one activity in one iteration, as scalar functions compiled with numba.

These are the scalar twins of :mod:`.calendar` and :func:`.cpm.activity_dates`: the same
floating-point operations in the same order, so a scalar engine gives the cpm dates to
the bit. The capacity engine calls them compiled; the SimPy engine calls the very same
Python functions (``.py_func``), so both apply one rule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .calendar import SNAP

NO_DRIVER = -1


@njit(cache=True, inline="always")
def count_right(values, lo, hi, x):
    """Number of ``values[lo:hi]`` (sorted) that are <= x (a binary search, no slice)."""
    a, b = lo, hi
    while a < b:
        mid = (a + b) >> 1
        if values[mid] <= x:
            a = mid + 1
        else:
            b = mid
    return a - lo


@njit(cache=True, inline="always")
def count_left(values, lo, hi, x):
    """Number of ``values[lo:hi]`` (sorted) that are < x."""
    a, b = lo, hi
    while a < b:
        mid = (a + b) >> 1
        if values[mid] < x:
            a = mid + 1
        else:
            b = mid
    return a - lo


@njit(cache=True, inline="always")
def cal_work(cal, c, t):
    """Working time at calendar time ``t`` on calendar ``c`` (see Calendar.work)."""
    ptr, open_at, close_pad, before, work_pad = cal[0], cal[1], cal[2], cal[3], cal[5]
    lo, hi = ptr[c], ptr[c + 1]
    k = count_right(open_at, lo, hi, t)
    p = lo + c  # padded arrays have one more entry per calendar
    if t < close_pad[p + k]:
        return work_pad[p + k]
    return t - before[p + k]


@njit(cache=True, inline="always")
def cal_to_start(cal, c, w):
    ptr, before, work_at = cal[0], cal[3], cal[4]
    lo, hi = ptr[c], ptr[c + 1]
    return w + before[lo + c + count_right(work_at, lo, hi, w + SNAP)]


@njit(cache=True, inline="always")
def cal_to_finish(cal, c, w):
    ptr, before, work_at = cal[0], cal[3], cal[4]
    lo, hi = ptr[c], ptr[c + 1]
    return w + before[lo + c + count_left(work_at, lo, hi, w - SNAP)]


@njit(cache=True, inline="always")
def cal_start_and_finish(cal, c, t, d):
    w = cal_work(cal, c, t)
    start = cal_to_start(cal, c, w)
    return start, max(start, cal_to_finish(cal, c, w + d))


@njit(cache=True, inline="always")
def cal_finish_floor(cal, c, t):
    ptr, open_at, close_pad = cal[0], cal[1], cal[2]
    lo, hi = ptr[c], ptr[c + 1]
    end = close_pad[lo + c + count_left(open_at, lo, hi, t - SNAP)]
    return end if t < end else t


@njit(cache=True, inline="always")
def logic_dates(i, st, d, gate_t, start, finish):
    """Start (before any calendar), start, finish and driver of task ``i`` from its
    predecessors' dates in ``start``/``finish``; ``st`` holds the static arrays."""
    (pred_ptr, pred_idx, pred_type, pred_lag, not_before, gate_ptr, gate_idx,
     cal_of, finish_link, cal) = st
    c_i = cal_of[i]
    s = not_before[i]
    drv = NO_DRIVER
    finish_by = -np.inf
    for q in range(gate_ptr[i], gate_ptr[i + 1]):
        s = max(s, gate_t[gate_idx[q]])
    for pos in range(pred_ptr[i], pred_ptr[i + 1]):
        p, t, lag = pred_idx[pos], pred_type[pos], pred_lag[pos]
        ref = finish[p] if t == 0 or t == 2 else start[p]
        if t >= 2:
            c = ref + lag
            finish_by = max(finish_by, c)
            if c_i >= 0:
                c = cal_to_start(cal, c_i, cal_work(cal, c_i, c) - d)
            else:
                c = c - d
        elif lag != 0.0:
            c = ref + lag
        else:
            c = ref
        if c >= s:
            drv = p
        s = max(s, c)
    if c_i >= 0:
        s0, f = cal_start_and_finish(cal, c_i, s, d)
    else:
        s0, f = s, s + d
    if finish_link[i]:
        floor = cal_finish_floor(cal, c_i, finish_by) if c_i >= 0 else finish_by
        f = max(f, floor)
    return s0, f, drv


@njit(cache=True, inline="always")
def moved_dates(i, st, d, t, finish_by_floor):
    """Start and finish of task ``i`` when capacity lets it begin only at ``t``."""
    cal_of, cal = st[7], st[9]
    c_i = cal_of[i]
    if c_i >= 0:
        s, f = cal_start_and_finish(cal, c_i, t, d)
    else:
        s, f = t, t + d
    return s, max(f, finish_by_floor)


@njit(cache=True, inline="always")
def summary_dates(members, start, finish):
    """First start, last finish, and the last-finishing member (the first on ties)."""
    s = np.inf
    best = 0
    for k in range(members.size):
        s = min(s, start[members[k]])
        if finish[members[k]] > finish[members[best]]:
            best = k
    return s, finish[members[best]], members[best]


@njit(cache=True, inline="always")
def share_dates(members, finish, weight, need):
    """Time the live weight reaches ``need``: units in finish order, ties in member order."""
    f = np.empty(members.size)
    for k in range(members.size):
        f[k] = finish[members[k]]
    order = np.argsort(f, kind="mergesort")
    acc = 0.0
    for k in range(order.size):
        acc += weight[members[order[k]]]
        if acc >= need:
            return f[order[k]], members[order[k]]
    return f[order[0]], members[order[0]]
