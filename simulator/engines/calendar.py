"""Working-time arithmetic on blackout windows, vectorised over iterations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Calendar:
    """Maps calendar time to working time and back, for windows without progress.

    Working time ``W(t)`` is ``t`` less the blackout time before ``t``; it is flat
    inside a window. Times are pushed out of windows by mapping to working time
    and back, which is how a phase "makes no progress" there.
    """

    open_at: np.ndarray     # window starts a_j
    close_at: np.ndarray    # window ends b_j (exclusive)
    before: np.ndarray      # blackout time before window j: B_j, length k+1
    work_at: np.ndarray     # working time at each window start: a_j - B_j

    @classmethod
    def from_windows(cls, windows: np.ndarray) -> "Calendar":
        """Build from sorted, disjoint ``(k, 2)`` windows ``[from, until)``."""
        a, b = windows[:, 0].copy(), windows[:, 1].copy()
        before = np.concatenate([[0.0], np.cumsum(b - a)])
        return cls(a, b, before, a - before[:-1])

    def work(self, t: np.ndarray) -> np.ndarray:
        """Working time elapsed at calendar time ``t``."""
        k = np.searchsorted(self.open_at, t, side="right")  # windows opened at or before t
        out = t - self.before[k]
        inside = np.zeros(np.shape(t), dtype=bool)
        has = k > 0
        last = np.maximum(k - 1, 0)
        inside[has] = np.asarray(t)[has] < self.close_at[last[has]]
        # inside window j the clock stands at its opening
        np.copyto(out, self.work_at[last], where=inside)
        return out

    def to_start(self, w: np.ndarray) -> np.ndarray:
        """Earliest calendar time to *start* work at working time ``w`` (after any window there)."""
        k = np.searchsorted(self.work_at, w, side="right")
        return w + self.before[k]

    def to_finish(self, w: np.ndarray) -> np.ndarray:
        """Calendar time at which work *finishes* at working time ``w`` (before any window there)."""
        k = np.searchsorted(self.work_at, w, side="left")
        return w + self.before[k]

    def finish(self, start: np.ndarray, duration: np.ndarray) -> np.ndarray:
        """Finish of work of ``duration`` begun at ``start`` (already outside windows)."""
        return np.maximum(start, self.to_finish(self.work(start) + duration))

    def push(self, t: np.ndarray) -> np.ndarray:
        """Move start times that fall inside a window to its end."""
        return self.to_start(self.work(t))

    def start_for_finish(self, finish_by: np.ndarray, duration: np.ndarray) -> np.ndarray:
        """Earliest start whose finish is not before ``finish_by``."""
        return self.to_start(self.work(finish_by) - duration)
