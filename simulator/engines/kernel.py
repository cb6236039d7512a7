"""The compiled scalar kernel of the capacity engine: the date rule and the event loop.

All numba code of the capacity engine lives in this one file on purpose: numba's on-disk
cache of a function is invalidated only when *its own* file changes, so a compiled caller
in another file would keep running an edited callee's old code.

The date rule functions are the scalar twins of :mod:`.calendar` and
:func:`.cpm.activity_dates`: the same floating-point operations in the same order, so a
scalar engine gives the cpm dates to the bit. The SimPy engine calls the very same
Python functions (``.py_func``), so both apply one rule.

The event loop keeps waiting work in order, so an event costs a step or two instead of a
scan of every activity: tasks not yet ready in a heap by ready time, running tasks in a
sorted run by finish, ready tasks by priority position in one heap per resource for tasks
that claim a single resource, and one list (in priority order) for tasks claiming several.
A task starts at most once an iteration, so the running run's first (least) finish is taken
by moving its start on, and a new finish, mostly the latest yet, is inserted from the end:
no sift-down. Where a new key can fall anywhere (ready times, priorities), heaps stay:
sorted runs there made the synthetic national plan's queues of hundreds of units up to
twice as slow. An allocation round repeatedly starts the first task in priority order
that fits; as free units only shrink within a round, that is the same as taking every
ready task in priority order and starting each that fits.
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
def logic_dates(i, st, d, gate_t, start, finish, r):
    """Start, finish and driver of task ``i`` in iteration (column) ``r``, from its
    predecessors' dates in ``start``/``finish`` (activities, iterations) and the gates'
    in ``gate_t`` (gates, iterations); ``st`` holds the static arrays."""
    (pred_ptr, pred_idx, pred_type, pred_lag, not_before, gate_ptr, gate_idx,
     cal_of, finish_link, cal, end) = st
    c_i = cal_of[i]
    s = not_before[i]
    drv = NO_DRIVER
    finish_by = -np.inf
    for q in range(gate_ptr[i], gate_ptr[i + 1]):
        s = max(s, gate_t[gate_idx[q], r])
    for pos in range(pred_ptr[i], pred_ptr[i + 1]):
        p, t, lag = pred_idx[pos], pred_type[pos], pred_lag[pos]
        ref = finish[p, r] if t == 0 or t == 2 else start[p, r]
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
    return _within(s0, end), _within(f, end), drv


@njit(cache=True, inline="always")
def _within(t, end):
    """``t``, or ``inf`` past the end of the horizon day (nothing is simulated beyond it)."""
    return np.inf if t > end else t


@njit(cache=True, inline="always")
def moved_dates(i, st, d, t, finish_by_floor):
    """Start and finish of task ``i`` when capacity lets it begin only at ``t``."""
    cal_of, cal, end = st[7], st[9], st[10]
    c_i = cal_of[i]
    if c_i >= 0:
        s, f = cal_start_and_finish(cal, c_i, t, d)
    else:
        s, f = t, t + d
    return _within(s, end), _within(max(f, finish_by_floor), end)


@njit(cache=True, inline="always")
def summary_dates(members, start, finish, r):
    """First start, last finish, and the last-finishing member (the first on ties), in
    iteration (column) ``r``."""
    s = np.inf
    best = 0
    for k in range(members.size):
        s = min(s, start[members[k], r])
        if finish[members[k], r] > finish[members[best], r]:
            best = k
    return s, finish[members[best], r], members[best]


@njit(cache=True, inline="always")
def _share(members, finish, r, weight, need, f, order):
    """:func:`share_dates` in iteration (column) ``r`` of ``finish``, into scratch arrays
    ``f`` (float) and ``order`` (int), each at least as long as ``members``: a stable
    insertion sort, as the kernels allocate nothing."""
    n = members.size
    for k in range(n):
        x = finish[members[k], r]
        j = k
        while j > 0 and f[j - 1] > x:
            f[j], order[j] = f[j - 1], order[j - 1]
            j -= 1
        f[j], order[j] = x, k
    acc = 0.0
    for k in range(n):
        acc += weight[members[order[k]]]
        if acc >= need:
            return f[k], members[order[k]]
    return f[0], members[order[0]]


@njit(cache=True)
def share_dates(members, finish, weight, need):
    """Time the live weight reaches ``need``: units in finish order, ties in member order
    (``finish`` holds one iteration's finishes)."""
    return _share(members, finish.reshape((finish.size, 1)), 0, weight, need,
                  np.empty(members.size), np.empty(members.size, np.int64))


# --- the cpm pass ----------------------------------------------------------------

SUMMARY, SHARE = 1, 2


@njit(cache=True, _nrt=False)
def forward(st, nodes, order, durations, gate_times, start, finish, driver, sf, so):
    """The cpm dates of activities ``order`` (topologically sorted) in every iteration.

    The date rule is the one the event loop applies to a task without claims, so the
    dates equal the vectorised rule's (:func:`.cpm.activity_dates`) to the bit. Rows
    outside ``order`` are read as they are. ``sf`` and ``so`` are scratch (float, int) as
    long as the largest rollout. Row by row, as the arrays lie: nothing is copied.
    """
    node, weight, share = nodes
    pred_ptr, pred_idx = st[0], st[1]
    n = durations.shape[1]
    for i in order:
        if node[i] == 0:
            for r in range(n):
                start[i, r], finish[i, r], driver[i, r] = logic_dates(
                    i, st, durations[i, r], gate_times, start, finish, r)
            continue
        members = pred_idx[pred_ptr[i]:pred_ptr[i + 1]]
        for r in range(n):
            if node[i] == SUMMARY:
                start[i, r], finish[i, r], driver[i, r] = summary_dates(members, start, finish, r)
            else:
                finish[i, r], driver[i, r] = _share(members, finish, r, weight, share[i], sf, so)
                start[i, r] = finish[i, r]


# --- the event loop ------------------------------------------------------------


@njit(cache=True, inline="always")
def _insert(key, val, row, lo, hi, k, v):
    """Insert (k, v) into the sorted run ``[lo, hi)`` of row ``row`` of the 2-D ``key``/``val``
    (keys ascending, so the least is at ``lo`` and is taken by moving ``lo`` on); return
    the new ``hi``. Ties between equal keys may come out in any order: no caller depends on
    it. New keys mostly come last (finishes), so an insert seldom moves any."""
    j = hi
    while j > lo and key[row, j - 1] > k:
        key[row, j], val[row, j] = key[row, j - 1], val[row, j - 1]
        j -= 1
    key[row, j], val[row, j] = k, v
    return hi + 1


@njit(cache=True, inline="always")
def _push(key, val, row, size, k, v):
    """Push (k, v) on the min-heap in row ``row`` of the 2-D ``key``/``val``; return the new
    size. Ties between equal keys may come out in any order: no caller depends on it."""
    j = size
    key[row, j], val[row, j] = k, v
    while j > 0:
        p = (j - 1) >> 1
        if key[row, p] <= key[row, j]:
            break
        key[row, p], key[row, j] = key[row, j], key[row, p]
        val[row, p], val[row, j] = val[row, j], val[row, p]
        j = p
    return size + 1


@njit(cache=True, inline="always")
def _sift_down(key, val, row, size, j):
    while True:
        a, b, best = 2 * j + 1, 2 * j + 2, j
        if a < size and key[row, a] < key[row, best]:
            best = a
        if b < size and key[row, b] < key[row, best]:
            best = b
        if best == j:
            return
        key[row, best], key[row, j] = key[row, j], key[row, best]
        val[row, best], val[row, j] = val[row, j], val[row, best]
        j = best


@njit(cache=True, inline="always")
def _pop(key, val, row, size):
    """Remove the top of a row's min-heap; return the new size."""
    size -= 1
    key[row, 0], val[row, 0] = key[row, size], val[row, size]
    _sift_down(key, val, row, size, 0)
    return size


@njit(cache=True)
def _remove_at(key, val, row, size, j):
    """Remove entry ``j`` of a row's min-heap by rebuilding it (only on the rare path)."""
    size -= 1
    key[row, j], val[row, j] = key[row, size], val[row, size]
    for k in range(size - 1, -1, -1):
        _sift_down(key, val, row, size, k)
    return size


@njit(cache=True, inline="always")
def _decided(i, succ_ptr, succ_idx, left, stack, top):
    """``i``'s dates are known: its successors with no other undecided predecessor go on
    the stack; return the stack's new top."""
    for q in range(succ_ptr[i], succ_ptr[i + 1]):
        j = succ_idx[q]
        left[j] -= 1
        if left[j] == 0:
            stack[top] = j
            top += 1
    return top


@njit(cache=True, _nrt=False)
def one_iteration(st, cap, d, g, start, finish, ready, taken, drv, work):
    """Schedule one iteration into the per-activity arrays; ``work`` is scratch space."""
    (succ_ptr, succ_idx, node, weight, share, claim_ptr, claim_res, claim_units,
     res_ptr, res_t, res_u, prio) = cap
    pred_ptr, pred_idx = st[0], st[1]
    (left, stack, floor, wk, wv, rk, rv, qk, qv, qsize, multi, held, cap_now, step,
     rel_t, rel_by, sf, so) = work
    m, nres = node.size, res_ptr.size - 1
    # the date rule reads (activities, iterations) arrays: this iteration's as one column
    s2, f2, g2 = start.reshape((m, 1)), finish.reshape((m, 1)), g.reshape((g.size, 1))
    for i in range(m):
        left[i] = pred_ptr[i + 1] - pred_ptr[i]
    top = 0
    for i in range(m):
        if left[i] == 0:
            stack[top] = i
            top += 1
    for r in range(nres):
        held[r], rel_t[r], rel_by[r], qsize[r] = 0, -np.inf, -1, 0
        step[r] = res_ptr[r]
        cap_now[r] = res_u[res_ptr[r]]
    # the not-ready heap's size; the running tasks' sorted run [lo, hi): a task starts at
    # most once an iteration, so a row of m never overflows
    nw = r_lo = r_hi = 0
    nmulti = nqueued = 0  # the multi list, all queued
    t = -np.inf
    while True:
        # decide every activity whose predecessors are decided
        while top > 0:
            top -= 1
            i = stack[top]
            if node[i] != 0:
                members = pred_idx[pred_ptr[i]:pred_ptr[i + 1]]
                if node[i] == SUMMARY:
                    start[i], finish[i], drv[i] = summary_dates(members, s2, f2, 0)
                else:
                    finish[i], drv[i] = _share(members, f2, 0, weight, share[i], sf, so)
                    start[i] = finish[i]
                ready[i] = taken[i] = start[i]
            else:
                s, f, dv = logic_dates(i, st, d[i], g2, s2, f2, 0)
                ready[i], drv[i] = s, dv
                if claim_ptr[i + 1] > claim_ptr[i]:
                    finish[i] = f  # kept in case it starts when ready
                    floor[i] = _floor(st, i, start, finish)
                    nw = _push(wk, wv, 0, nw, s, i)
                    continue
                start[i], finish[i], taken[i] = s, f, s
            top = _decided(i, succ_ptr, succ_idx, left, stack, top)
        # finishes at t free their units before the round at t
        while r_hi > r_lo and rk[0, r_lo] <= t:
            i = rv[0, r_lo]
            r_lo += 1
            for q in range(claim_ptr[i], claim_ptr[i + 1]):
                r = claim_res[q]
                held[r] -= claim_units[q]
                if rel_t[r] != t or i < rel_by[r]:
                    rel_t[r], rel_by[r] = t, i
        # tasks ready by t join the queues
        while nw > 0 and wk[0, 0] <= t:
            i = wv[0, 0]
            nw = _pop(wk, wv, 0, nw)
            if claim_ptr[i + 1] - claim_ptr[i] == 1:
                r = claim_res[claim_ptr[i]]
                qsize[r] = _push(qk, qv, r, qsize[r], prio[i], i)
                nqueued += 1
            else:
                k = nmulti
                while k > 0 and prio[multi[k - 1]] > prio[i]:
                    multi[k] = multi[k - 1]
                    k -= 1
                multi[k] = i
                nmulti += 1
                nqueued += 1
        # one allocation round at t: the first task in priority order that fits, repeatedly
        granted = False
        while True:
            best, best_r, best_j = -1, -1, -1
            for r in range(nres):
                free = cap_now[r] - held[r]
                if qsize[r] == 0 or free <= 0:
                    continue
                j = 0 if claim_units[claim_ptr[qv[r, 0]]] <= free else _first_fit(
                    qk, qv, r, qsize[r], claim_ptr, claim_units, free)
                if j >= 0 and (best < 0 or prio[qv[r, j]] < prio[best]):
                    best, best_r, best_j = qv[r, j], r, j
            for k in range(nmulti):
                i = multi[k]
                if best >= 0 and prio[i] > prio[best]:
                    break
                if _fits(i, claim_ptr, claim_res, claim_units, cap_now, held):
                    best, best_r, best_j = i, -1, k
                    break
            if best < 0:
                break
            nqueued -= 1
            if best_r >= 0:
                if best_j == 0:
                    qsize[best_r] = _pop(qk, qv, best_r, qsize[best_r])
                else:
                    qsize[best_r] = _remove_at(qk, qv, best_r, qsize[best_r], best_j)
            else:
                for k in range(best_j, nmulti - 1):
                    multi[k] = multi[k + 1]
                nmulti -= 1
            i = best
            granted = True
            taken[i] = t
            if t != ready[i]:
                start[i], finish[i] = moved_dates(i, st, d[i], t, floor[i])
                drv[i] = -1
                for q in range(claim_ptr[i], claim_ptr[i + 1]):
                    r = claim_res[q]
                    if rel_t[r] == t and (drv[i] < 0 or rel_by[r] < drv[i]):
                        drv[i] = rel_by[r]
            else:
                start[i] = ready[i]
            for q in range(claim_ptr[i], claim_ptr[i + 1]):
                held[claim_res[q]] += claim_units[q]
            r_hi = _insert(rk, rv, 0, r_lo, r_hi, finish[i], i)
            top = _decided(i, succ_ptr, succ_idx, left, stack, top)
        if granted or top > 0 or (r_hi > r_lo and rk[0, r_lo] <= t):
            continue
        # advance to the next event time: a ready time, a finish or a capacity step
        if nw == 0 and nqueued == 0:
            break
        nxt = np.inf
        if nw > 0:
            nxt = wk[0, 0]
        if r_hi > r_lo:
            nxt = min(nxt, rk[0, r_lo])
        for r in range(nres):
            if step[r] + 1 < res_ptr[r + 1]:
                nxt = min(nxt, res_t[step[r] + 1])
        if nxt == np.inf:
            # nothing can change any more: what still waits never starts
            n_stuck = _never(nw, wv, nmulti, multi, qsize, qv, nres, stack, top)
            for k in range(top, n_stuck):
                i = stack[k]
                start[i] = finish[i] = taken[i] = np.inf
                if ready[i] != np.inf:  # ready, but its units never came; else logic's driver
                    drv[i] = -1
            nw = nmulti = nqueued = 0
            for r in range(nres):
                qsize[r] = 0
            # their successors are decided next, from the stuck ones' (infinite) dates
            n_stuck -= top
            for k in range(n_stuck):  # a copy: deciding them pushes onto the same stack
                so[k] = stack[top + k]
            for k in range(n_stuck):
                top = _decided(so[k], succ_ptr, succ_idx, left, stack, top)
            continue
        t = nxt
        for r in range(nres):
            while step[r] + 1 < res_ptr[r + 1] and res_t[step[r] + 1] <= t:
                step[r] += 1
                cap_now[r] = res_u[step[r]]


@njit(cache=True, inline="always")
def _never(nw, wv, nmulti, multi, qsize, qv, nres, out, at):
    """Copy every waiting task into ``out[at:]``; return the end position."""
    for k in range(nw):
        out[at] = wv[0, k]
        at += 1
    for k in range(nmulti):
        out[at] = multi[k]
        at += 1
    for r in range(nres):
        for k in range(qsize[r]):
            out[at] = qv[r, k]
            at += 1
    return at


@njit(cache=True, inline="always")
def _first_fit(key, val, row, size, claim_ptr, claim_units, free):
    """Position of the best-priority task in a resource's heap whose claim fits, or -1."""
    best = -1
    for j in range(size):
        if claim_units[claim_ptr[val[row, j]]] <= free and (best < 0 or key[row, j] < key[row, best]):
            best = j
    return best


@njit(cache=True, inline="always")
def _fits(i, claim_ptr, claim_res, claim_units, cap_now, held):
    for q in range(claim_ptr[i], claim_ptr[i + 1]):
        r = claim_res[q]
        if cap_now[r] - held[r] < claim_units[q]:
            return False
    return True


@njit(cache=True, inline="always")
def _floor(st, i, start, finish):
    """The finish floor of task ``i`` from its FF/SF links (-inf without)."""
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
    return cal_finish_floor(cal, cal_of[i], fb) if cal_of[i] >= 0 else fb


@njit(cache=True)
def run_all(st, cap, durations, gate_times, start, finish, ready, taken, driver):
    """Every iteration (column) in turn, through per-iteration scratch rows: a column of
    the (activities, n) arrays is gathered and scattered once, and the event loop works on
    contiguous rows."""
    m, nres, n = durations.shape[0], cap[8].size - 1, durations.shape[1]
    work = (np.empty(m, np.int64), np.empty(m, np.int64), np.empty(m), np.empty((1, m)),
            np.empty((1, m), np.int64), np.empty((1, m)), np.empty((1, m), np.int64),
            np.empty((nres, m)), np.empty((nres, m), np.int64), np.empty(nres, np.int64),
            np.empty(m, np.int64), np.empty(nres, np.int64), np.empty(nres, np.int64),
            np.empty(nres, np.int64), np.empty(nres), np.empty(nres, np.int64),
            np.empty(m), np.empty(m, np.int64))
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
