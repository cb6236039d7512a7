"""Working-time arithmetic on blackout windows, vectorised over iterations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Times this close to a window's opening count as on it. Differences this small come from
#: rounding in unit conversions (a week is 7 days, a month 30.4375), never from the plan, and
#: without the snap a phase whose work ends as a window opens could be reported a window later.
SNAP = 1e-7


@dataclass(frozen=True, eq=False)
class Calendar:
    """Maps calendar time to working time and back, for windows without progress.

    Working time ``W(t)`` is ``t`` less the blackout time before ``t``; it is flat
    inside a window. Times are pushed out of windows by mapping to working time
    and back, which is how a phase "makes no progress" there.

    The arrays are padded in front with a window at minus infinity, so that
    index ``k`` (the number of windows opened at or before ``t``) can be used
    directly: no masks or fancy indexing in the hot path.
    """

    open_at: np.ndarray     # window starts a_j
    close_pad: np.ndarray   # [-inf, b_0, ..., b_{k-1}]: end of the last window opened
    before: np.ndarray      # B_j: blackout time before window j, length k+1
    work_at: np.ndarray     # working time at each window start: a_j - B_j
    work_pad: np.ndarray    # [-inf, a_0 - B_0, ...]

    @classmethod
    def from_windows(cls, windows: np.ndarray) -> "Calendar":
        """Build from sorted, disjoint ``(k, 2)`` windows ``[from, until)``."""
        a, b = windows[:, 0].copy(), windows[:, 1].copy()
        before = np.concatenate([[0.0], np.cumsum(b - a)])
        work_at = a - before[:-1]
        return cls(a, np.concatenate([[-np.inf], b]), before, work_at,
                   np.concatenate([[-np.inf], work_at]))

    def work(self, t: np.ndarray) -> np.ndarray:
        """Working time elapsed at calendar time ``t``."""
        k = np.searchsorted(self.open_at, t, side="right")  # windows opened at or before t
        # inside window k-1 the clock stands at its opening; after it, t less all blackout so far
        return np.where(t < self.close_pad[k], self.work_pad[k], t - self.before[k])

    def to_start(self, w: np.ndarray) -> np.ndarray:
        """Earliest calendar time to *start* work at working time ``w`` (after any window there)."""
        return w + self.before[np.searchsorted(self.work_at, w + SNAP, side="right")]

    def to_finish(self, w: np.ndarray) -> np.ndarray:
        """Calendar time at which work *finishes* at working time ``w`` (before any window there)."""
        return w + self.before[np.searchsorted(self.work_at, w - SNAP, side="left")]

    def start_and_finish(self, t: np.ndarray, duration: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Start moved out of any window it falls in, and the finish of ``duration`` of work."""
        w = self.work(t)
        start = self.to_start(w)
        return start, np.maximum(start, self.to_finish(w + duration))

    def finish_floor(self, t: np.ndarray) -> np.ndarray:
        """The earliest time work can be finished at or after ``t``.

        Work never finishes strictly inside a window: a time there moves to
        the window's end. The opening instant itself is kept, since work done
        before a window finishes as it opens.
        """
        k = np.searchsorted(self.open_at, t - SNAP, side="left")  # windows opened strictly before t
        end = self.close_pad[k]
        return np.where(t < end, end, t)

    def start_for_finish(self, finish_by: np.ndarray, duration: np.ndarray) -> np.ndarray:
        """Earliest start whose finish is not before ``finish_by``."""
        return self.to_start(self.work(finish_by) - duration)
