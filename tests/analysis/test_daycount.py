"""Finishes counted per day give what the iterations themselves give, for every date shown."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulator.analysis.daycount import FinishDays
from simulator.scenario.network import times_to_dates

START = dt.date(2022, 1, 1)


def _times(seed: int, n: int = 3_000, unit_days: float = 365.25 / 12) -> np.ndarray:
    """Finish times in months, some after the horizon (inf) and some on day boundaries."""
    rng = np.random.default_rng(seed)
    t = rng.gamma(4.0, 3.0, n)
    t[rng.random(n) < 0.1] = np.inf
    t[:20] = np.round(t[:20] * unit_days) / unit_days  # exactly at midnight
    t[20:25] = 0.0
    return t


def _dates(t, unit_days=365.25 / 12):
    dates = times_to_dates(t, START, unit_days, finish=True)
    return np.sort(dates[~np.isnat(dates)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_are_the_dates_the_iterations_are_reported_on(seed):
    t = _times(seed)
    d = FinishDays.of(t, START, 365.25 / 12)
    dates = _dates(t)
    assert d.n == t.size and d.within == dates.size == np.isfinite(t).sum()
    assert np.all(np.diff(d.days) > 0) and np.all(d.counts > 0)
    # one date per iteration again, in order: the same multiset of days
    np.testing.assert_array_equal(np.repeat(d.dates(START), d.counts), dates)
    # the S-curve: the share of all iterations finished by the end of each day
    for day, share in zip(d.dates(START)[::37], d.shares()[::37]):
        assert share == np.count_nonzero(dates <= day) / t.size


@pytest.mark.parametrize("seed", [1, 2])
def test_quantiles_are_numpys_inverted_cdf_of_the_times(seed):
    t = _times(seed)
    d = FinishDays.of(t, START, 365.25 / 12)
    finite = t[np.isfinite(t)]
    for q in (0.0, 1e-4, 0.1, 0.25, 0.5, 0.8, 0.85, 0.9, 0.95, 0.995, 1.0):
        want = times_to_dates(np.array([np.quantile(t, q, method="inverted_cdf")]), START,
                              365.25 / 12, finish=True)[0]
        got = d.quantile(q)
        assert (got is None) if np.isnat(want) else (np.datetime64(START, "D") + got == want), q
        want = times_to_dates(np.array([np.quantile(finite, q, method="inverted_cdf")]), START,
                              365.25 / 12, finish=True)[0]
        assert np.datetime64(START, "D") + d.quantile(q, finite=True) == want, q


def test_ranks_past_the_finishes_by_the_horizon_are_none():
    d = FinishDays(np.array([3, 5]), np.array([2, 1]), 5)
    assert [d.day_at_rank(k) for k in range(-1, 6)] == [None, 3, 3, 5, None, None, None]
    assert d.quantile(0.6) == 5 and d.quantile(0.61) is None and d.quantile(1.0, finite=True) == 5
    assert FinishDays.merged([]).quantile(0.5) is None


@pytest.mark.parametrize("cuts", [[0, 3_000], [0, 1, 2_999, 3_000], [0, 700, 1_400, 2_100, 3_000]])
def test_chunks_merge_to_the_whole(cuts):
    t = _times(5)
    whole = FinishDays.of(t, START, 7.0)
    parts = FinishDays.merged([FinishDays.of(t[a:b], START, 7.0) for a, b in zip(cuts, cuts[1:])])
    np.testing.assert_array_equal(parts.days, whole.days)
    np.testing.assert_array_equal(parts.counts, whole.counts)
    assert parts.n == whole.n and parts.counts.dtype == np.int64

