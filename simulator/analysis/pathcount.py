"""The compiled walk along driving paths: per activity, the iterations in which it lies on
the driving path to a group's finish.

It lives in a file of its own: numba's on-disk cache of a function is invalidated only when
its own file changes.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ..engines.cpm import NO_DRIVER


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
    latest = np.empty(n, np.int64)
    best = np.empty(n)
    for g in range(ptr.size - 1):
        if ptr[g + 1] == ptr[g]:
            continue
        first = members[ptr[g]]
        for c in range(n):
            latest[c], best[c] = first, finish[first, c]
        for k in range(ptr[g] + 1, ptr[g + 1]):  # member by member: rows read as they lie
            i = members[k]
            for c in range(n):
                if finish[i, c] > best[c]:
                    latest[c], best[c] = i, finish[i, c]
        for c in range(n):
            cur = latest[c]
            for _ in range(m):
                if owner.size == 0 or owner[cur] == g:
                    counts[cur] += 1
                cur = driver[cur, c]
                if cur == NO_DRIVER:
                    break
    return counts
