"""PERT sampling by lookup: per-shape cubic Hermite tables of the Beta quantile."""

from __future__ import annotations

import functools

import numpy as np
from scipy import special

# PERT tables cover u in [_U_TAIL, 1 - _U_TAIL] on a grid uniform in s = logit(u), where
# the Beta quantile is smooth at both ends; the few u outside are inverted exactly.
_U_TAIL = 1e-6
_S_MAX = float(np.log1p(-_U_TAIL) - np.log(_U_TAIL))
_TABLE_TOL = 2.5e-7  # coarse-grid error allowed at midpoints, on the unit interval
_MAX_INTERVALS = 1 << 14


def pert_shape(p):
    width = p[:, 2] - p[:, 0]
    return 1 + p[:, 3] * (p[:, 1] - p[:, 0]) / width, 1 + p[:, 3] * (p[:, 2] - p[:, 1]) / width


@functools.lru_cache(maxsize=4096)
def _beta_hermite(alpha: float, beta: float) -> np.ndarray:
    """Cubic Hermite coefficients (4, N) of the Beta(alpha, beta) quantile in s = logit(u).

    On node interval i the quantile is sum_k c[k, i] f**k, f the fraction of the interval.
    The grid doubles until its coarse half is within _TABLE_TOL at every midpoint and the
    fine grid passes the Fritsch-Carlson monotonicity test; the fine grid (~16x more
    accurate) is returned, so no exact evaluation is wasted."""
    n = 128
    while True:
        s = np.linspace(-_S_MAX, _S_MAX, 2 * n + 1)
        u = special.expit(s)
        y = special.betaincinv(alpha, beta, u)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_pdf = (special.xlogy(alpha - 1, y) + special.xlog1py(beta - 1, -y)
                       - special.betaln(alpha, beta))
            slope = u * (1 - u) / np.exp(log_pdf) * (s[1] - s[0])  # dy/df on the fine grid
            ratio = np.hypot(slope[:-1], slope[1:]) / np.diff(y)
        coarse = _hermite(y[::2], 2 * slope[::2])
        mid = coarse[0, :-1] + coarse[1, :-1] / 2 + coarse[2, :-1] / 4 + coarse[3, :-1] / 8
        accurate = np.max(np.abs(mid - y[1::2])) <= _TABLE_TOL
        monotone = np.all(slope >= 0) and np.all(np.diff(y) > 0) and np.all(ratio <= 3)
        if (accurate and monotone) or n >= _MAX_INTERVALS:
            table = _hermite(y, slope)
            table.setflags(write=False)
            return table
        n *= 2


def _hermite(y: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Cubic coefficients per interval from node values y and slopes d; the last node is
    padded with its value and zero slope so a clipped index lands on it exactly."""
    c = np.zeros((4, y.size))
    c[0] = y
    c[1, :-1] = d[:-1]
    c[2, :-1] = 3 * (y[1:] - y[:-1]) - 2 * d[:-1] - d[1:]
    c[3, :-1] = 2 * (y[:-1] - y[1:]) + d[:-1] + d[1:]
    return c


def _beta_tail(alpha: np.ndarray, beta: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Standard Beta quantile for the few u outside the tables."""
    # As u -> 0, y = (u alpha B(alpha, beta))**(1/alpha) * (1 + (beta-1) y / (alpha+1))
    # + O((beta y)**2): exact to rounding where beta * y < 1e-8, which is where
    # betaincinv returns NaN (below u ~ 1e-180 for small alpha) or loses digits.
    with np.errstate(divide="ignore"):
        y = np.exp((np.log(u) + np.log(alpha) + special.betaln(alpha, beta)) / alpha)
    y *= 1 + (beta - 1) * y / (alpha + 1)
    series = (u < 0.5) & (y * (beta + 1) < 1e-8)
    # betaincinv is not monotone below u ~ 1e-293 for shapes near 2000 (and fails on the
    # smallest subnormals); the sampler never gives u below 2**-66, so hold it constant there.
    return np.where(series, y, special.betaincinv(alpha, beta, np.maximum(u, 1e-280)))


def prep_pert(p):
    lo, width = p[:, 0], p[:, 2] - p[:, 0]
    alpha, beta = pert_shape(p)
    tables = [_beta_hermite(float(a), float(b)) for a, b in zip(alpha, beta)]
    sizes = np.array([t.shape[1] for t in tables], dtype=np.float64)
    first = np.concatenate([[0.0], np.cumsum(sizes)[:-1]])
    # Scale each row's table to its own [min, max] once, so the kernel is a bare lookup.
    coeffs = np.concatenate([t * w for t, w in zip(tables, width)], axis=1)
    coeffs[0] += np.repeat(lo, sizes.astype(np.intp))
    cols = (first + (sizes - 1) / 2, (sizes - 1) / (2 * _S_MAX), first, first + sizes - 1,
            alpha, beta, lo, width, p[:, 2])
    return cols, tuple(coeffs)


def ppf_pert(cols, shared, u, x):
    centre, scale, first, last, alpha, beta, lo, width, hi = cols
    t = np.subtract(1.0, u)
    np.divide(u, t, out=t)
    np.log(t, out=t)  # s = logit(u)
    tails = None
    if t.min() < -_S_MAX or t.max() > _S_MAX:  # most blocks have none: skip the scan
        tails = np.flatnonzero(np.abs(t) > _S_MAX)
    np.add(np.multiply(t, scale, out=t), centre, out=t)
    np.clip(t, first, last, out=t)  # index into this group's tables; tails redone below
    j = t.astype(np.intp)
    np.subtract(t, j, out=t)  # fraction f of the interval
    c0, c1, c2, c3 = shared
    tmp = np.take(c3, j, mode="clip")  # mode="raise" with out= buffers: slower
    np.multiply(tmp, t, out=x)
    for c in (c2, c1):
        np.add(x, np.take(c, j, out=tmp, mode="clip"), out=x)
        np.multiply(x, t, out=x)
    np.add(x, np.take(c0, j, out=tmp, mode="clip"), out=x)
    if tails is not None and tails.size:
        r = tails // u.shape[1]
        x.flat[tails] = lo[r, 0] + width[r, 0] * _beta_tail(alpha[r, 0], beta[r, 0],
                                                             u.flat[tails])
    np.clip(x, lo, hi, out=x)  # min + (max - min) * y can round an ulp outside
