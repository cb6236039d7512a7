"""Estimators with honest error bars: order-statistic percentiles and binomial probabilities."""

from __future__ import annotations

import numpy as np
from scipy import stats

#: Confidence level of every interval the project reports.
LEVEL = 0.95


def percentile_ranks(n: int, p: float, level: float = LEVEL) -> tuple[int, int, int]:
    """0-based order-statistic indices of the p-quantile and its confidence interval.

    The estimate is the inverse empirical CDF, ``x_(ceil(p n))``. The interval
    ``[x_(l), x_(u)]`` is distribution-free: the number of draws below the true
    quantile is Binomial(n, p), so its ``(1-level)/2`` and ``(1+level)/2``
    quantiles bound the ranks.

    Parameters
    ----------
    n : int
        Number of iterations.
    p : float
        Probability in (0, 1).
    level : float
        Confidence level.
    """
    tail = (1 - level) / 2
    k = int(np.ceil(p * n)) - 1
    lo = int(stats.binom.ppf(tail, n, p)) - 1
    hi = int(stats.binom.ppf(1 - tail, n, p))
    return max(k, 0), min(max(lo, 0), n - 1), min(hi, n - 1)


def percentiles(x: np.ndarray, ps: tuple[float, ...], level: float = LEVEL) -> np.ndarray:
    """Percentiles with confidence intervals along the last axis.

    Parameters
    ----------
    x : ndarray, shape (k, n)
        Samples; ``inf`` is allowed and sorts last.
    ps : tuple of float
        Percentiles in (0, 100).

    Returns
    -------
    ndarray, shape (k, len(ps), 3)
        Estimate, lower and upper bound of each percentile.
    """
    n = x.shape[-1]
    ranks = np.array([percentile_ranks(n, p / 100, level) for p in ps])
    kth = np.unique(ranks)
    part = np.partition(x, kth, axis=-1)
    return part[..., ranks]


def proportion(successes: np.ndarray, n: int, level: float = LEVEL) -> np.ndarray:
    """Share of successes with a Wilson score interval.

    Parameters
    ----------
    successes : ndarray of int, shape (k,)
    n : int
        Trials.

    Returns
    -------
    ndarray, shape (k, 3)
        Estimate, lower and upper bound.
    """
    out = np.empty((len(successes), 3))
    for row, k in enumerate(np.asarray(successes, dtype=np.int64)):
        ci = stats.binomtest(int(k), n).proportion_ci(confidence_level=level, method="wilson")
        out[row] = (k / n, ci.low, ci.high)
    return out


def mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation along the last axis; NaN where any value is infinite.

    A mean over iterations that never finish has no value, so it is not
    reported as a number.
    """
    finite = np.isfinite(x).all(axis=-1)
    safe = np.where(np.isfinite(x), x, 0.0)
    mean = safe.mean(axis=-1)
    std = safe.std(axis=-1, ddof=1) if x.shape[-1] > 1 else np.zeros(len(x))
    return np.where(finite, mean, np.nan), np.where(finite, std, np.nan)
