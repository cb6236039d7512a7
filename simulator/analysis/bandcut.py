"""The compiled loops of the order-statistic bands (:mod:`.sketch`): cutting a chunk with
given edges, cutting the first chunk from its sorted rows, and merging two bands' lists.

All of them live in this one file, and nothing else: numba's on-disk cache of a function
is invalidated only when its own file changes.

The first chunk of a run sets its own bands (:meth:`.sketch.OrderSketch.first_cut`):
the edges are values at given positions of each sorted row. With the rows sorted
(by numpy, in place), the counts under and on each edge are two binary searches and
the values inside are a slice already in order, so the chunk is cut without a pass
over its values. A wide network's first chunk is most of a short run's reduction.

A later chunk is cut in two compiled passes with numpy's sort between them
(:func:`.sketch.cut`): :func:`band_counts` counts each row's values under and on each
edge and gathers the values inside some band, numpy sorts each row's gathered values
(its vectorised sort is about four times faster here than a compiled quicksort), and
:func:`emit_cut` takes each slot's values as a run of its row's sorted ones.

The output of :func:`sorted_cut` is that of :func:`.sketch.cut` with the same edges, entry for
entry, but for the sign of a zero: a row holding both 0.0 and -0.0 (equal values) may keep
either (the tally's rows hold no -0.0).
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

    Returns ``below, rows, vals, cnts, ptr`` as :func:`emit_cut` does: per slot
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


@njit(cache=True)
def merge_lists(r1, v1, c1, r2, v2, c2):  # pragma: no cover - compiled; tested via merge
    """Merge two (row, value, count) lists sorted by row then value; equal pairs once."""
    size = r1.size + r2.size
    rows, vals, cnts = np.empty(size, np.int64), np.empty(size), np.empty(size, np.int64)
    i = j = k = 0
    while i < r1.size or j < r2.size:
        if j == r2.size or (i < r1.size and (r1[i] < r2[j] or (r1[i] == r2[j] and v1[i] <= v2[j]))):
            r, v, c = r1[i], v1[i], c1[i]
            i += 1
        else:
            r, v, c = r2[j], v2[j], c2[j]
            j += 1
        if k and rows[k - 1] == r and vals[k - 1] == v:
            cnts[k - 1] += c
        else:
            rows[k], vals[k], cnts[k] = r, v, c
            k += 1
    return rows[:k].copy(), vals[:k].copy(), cnts[:k].copy()


@njit(cache=True)
def band_counts(x, src, a, b):  # pragma: no cover - compiled; tested through cut()
    """Per row and slot the counts under the band and on its edges, and per row the values
    strictly inside some band of the row, in row order (``inside[ptr[r]:ptr[r + 1]]``).

    Returns ``below, on_a, on_b, inside, ptr, same``; a row that repeats the one before it,
    values and edges (a coverage's months after its last change), is marked ``same`` and
    holds no values of its own. The caller sorts each row's values (numpy's sort is several
    times faster than a compiled one) and cuts with :func:`emit_cut`.

    Values equal to an edge are counted, not stored: discrete rows (coverage shares,
    dates pinned by a constraint) often have most of their values on an edge.
    """
    rows, m = src.size, x.shape[1]
    slots = a.shape[1]
    below = np.zeros((rows, slots), np.int64)
    on_a = np.zeros((rows, slots), np.int64)
    on_b = np.zeros((rows, slots), np.int64)
    same = np.zeros(rows, np.bool_)
    for r in range(rows):
        same[r] = r > 0 and src[r] == src[r - 1]
        for j in range(slots):
            same[r] = same[r] and a[r, j] == a[r - 1, j] and b[r, j] == b[r - 1, j]
    ptr = np.zeros(rows + 1, np.int64)
    inside = np.empty(max(m, 1024))
    mask = np.empty(m, np.uint8)
    k = 0
    for r in range(rows):
        ptr[r] = k
        if same[r]:
            below[r], on_a[r], on_b[r] = below[r - 1], on_a[r - 1], on_b[r - 1]
            continue
        row = x[src[r]]
        mask[:] = 0
        for j in range(slots):
            lo, hi = a[r, j], b[r, j]
            if lo > hi:  # an unused slot
                continue
            # counted without branches, a slot at a time: the loop vectorises, where a
            # test per value and slot costs a mispredicted branch on most values
            n_below = n_lo = n_hi = 0
            for i in range(m):
                v = row[i]
                n_below += np.int64(v < lo)
                n_lo += np.int64(v == lo)
                n_hi += np.int64(v == hi)  # kept only where hi > lo
                mask[i] |= np.uint8(v > lo) & np.uint8(v < hi)
            below[r, j], on_a[r, j], on_b[r, j] = n_below, n_lo, n_hi
        if inside.size < k + m:
            inside = _grow(inside, k + m)
        for i in range(m):  # the values inside some band, kept without a branch
            inside[k] = row[i]
            k += np.int64(mask[i])
    ptr[rows] = k
    return below, on_a, on_b, inside[:k], ptr, same


@njit(cache=True)
def emit_cut(a, b, below, on_a, on_b, inside, ptr, same):  # pragma: no cover - compiled
    """The cut of :func:`band_counts`' output once each row's ``inside`` values are sorted:
    per slot (slot-major, rows in order) the value on the lower edge with its count, the
    distinct values strictly inside with theirs (a slot's values are a run of its row's
    sorted values), and the value on the upper edge when it is above the lower one.

    Returns ``below, rows, vals, cnts, ptr`` as :func:`sorted_cut` does.
    """
    rows, slots = a.shape
    g0 = np.zeros((rows, slots), np.int64)
    g1 = np.zeros((rows, slots), np.int64)
    for r in range(rows):
        if same[r]:
            g0[r], g1[r] = g0[r - 1], g1[r - 1]
            continue
        vals = inside[ptr[r]:ptr[r + 1]]
        for j in range(slots):
            if a[r, j] < b[r, j]:
                g0[r, j] = ptr[r] + np.searchsorted(vals, a[r, j], side="right")
                g1[r, j] = ptr[r] + np.searchsorted(vals, b[r, j], side="left")
    size = 2 * rows * slots
    for r in range(rows):
        for j in range(slots):
            size += g1[r, j] - g0[r, j]
    out_rows = np.empty(size, np.int64)
    out_vals = np.empty(size)
    out_cnts = np.empty(size, np.int64)
    out_ptr = np.zeros(slots + 1, np.int64)
    k = 0
    for j in range(slots):
        for r in range(rows):
            if on_a[r, j]:
                out_rows[k], out_vals[k], out_cnts[k] = r, a[r, j], on_a[r, j]
                k += 1
            for q in range(g0[r, j], g1[r, j]):
                v = inside[q]
                if q > g0[r, j] and v == out_vals[k - 1]:
                    out_cnts[k - 1] += 1
                else:
                    out_rows[k], out_vals[k], out_cnts[k] = r, v, 1
                    k += 1
            if on_b[r, j] and b[r, j] > a[r, j]:
                out_rows[k], out_vals[k], out_cnts[k] = r, b[r, j], on_b[r, j]
                k += 1
        out_ptr[j + 1] = k
    return below, out_rows[:k].copy(), out_vals[:k].copy(), out_cnts[:k].copy(), out_ptr
