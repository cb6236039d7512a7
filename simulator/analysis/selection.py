"""Choosing among candidates on common random numbers: objectives, paired gains, P(best).

Every candidate is run on the same iterations with the same streams, so its
objective and another's differ iteration by iteration only by what the
candidate changes. Gains are paired: a mean objective gets a normal interval
on the per-iteration differences; a percentile objective (P80) a bootstrap
interval, resampling the same iterations for both candidates. The bootstrap
resamples also give the probability that each candidate is truly the best
(the share of resamples in which it has the best value; ties share).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .stats import LEVEL

#: Rows of a candidate's per-iteration metrics.
FINISH, HIT, BY_DEADLINE, PRESENT_VALUE = range(4)
#: Bootstrap resamples behind P(best) and percentile gains.
RESAMPLES = 1000


@dataclass(frozen=True)
class Objective:
    """What a candidate is judged by.

    ``row`` of the metrics, summarised by the mean or by a percentile
    (``quantile``), and ``sign`` +1 when more is better, -1 when less is.
    """

    name: str
    label: str
    row: int
    sign: int
    quantile: float | None = None
    needs_benefits: bool = False

    def value(self, metrics: np.ndarray) -> np.ndarray:
        """Per-iteration values of the objective from a (4, n) metrics array."""
        return metrics[self.row]

    def statistic(self, x: np.ndarray) -> np.ndarray:
        """The objective's value of samples along the last axis (mean, or an order statistic)."""
        if self.quantile is None:
            return x.mean(axis=-1)
        n = x.shape[-1]
        k = max(int(np.ceil(self.quantile * n)) - 1, 0)  # the inverse empirical CDF, as stats does
        return np.partition(x, k, axis=-1)[..., k]


OBJECTIVES = {
    "npv": Objective("npv", "present value of benefits", PRESENT_VALUE, +1, needs_benefits=True),
    "benefit-by-deadline": Objective("benefit-by-deadline", "benefit by the deadline", BY_DEADLINE,
                                     +1, needs_benefits=True),
    "p-target": Objective("p-target", "P(target by the deadline)", HIT, +1),
    "p80-target": Objective("p80-target", "P80 of the target's finish", FINISH, -1, quantile=0.8),
}


def bootstrap_rng(seed: int) -> np.random.Generator:
    """The resampling stream of a selection: from the run's root seed, apart from every draw."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0xB007,))))


def resampled(values: np.ndarray, objective: Objective, rng: np.random.Generator,
              resamples: int = RESAMPLES) -> np.ndarray:
    """The objective of each candidate in bootstrap resamples of the iterations.

    Parameters
    ----------
    values : ndarray, shape (candidates, n)
        Per-iteration objective values on the same iterations.

    Returns
    -------
    ndarray, shape (resamples, candidates)
    """
    k, n = values.shape
    out = np.empty((resamples, k))
    block = max(1, 2_000_000 // max(k * n, 1))  # bounded temporaries
    for lo in range(0, resamples, block):
        hi = min(lo + block, resamples)
        idx = rng.integers(0, n, size=(hi - lo, n))
        out[lo:hi] = objective.statistic(values[:, idx]).T  # (k, b, n) -> (k, b)
    return out


def paired_gain(a: np.ndarray, b: np.ndarray, objective: Objective, *, level: float = LEVEL,
                boot: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, float, float]:
    """Gain of ``a`` over ``b`` (positive: ``a`` is better) with its ``level`` interval.

    Parameters
    ----------
    a, b : ndarray, shape (n,)
        Per-iteration objective values of two candidates on the same iterations.
    objective : Objective
    level : float
    boot : pair of ndarray, optional
        The two candidates' bootstrap statistics (same resamples); required for a
        percentile objective.

    Returns
    -------
    gain, lo, hi : float
    """
    s = objective.sign
    if objective.quantile is None:
        d = _exact(s * (a - b), a, b)
        n = d.size
        gain = float(d.mean())
        half = float(special.ndtri(0.5 + level / 2) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.inf
        return gain, gain - half, gain + half
    if boot is None:
        raise ValueError("a percentile objective needs bootstrap statistics")
    with np.errstate(invalid="ignore"):
        qa, qb = objective.statistic(a), objective.statistic(b)
        gain = float(_exact(s * (qa - qb), qa, qb))
        diff = _exact(s * (boot[0] - boot[1]), boot[0], boot[1])
    if not np.isfinite(diff).all():
        return gain, np.nan, np.nan
    lo, hi = np.quantile(diff, [(1 - level) / 2, (1 + level) / 2])
    return gain, float(lo), float(hi)


def _exact(d, a, b):
    """Differences with rounding noise set to 0: two orders that schedule alike can sum the
    same times in another order, and 1e-15 months is no gain."""
    return np.where(np.abs(d) <= 1e-9 * (np.abs(a) + np.abs(b)), 0.0, d)


def p_best(boot: np.ndarray, objective: Objective) -> np.ndarray:
    """Share of bootstrap resamples in which each candidate is the best; ties share a resample.

    Parameters
    ----------
    boot : ndarray, shape (resamples, candidates)
    """
    x = objective.sign * np.nan_to_num(boot, nan=-np.inf, posinf=np.inf, neginf=-np.inf)
    best = x.max(axis=1, keepdims=True)
    top = x >= best - 1e-9 * np.abs(best)  # rounding noise is a tie
    return (top / top.sum(axis=1, keepdims=True)).mean(axis=0)


def significantly_worse(values: np.ndarray, objective: Objective, leader: int, *,
                        level: float = LEVEL, rng: np.random.Generator | None = None) -> np.ndarray:
    """Which candidates are worse than the ``leader`` with confidence (racing's elimination).

    One-sided, Bonferroni over the ``k - 1`` comparisons: a candidate goes when
    the upper bound of its gain over the leader, at ``1 - (1 - level) / (k - 1)``,
    is below zero.
    """
    k = values.shape[0]
    out = np.zeros(k, dtype=bool)
    if k < 2:
        return out
    two_sided = 1 - 2 * (1 - level) / (k - 1)
    boot = resampled(values, objective, rng, 400) if objective.quantile is not None else None
    for c in range(k):
        if c != leader:
            pair = None if boot is None else (boot[:, c], boot[:, leader])
            _, _, hi = paired_gain(values[c], values[leader], objective, level=two_sided, boot=pair)
            out[c] = hi < 0
    return out


def ranks(values: np.ndarray, objective: Objective, boot: np.ndarray | None, *,
          level: float = LEVEL) -> np.ndarray:
    """1 + the number of candidates better than each with confidence (ties share a rank)."""
    k = values.shape[0]
    better = np.zeros(k, dtype=int)
    for i in range(k):
        for j in range(k):
            if i != j:
                pair = None if boot is None else (boot[:, j], boot[:, i])
                _, lo, _ = paired_gain(values[j], values[i], objective, level=level, boot=pair)
                better[i] += bool(lo > 0)
    return better + 1


def verdict(lo: float, hi: float) -> str:
    """``better``, ``worse`` or ``no clear difference``: a gain is one only when its interval excludes 0."""
    if lo > 0:
        return "better"
    if hi < 0:
        return "worse"
    return "no clear difference"
