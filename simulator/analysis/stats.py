"""Estimators with honest error bars: order-statistic percentiles and binomial probabilities."""

from __future__ import annotations

import numpy as np
from scipy import special

from .blocks import by_rows

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
    lo = _binom_ppf(tail, n, p) - 1
    hi = _binom_ppf(1 - tail, n, p)
    return max(k, 0), min(max(lo, 0), n - 1), min(hi, n - 1)


def _binom_ppf(q: float, n: int, p: float) -> int:
    """Smallest k with P(Binomial(n, p) <= k) >= q.

    scipy.special's ``bdtrik`` inverts the CDF over a continuous k; the exact
    integer is then found by checking its neighbours. (scipy.stats would do
    the same but costs a third of a second to import on every run.)
    """
    k = int(np.clip(np.floor(special.bdtrik(q, n, p)), 0, n))
    while k > 0 and special.bdtr(k - 1, n, p) >= q:
        k -= 1
    while k < n and special.bdtr(k, n, p) < q:
        k += 1
    return k


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
    out = np.empty((len(x), len(ps), 3))
    buf = np.empty(n)
    for row in range(len(x)):  # one reused buffer: no (k, n) copy to allocate and fault in
        buf[:] = x[row]
        buf.partition(kth)
        out[row] = buf[ranks]
    return out


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
        Estimate, lower and upper bound; the bounds stay within [0, 1] and
        are not degenerate at 0 or n successes, unlike the normal interval.
    """
    p = np.asarray(successes, dtype=float) / n
    z = special.ndtri(0.5 + level / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return np.stack([p, np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)], axis=1)


def percent_digits(p: float, digits: int) -> int:
    """Decimals to show ``p`` as a percentage with: at least ``digits``, and more (up to 4)
    where fewer would round a share that is neither 0 nor 1 to 0 % or 100 %."""
    while digits < 4 and 0 < p < 1 and round(100 * p, digits) in (0, 100):
        digits += 1
    return digits


#: The percentiles :func:`outlook` gives.
OUTLOOK = (50.0, 80.0)


def outlook(finishes: np.ndarray, deadline: float) -> np.ndarray:
    """P50, P80 (as :func:`percentiles` estimates them) and P(finish <= deadline) per row.

    The three numbers the risk ranking and scenario comparisons report.

    Returns
    -------
    ndarray, shape (k, 3)
    """
    finishes = np.atleast_2d(finishes)
    pct = percentiles(finishes, OUTLOOK)[:, :, 0]
    return np.column_stack([pct, (finishes <= deadline).mean(axis=1)])


def mean_std(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation along the last axis; NaN where any value is infinite.

    A mean over iterations that never finish has no value, so it is not
    reported as a number.
    """
    mean = np.full(len(x), np.nan)
    std = np.full(len(x), np.nan)
    for row in range(len(x)):  # row by row: temporaries stay small
        v = x[row]
        if np.isfinite(v).all():
            mean[row] = v.mean()
            std[row] = v.std(ddof=1) if v.size > 1 else 0.0
    return mean, std


def chunk_moments(x: np.ndarray, finite_only: bool = False) -> np.ndarray:
    """Per row: count, sum, sum of squared deviations from the chunk mean, and whether any
    value is not finite (then NaN statistics), as an (rows, 4) array."""
    x = np.atleast_2d(x)
    if finite_only:
        ok = np.isfinite(x)
        count = ok.sum(axis=1).astype(float)
        s = np.where(ok, x, 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            dev = np.where(ok, x - (s / count)[:, None], 0.0)
        return np.column_stack([count, s, np.nan_to_num((dev * dev).sum(axis=1)),
                                np.zeros(len(x))])
    bad = ~np.isfinite(x).all(axis=1)
    s = x.sum(axis=1)
    with np.errstate(invalid="ignore"):
        m2 = ((x - (s / x.shape[1])[:, None]) ** 2).sum(axis=1)
    return np.column_stack([np.full(len(x), float(x.shape[1])), s, m2, bad.astype(float)])


def merge_moments(acc: np.ndarray | None, part: np.ndarray) -> np.ndarray:
    """Chan et al.'s pairwise merge of two :func:`chunk_moments` arrays (in chunk order: the
    sums, and so the last bits, depend on it)."""
    if acc is None:
        return part.copy()
    na, nb = acc[:, 0], part[:, 0]
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = np.where(nb > 0, part[:, 1] / nb, 0.0) - np.where(na > 0, acc[:, 1] / na, 0.0)
        m2 = acc[:, 2] + part[:, 2] + np.where(n > 0, delta * delta * (na * nb / n), 0.0)
    return np.column_stack([n, acc[:, 1] + part[:, 1], m2, np.maximum(acc[:, 3], part[:, 3])])


def moment_sd(m: np.ndarray) -> np.ndarray:
    """Standard deviation (ddof 1) from merged moments; NaN with fewer than two values or
    any value not finite."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(m[:, 2] / (m[:, 0] - 1))
    return np.where((m[:, 0] > 1) & (m[:, 3] == 0), sd, np.nan)


def average_ranks(x: np.ndarray, threads: int = 1) -> np.ndarray:
    """Rank every row of ``x`` (k, n) from 1 to n; tied values share their average rank.

    The ranks equal ``scipy.stats.rankdata(x, axis=1)`` ("average" ties) exactly,
    at about half its cost: one argsort per row, and the tie groups found only in
    rows that have ties. ``inf`` ranks above every finite value, and equal
    infinities tie. A row holding NaN ranks as NaN throughout, as scipy's does.

    Parameters
    ----------
    x : ndarray, shape (k, n)
    threads : int
        Rows are ranked in blocks on up to this many threads (numpy's argsort
        releases the GIL); the ranks do not depend on it.

    Returns
    -------
    ndarray of float, shape (k, n)
    """
    x = np.asarray(x, dtype=float)
    k, n = x.shape
    ranks = np.empty((k, n))
    plain = np.arange(1.0, n + 1)

    def block(rows):  # a row at a time, so that its order and sorted values stay in the cache
        for row, out in zip(x[rows], ranks[rows]):
            order = np.argsort(row)
            s = row[order]
            if n and np.isnan(s[-1]):  # NaN sorts last
                out[:] = np.nan
            elif np.any(s[1:] == s[:-1]):
                first = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])  # 0-based start of each group
                ends = np.r_[first[1:], n]                           # and one past its end
                # ranks first+1 .. end, whose mean is exact in binary: an integer or a half
                out[order] = np.repeat((first + 1 + ends) / 2, ends - first)
            else:
                out[order] = plain

    by_rows(block, k, threads)
    return ranks
