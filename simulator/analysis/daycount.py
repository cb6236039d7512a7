"""Finishes counted per reported day: exact for every date a report shows, and small.

A finish is reported on the day whose end it is (:func:`~simulator.scenario.network.times_to_dates`),
so everything a report draws of a finish distribution -- its S-curve, its histogram, its
percentile dates -- is a function of how many iterations finish on each day. Those counts
add up chunk by chunk, and their size is bounded by the days the finishes span, not by the
iterations: what keeps a long run's report in a bounded working set.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ..scenario.network import times_to_dates


def inverted_cdf_rank(n: int, q: float) -> int:
    """The 0-based rank ``np.quantile(x, q, method="inverted_cdf")`` takes of ``n`` values."""
    index = n * q - 1
    prev = np.floor(index)
    return int(min(max(prev if index == prev else prev + 1, 0), n - 1))


@dataclass(frozen=True, eq=False)
class FinishDays:
    """One element's finishes: iterations per day, and how many there were in all.

    Attributes
    ----------
    days : ndarray of int64
        Distinct finish days, ascending, as days after the start (day 0 is the start date).
    counts : ndarray of int64
        Iterations finishing on each of ``days``; none is 0.
    n : int
        Iterations in all. The ``n - counts.sum()`` not counted on a day finish after the
        horizon (or never).
    """

    days: np.ndarray
    counts: np.ndarray
    n: int

    @classmethod
    def of(cls, t: np.ndarray, start: dt.date, unit_days: float) -> FinishDays:
        """Count finish times ``t`` (in a unit of ``unit_days`` days from ``start``) per day."""
        t = np.asarray(t, dtype=float)
        dates = times_to_dates(t, start, unit_days, finish=True)
        dates = dates[~np.isnat(dates)]
        days, counts = np.unique((dates - np.datetime64(start, "D")).astype(np.int64),
                                 return_counts=True)
        return cls(days, counts.astype(np.int64), int(t.size))

    @classmethod
    def merged(cls, parts: list[FinishDays]) -> FinishDays:
        """The counts of several runs' (or chunks') iterations together."""
        none = np.zeros(0, np.int64)
        out, where = np.unique(np.concatenate([none, *(p.days for p in parts)]), return_inverse=True)
        counts = np.concatenate([none, *(p.counts for p in parts)])
        return cls(out, np.bincount(where, weights=counts, minlength=out.size).astype(np.int64),
                   sum(p.n for p in parts))

    @property
    def within(self) -> int:
        """Iterations that finish by the horizon."""
        return int(self.counts.sum())

    def dates(self, start: dt.date) -> np.ndarray:
        """``days`` as ``datetime64[D]``."""
        return np.datetime64(start, "D") + self.days

    def shares(self) -> np.ndarray:
        """The share of all ``n`` iterations finished by the end of each day (the S-curve)."""
        return np.cumsum(self.counts) / max(self.n, 1)

    def day_at_rank(self, k: int) -> int | None:
        """The day of the ``k``-th smallest finish (0-based) of all ``n``; None when it is
        after the horizon."""
        if not 0 <= k < self.within:
            return None
        return int(self.days[np.searchsorted(np.cumsum(self.counts), k, side="right")])

    def quantile(self, q: float, *, finite: bool = False) -> int | None:
        """The day of ``np.quantile(..., q, method="inverted_cdf")`` of the finish times, of all
        iterations (those after the horizon last), or with ``finite`` of those by the horizon
        only; None when it is after the horizon or there is nothing to take it of."""
        n = self.within if finite else self.n
        return self.day_at_rank(inverted_cdf_rank(n, q)) if n else None
