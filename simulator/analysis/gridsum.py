"""The compiled loops of the rollout and waiting tables: what is held at each point of a
grid (coverage, units of a resource), the point of the day grid a time falls on, and the
time a rollout's coverage reaches a level.

It lives in a file of its own: numba's on-disk cache of a function is invalidated only when
its own file changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def held_on_grid(a, b, w, g):  # pragma: no cover - compiled; tested via rollouts._held_on_grid
    """Sum of ``w[i]`` over rows ``i`` with ``a[i, r] <= k < b[i, r]``: shape (g, iterations),
    iteration-major in memory (the transpose of a C-ordered (iterations, g) array: a
    caller's sums along the grid add in the order they always have).

    Per iteration, each row's weight is added at its first point and taken off at its
    first point not held (``g`` or more: never taken off within the grid), in row order,
    then summed along the grid: the additions of a scatter and a running sum, in their
    order, so the same bits.
    """
    n = a.shape[1]
    out = np.empty((n, g))
    diff = np.empty(g + 1)
    for r in range(n):
        diff[:] = 0.0
        for i in range(a.shape[0]):
            diff[min(a[i, r], g)] += w[i]
            diff[min(b[i, r], g)] -= w[i]
        acc = 0.0
        for k in range(g):
            acc = diff[k] if k == 0 else acc + diff[k]
            out[r, k] = acc
    return out.T


@njit(cache=True)
def day_points(probe, x, unit_days):  # pragma: no cover - compiled; tested via rollouts.day_index
    """``np.searchsorted(probe, x)`` for a day grid ``probe`` (ends of days, in units of
    ``unit_days`` days, plus a rounding): guessed from the time, within a day of the
    answer, then corrected with two steps each way. NaN goes last."""
    g = probe.size
    flat = x.ravel()
    out = np.empty(flat.size, np.int64)
    for q in range(flat.size):
        v = flat[q]
        if np.isnan(v):
            out[q] = g
            continue
        guess = min(max(np.ceil(v * unit_days) - 1, 0.0), float(g))
        idx = np.int64(guess)
        for _ in range(2):
            if idx > 0 and probe[idx - 1] >= v:
                idx -= 1
            if idx < g and probe[min(idx, g - 1)] < v:
                idx += 1
        out[q] = idx
    return out.reshape(x.shape)


#: Up to this many units an iteration's finishes are put in order by insertion.
_INSERTION = 48


@njit(cache=True)
def level_times(fin, weights, need):  # pragma: no cover - compiled; tested via coverage_times_of
    """Per level ``j`` and iteration, the first finish in ``fin`` (units, iterations) at
    which the weights of the units live so far reach ``need[j]``; ``inf`` where they never
    do. Units are taken in finish order, ties in unit order (as a share node takes them),
    and their weights added one by one in that order."""
    m, n = fin.shape
    out = np.empty((need.size, n))
    f = np.empty(m)
    order = np.empty(m, np.int64)
    cum = np.empty(m)
    for r in range(n):
        if m > _INSERTION:
            for i in range(m):
                f[i] = fin[i, r]
            order[:] = np.argsort(f, kind="mergesort")  # stable
            for i in range(m):
                f[i] = fin[order[i], r]
        else:
            # a stable insertion sort, as the engine's share nodes sort (kernel._share); not
            # called from there: a compiled call into another file would keep a stale cache
            for i in range(m):
                x = fin[i, r]
                k = i
                while k > 0 and f[k - 1] > x:
                    f[k], order[k] = f[k - 1], order[k - 1]
                    k -= 1
                f[k], order[k] = x, i
        acc = 0.0
        for i in range(m):
            acc = weights[order[i]] if i == 0 else acc + weights[order[i]]
            cum[i] = acc
        for j in range(need.size):
            out[j, r] = np.inf
            for i in range(m):
                if cum[i] >= need[j]:
                    out[j, r] = f[i]
                    break
    return out
