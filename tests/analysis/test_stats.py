"""The error bars are honest: interval coverage, exact ranks, and ordering invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from simulator.analysis import blocks, stats

REPS = 4000


def test_binomial_ranks_match_scipy():
    for n in (2, 7, 100, 1000, 100_000):
        for p in (0.01, 0.1, 0.5, 0.8, 0.9, 0.99):
            for q in (0.025, 0.975):
                assert stats._binom_ppf(q, n, p) == int(sps.binom.ppf(q, n, p))


def test_wilson_matches_scipy():
    for k, n in ((0, 10), (3, 10), (10, 10), (500, 1000), (7, 100_000)):
        ci = sps.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        est, lo, hi = stats.proportion(np.array([k]), n)[0]
        assert est == k / n
        assert lo == pytest.approx(ci.low, abs=1e-12) and hi == pytest.approx(ci.high, abs=1e-12)


def test_percentile_estimate_is_the_inverse_empirical_cdf(seed):
    x = np.random.default_rng(seed).random((3, 1001))
    got = stats.percentiles(x, (10, 50, 80, 90))[..., 0]
    want = np.quantile(x, [0.1, 0.5, 0.8, 0.9], axis=1, method="inverted_cdf").T
    np.testing.assert_array_equal(got, want)


def test_percentile_intervals_cover_the_true_quantile(seed):
    """Over many replications the 95 % interval holds the true quantile at least 95 % of the time."""
    n, ps = 400, (10, 50, 80, 90)
    x = np.random.default_rng(seed).random((REPS, n))  # U(0, 1): the p-quantile is p
    ci = stats.percentiles(x, ps)
    truth = np.array(ps) / 100
    covered = ((ci[..., 1] <= truth) & (truth <= ci[..., 2])).mean(axis=0)
    se = np.sqrt(0.95 * 0.05 / REPS)
    assert np.all(covered >= 0.95 - 5 * se), covered
    # not wildly conservative either: order-statistic intervals are near exact
    assert np.all(covered <= 0.99), covered


def test_wilson_interval_covers_the_true_probability(seed):
    n, p = 300, 0.07
    hits = np.random.default_rng(seed).binomial(n, p, size=REPS)
    ci = stats.proportion(hits, n)
    covered = ((ci[:, 1] <= p) & (p <= ci[:, 2])).mean()
    assert covered >= 0.95 - 5 * np.sqrt(0.95 * 0.05 / REPS)


def test_mean_std_is_nan_where_anything_is_after_the_horizon():
    x = np.array([[1.0, 2.0, 3.0], [1.0, np.inf, 3.0]])
    mean, std = stats.mean_std(x)
    assert mean[0] == 2.0 and std[0] == 1.0
    assert np.isnan(mean[1]) and np.isnan(std[1])


@settings(max_examples=200, deadline=None)
@given(data=st.lists(st.one_of(st.floats(0, 1e4), st.just(np.inf)), min_size=2, max_size=300),
       ps=st.lists(st.floats(0.5, 99.5), min_size=1, max_size=5, unique=True))
def test_percentiles_are_ordered_and_bracketed(data, ps):
    ps = tuple(sorted(ps))
    out = stats.percentiles(np.array([data]), ps)[0]
    est, lo, hi = out[:, 0], out[:, 1], out[:, 2]
    assert np.all(lo <= est) and np.all(est <= hi)
    assert np.all(est[1:] >= est[:-1])
    assert set(est) <= set(data)


# --- ranks -----------------------------------------------------------------------------

def test_average_ranks_by_hand():
    x = np.array([[3.0, 1.0, 3.0, np.inf, 1.0, -np.inf],
                  [np.inf, 2.0, np.inf, 0.5, 7.0, 2.0],
                  [5.0, 4.0, 3.0, 2.0, 1.0, 0.0],
                  [9.0, 1.0, 2.0, 3.0, 4.0, 9.0],    # the only tie is the largest pair
                  [0.0, 1.0, 2.0, 3.0, 4.0, 0.0]])   # and the smallest
    assert stats.average_ranks(x).tolist() == [[4.5, 2.5, 4.5, 6, 2.5, 1],
                                               [5.5, 2.5, 5.5, 1, 4, 2.5],
                                               [6, 5, 4, 3, 2, 1],
                                               [5.5, 1, 2, 3, 4, 5.5],
                                               [1.5, 3, 4, 5, 6, 1.5]]


@pytest.mark.parametrize("threads", [1, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shape", [(1, 1), (3, 2), (40, 300), (7, 5000), (0, 10)])
def test_average_ranks_equal_scipy_rankdata(seed, shape, threads, monkeypatch):
    """Also ranked in blocks of rows on three threads, however few the rows."""
    monkeypatch.setattr(blocks, "MIN_ROWS", 1)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    k, n = shape
    if k and n > 1:
        # rows with many ties, infinities both ways, a constant row and a row with NaN
        x[::2] = rng.integers(0, 5, size=x[::2].shape)
        x[rng.random(shape) < 0.05] = np.inf
        x[rng.random(shape) < 0.05] = -np.inf
        x[k // 2] = 2.5
        if k > 2:
            x[1, rng.integers(n)] = np.nan
    got = stats.average_ranks(x, threads)
    want = sps.rankdata(x, axis=1) if k else np.empty(shape)
    np.testing.assert_array_equal(got, want)  # exactly: ranks are integers and halves
