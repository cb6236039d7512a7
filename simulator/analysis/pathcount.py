"""The compiled walk along driving paths: per activity, the iterations in which it lies on
the driving path to a group's finish.

It lives in a file of its own: numba's on-disk cache of a function is invalidated only when
its own file changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engines.cpm import NO_DRIVER

#: Iterations walked together (see :func:`path_counts`).
_BLOCK = 64


@njit(cache=True)
def path_counts(driver, finish, ptr, members, owner):  # pragma: no cover - compiled
    """Walk, in every iteration (column) and for each group ``g`` of activities
    (``members[ptr[g]:ptr[g + 1]]``), from the group's latest-finishing member (the first
    of them on a tie) back along ``driver`` until an activity started by a date.

    Returns, per activity, the visits counted: every visit where ``owner`` is empty, else
    only where ``owner[activity] == g`` (a path may leave its initiative and come back).
    A path takes at most as many steps as there are activities.
    """
    m, n = driver.shape
    counts = np.zeros(m, np.int64)
    latest = np.empty(_BLOCK, np.int64)
    best = np.empty(_BLOCK)
    # a block of iterations at a time, every group: the paths of a block read the same
    # few columns of the drivers, which then stay in the caches
    for c0 in range(0, n, _BLOCK):
        c1 = min(c0 + _BLOCK, n)
        for g in range(ptr.size - 1):
            if ptr[g + 1] == ptr[g]:
                continue
            first = members[ptr[g]]
            for c in range(c0, c1):
                latest[c - c0], best[c - c0] = first, finish[first, c]
            for k in range(ptr[g] + 1, ptr[g + 1]):  # member by member: rows read as they lie
                i = members[k]
                for c in range(c0, c1):
                    if finish[i, c] > best[c - c0]:
                        latest[c - c0], best[c - c0] = i, finish[i, c]
            for c in range(c0, c1):
                cur = latest[c - c0]
                for _ in range(m):
                    if owner.size == 0 or owner[cur] == g:
                        counts[cur] += 1
                    cur = driver[cur, c]
                    if cur == NO_DRIVER:
                        break
    return counts
