"""The first chunk's cut, from each row's sorted values: compiled.

The first chunk of a run sets its own bands (:meth:`.sketch.OrderSketch.first_cut`):
the edges are values at given positions of each sorted row. With the rows sorted
(by numpy, in place), the counts under and on each edge are two binary searches and
the values inside are a slice already in order, so the chunk is cut without a pass
over its values. A wide network's first chunk is most of a short run's reduction.

The output is that of :func:`.sketch._cut` with the same edges, entry for entry.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _grow(arr, size):  # pragma: no cover - compiled
    out = np.empty(max(2 * arr.size, size), arr.dtype)
    out[:arr.size] = arr
    return out


@njit(cache=True)
def sorted_cut(x, src, lo_pos, hi_pos, a, b):  # pragma: no cover - compiled; tested via first_cut
    """Set the edges ``a[r, j] = x[src[r], lo_pos[r, j]]`` (and ``b`` from ``hi_pos``) where
    the position is not negative, in place, and cut the rows with them; each row of ``x``
    is sorted.

    Returns ``below, rows, vals, cnts, ptr`` as :func:`.sketch._cut` does: per slot
    (slot-major, rows in order) the value on the lower edge with its count, the distinct
    values strictly inside with theirs, and the value on the upper edge when it is above
    the lower one.
    """
    rows, m = src.size, x.shape[1]
    slots = a.shape[1]
    below = np.zeros((rows, slots), np.int64)
    size = 2 * rows * slots + 1024
    o_slot, o_row = np.empty(size, np.int64), np.empty(size, np.int64)
    o_val, o_cnt = np.empty(size), np.empty(size, np.int64)
    k = 0
    for r in range(rows):
        buf = x[src[r]]
        for j in range(slots):
            if lo_pos[r, j] >= 0:
                a[r, j] = buf[lo_pos[r, j]]
            if hi_pos[r, j] >= 0:
                b[r, j] = buf[hi_pos[r, j]]
            lo, hi = a[r, j], b[r, j]
            if lo > hi:  # an unused slot
                continue
            i0 = np.searchsorted(buf, lo, side="left")
            i1 = np.searchsorted(buf, lo, side="right")
            h0 = h1 = i1
            if hi > lo:
                h0 = np.searchsorted(buf, hi, side="left")
                h1 = np.searchsorted(buf, hi, side="right")
            below[r, j] = i0
            need = k + 2 + (h0 - i1)
            if need > o_val.size:
                o_slot, o_row = _grow(o_slot, need), _grow(o_row, need)
                o_val, o_cnt = _grow(o_val, need), _grow(o_cnt, need)
            if i1 > i0:
                o_slot[k], o_row[k], o_val[k], o_cnt[k] = j, r, lo, i1 - i0
                k += 1
            for i in range(i1, h0):
                v = buf[i]
                if i > i1 and v == o_val[k - 1]:
                    o_cnt[k - 1] += 1
                else:
                    o_slot[k], o_row[k], o_val[k], o_cnt[k] = j, r, v, 1
                    k += 1
            if h1 > h0:
                o_slot[k], o_row[k], o_val[k], o_cnt[k] = j, r, hi, h1 - h0
                k += 1
    ptr = np.zeros(slots + 1, np.int64)  # slot-major, rows in order: a counting sort
    for q in range(k):
        ptr[o_slot[q] + 1] += 1
    for j in range(slots):
        ptr[j + 1] += ptr[j]
    fill = ptr[:slots].copy()
    rows_out, vals_out, cnts_out = np.empty(k, np.int64), np.empty(k), np.empty(k, np.int64)
    for q in range(k):
        at = fill[o_slot[q]]
        rows_out[at], vals_out[at], cnts_out[at] = o_row[q], o_val[q], o_cnt[q]
        fill[o_slot[q]] += 1
    return below, rows_out, vals_out, cnts_out, ptr
