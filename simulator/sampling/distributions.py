"""Distributions prepared for fast, vectorised inverse-CDF sampling (the sampling hot path)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from simulator.scenario.models import Fixed, Lognormal, Normal, Pert, Triangular, Uniform

from .pert import pert_shape, ppf_pert, prep_pert

__all__ = ["FIXED", "UNIFORM", "TRIANGULAR", "PERT", "NORMAL", "LOGNORMAL",
           "DistTable", "dist_params"]

FIXED, UNIFORM, TRIANGULAR, PERT, NORMAL, LOGNORMAL = range(6)
_NORMAL_LEFT = 6  # kernel for normals with mean < 0, whose kept mass may underflow

# Samples per kernel call: a block and its temporaries stay in L2 cache, and the numpy
# call overhead is still small next to the work.
_BLOCK = 1 << 15

_Z90 = float(special.ndtri(0.9))

_PARAMS: dict[type, tuple[int, Callable[[Any], tuple]]] = {
    Fixed: (FIXED, lambda d: (d.value, 0, 0, 0)),
    Uniform: (UNIFORM, lambda d: (d.min, d.max, 0, 0)),
    Triangular: (TRIANGULAR, lambda d: (d.min, d.mode, d.max, 0)),
    Pert: (PERT, lambda d: (d.min, d.mode, d.max, d.lambda_)),
    Normal: (NORMAL, lambda d: (d.mean, d.sd, 0, 0)),
    Lognormal: (LOGNORMAL, lambda d: (d.p50, d.p90, 0, 0)),
}


def dist_params(model: Any) -> tuple[int, tuple[float, float, float, float]]:
    """Family code and parameter row of one distribution model.

    Parameters
    ----------
    model : Fixed, Uniform, Triangular, Pert, Normal or Lognormal
        A validated model from :mod:`simulator.scenario.models`.

    Returns
    -------
    code : int
        One of ``FIXED, UNIFORM, TRIANGULAR, PERT, NORMAL, LOGNORMAL``.
    params : tuple of 4 float
        The row of :attr:`DistTable.params` (unused columns are 0).
    """
    try:
        code, get = _PARAMS[type(model)]
    except KeyError:
        names = ", ".join(cls.__name__ for cls in _PARAMS)
        raise TypeError(f"{type(model).__name__} is not a distribution model "
                        f"(expected one of {names})") from None
    a, b, c, d = (float(v) for v in get(model))
    return code, (a, b, c, d)


# --- moments and support per family: (planned, mean, var, lower, upper) ---------------

def _lognormal_mu_sigma(p):
    mu = np.log(p[:, 0])
    return mu, (np.log(p[:, 1]) - mu) / _Z90


def _summary_triangular(p):
    a, c, b = p[:, 0], p[:, 1], p[:, 2]
    c0, b0 = c - a, b - a  # measured from min, so a large offset cannot cancel digits
    return c, (a + b + c) / 3, (b0 * b0 + c0 * c0 - b0 * c0) / 18, a, b


def _summary_pert(p):
    a, c, b = p[:, 0], p[:, 1], p[:, 2]
    alpha, beta = pert_shape(p)
    s, w = alpha + beta, b - a
    return c, a + w * alpha / s, w * w * alpha * beta / (s * s * (s + 1)), a, b


def _normal_z(p):
    # Clamped so that sd down to 5e-324 cannot make z infinite (and 0 * inf a NaN).
    return np.clip(p[:, 0] / p[:, 1], -1e150, 1e150)


def _summary_normal(p):
    mean, sd, z = p[:, 0], p[:, 1], _normal_z(p)
    mills = np.sqrt(2 / np.pi) / special.erfcx(-z / np.sqrt(2))  # phi(z)/Phi(z), stable
    tmean, var = mean + sd * mills, 1 - mills * (mills + z)
    far = z < -5
    if far.any():
        # Left of the cut those two cancel ~a^4 eps in var. Laplace's continued fraction
        # gives d = mills - a and var = d (t - d) directly; 50 terms are exact for a >= 5.
        a = -z[far]
        t = np.zeros_like(a)
        for k in range(50, 1, -1):
            t = k / (a + t)
        d = 1 / (a + t)
        tmean[far], var[far] = sd[far] * d, d * (t - d)
    # planned: the most likely value of the normal truncated at 0, which is 0 for mean < 0
    return np.maximum(mean, 0.0), tmean, sd * sd * var, 0 * z, 0 * z + np.inf


def _summary_lognormal(p):
    mu, sigma = _lognormal_mu_sigma(p)
    s2 = sigma * sigma
    # (e^s2 - 1) e^(2 mu + s2) in one exponent: no inf * 0 when p50 is tiny and sigma huge
    var = np.exp(2 * mu + 2 * s2 + np.log1p(-np.exp(-s2)))
    return p[:, 0], np.exp(mu + s2 / 2), var, 0 * mu, 0 * mu + np.inf


_SUMMARY = {FIXED: lambda p: (p[:, 0], p[:, 0], 0 * p[:, 0], p[:, 0], p[:, 0]),
            UNIFORM: lambda p: ((p[:, 0] + p[:, 1]) / 2, (p[:, 0] + p[:, 1]) / 2,
                                (p[:, 1] - p[:, 0]) ** 2 / 12, p[:, 0], p[:, 1]),
            TRIANGULAR: _summary_triangular, PERT: _summary_pert, NORMAL: _summary_normal,
            LOGNORMAL: _summary_lognormal}


# --- kernels: fill x (b, n) from u (b, n); cols are per-row (b, 1) constants -----------

def _ppf_fixed(cols, shared, u, x):
    x[...] = cols[0]


def _ppf_uniform(cols, shared, u, x):
    lo, width, hi = cols
    np.add(np.multiply(u, width, out=x), lo, out=x)
    np.minimum(x, hi, out=x)  # min + (max - min) can round an ulp above max


def _prep_triangular(p):
    lo, mode, hi = p[:, 0], p[:, 1], p[:, 2]
    cut = (mode - lo) / (hi - lo)
    # Finite reciprocals keep 0 * inf (a NaN) out of the kernel when mode == min or max.
    inv_lo, inv_hi = 1 / np.maximum(cut, 1e-300), 1 / np.maximum(1 - cut, 1e-300)
    return (inv_lo, inv_hi, hi - lo, mode - lo, mode, lo, hi), ()


def _ppf_triangular(cols, shared, u, x):
    # Branch-free: a data-dependent mask (putmask, where) costs a branch miss per sample.
    # x = mode + D * (1 - sqrt(v)) with v = u/c, D = min - mode below the mode and
    # v = (1-u)/(1-c), D = max - mode above it; the right v is the smaller of the two.
    inv_lo, inv_hi, width, left, mode, lo, hi = cols
    w = np.subtract(1.0, u)
    np.multiply(w, inv_hi, out=w)
    np.multiply(u, inv_lo, out=x)
    upper = np.greater_equal(x, w, out=np.empty(u.shape))  # 1.0 above the mode, else 0.0
    np.fmin(x, w, out=x)
    np.sqrt(x, out=x)
    np.subtract(1.0, x, out=x)
    np.multiply(upper, width, out=w)
    np.subtract(w, left, out=w)
    np.add(np.multiply(x, w, out=x), mode, out=x)
    np.clip(x, lo, hi, out=x)  # mode - (mode - min) can round an ulp below min


def _prep_normal_right(p):
    cut = special.ndtr(-_normal_z(p))  # exact even when tiny; <= 0.5, so cut + u(1-cut) <= 1
    return (p[:, 0], p[:, 1], cut, 1.0 - cut), ()


def _ppf_normal_right(cols, shared, u, x):
    mean, sd, cut, mass = cols
    np.add(np.multiply(u, mass, out=x), cut, out=x)
    special.ndtri(x, out=x)
    np.add(np.multiply(x, sd, out=x), mean, out=x)
    np.maximum(x, 0.0, out=x)  # rounding at u -> 0 can land a hair below the cut


def _ppf_normal_left(cols, shared, u, x):
    # Invert the survival function in log space: the kept mass Phi(mean/sd) underflows
    # below mean/sd ~ -38, its logarithm does not.
    mean, neg_sd, log_mass = cols
    np.negative(u, out=x)
    np.log1p(x, out=x)
    np.add(x, log_mass, out=x)
    special.ndtri_exp(x, out=x)
    np.add(np.multiply(x, neg_sd, out=x), mean, out=x)
    np.maximum(x, 0.0, out=x)


def _ppf_lognormal(cols, shared, u, x):
    mu, sigma = cols
    special.ndtri(u, out=x)
    np.add(np.multiply(x, sigma, out=x), mu, out=x)
    np.exp(x, out=x)


_KERNELS = {FIXED: (lambda p: ((p[:, 0],), ()), _ppf_fixed),
            UNIFORM: (lambda p: ((p[:, 0], p[:, 1] - p[:, 0], p[:, 1]), ()), _ppf_uniform),
            TRIANGULAR: (_prep_triangular, _ppf_triangular),
            PERT: (prep_pert, ppf_pert),
            NORMAL: (_prep_normal_right, _ppf_normal_right),
            _NORMAL_LEFT: (lambda p: ((p[:, 0], -p[:, 1], special.log_ndtr(_normal_z(p))), ()),
                           _ppf_normal_left),
            LOGNORMAL: (lambda p: (_lognormal_mu_sigma(p), ()), _ppf_lognormal)}


@dataclass(frozen=True)
class _Group:
    """Rows sharing one kernel, with the kernel's precomputed constants."""

    ppf: Callable
    rows: slice | np.ndarray  # a slice when the rows are contiguous: no gather or scatter
    cols: tuple[np.ndarray, ...]  # per-row constants, in the order of `rows`
    shared: tuple[np.ndarray, ...]

    def run(self, a: int, b: int, u: np.ndarray, out: np.ndarray) -> None:
        cols = tuple(c[a:b, None] for c in self.cols)
        if isinstance(self.rows, slice):
            rows = slice(self.rows.start + a, self.rows.start + b)
            self.ppf(cols, self.shared, u[rows], out[rows])
        else:
            x = np.empty((b - a, u.shape[1]))
            self.ppf(cols, self.shared, u[self.rows[a:b]], x)
            out[self.rows[a:b]] = x


def _groups(codes: np.ndarray, params: np.ndarray) -> tuple[_Group, ...]:
    kernel = codes.astype(np.int64)
    kernel[(codes == NORMAL) & (params[:, 0] < 0)] = _NORMAL_LEFT
    groups = []
    for key, (prep, ppf) in _KERNELS.items():
        rows = np.flatnonzero(kernel == key)
        if rows.size:
            cols, shared = prep(params[rows])
            if rows[-1] - rows[0] + 1 == rows.size:
                rows = slice(int(rows[0]), int(rows[-1]) + 1)
            cols = tuple(np.asarray(c, dtype=np.float64) for c in cols)
            groups.append(_Group(ppf, rows, cols, shared))
    return tuple(groups)


# --- the table ------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class DistTable:
    """m distributions (one per row) prepared for fast vectorised inverse-CDF sampling.

    Parameters
    ----------
    codes : array_like of int, shape (m,)
        Family codes, ``FIXED`` .. ``LOGNORMAL``.
    params : array_like of float, shape (m, 4)
        fixed ``(value,_,_,_)``, uniform ``(min,max,_,_)``, triangular ``(min,mode,max,_)``,
        pert ``(min,mode,max,lambda)``, normal ``(mean,sd,_,_)`` (truncated at 0),
        lognormal ``(p50,p90,_,_)``. Assumed valid (checked when the scenario is loaded).

    Notes
    -----
    Rows are grouped by family once, here; `ppf` then runs one vectorised kernel per
    group and block. PERT rows use a per-shape cubic Hermite table of the Beta quantile
    on a grid uniform in logit(u) (shared through a cache), and exact inversion for
    u < 1e-6 or u > 1 - 1e-6: the error is below 1e-6 * (max - min), typically 1e-8, for
    every u >= 1e-280 (below that scipy's betaincinv itself loses digits for large shapes).
    """

    codes: np.ndarray
    params: np.ndarray
    _groups: tuple[_Group, ...] = field(init=False, repr=False)
    _summary: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        codes = np.array(self.codes, dtype=np.int64).reshape(-1)
        params = np.array(self.params, dtype=np.float64)
        if params.shape != (codes.size, 4):
            raise ValueError(f"params must have shape ({codes.size}, 4), got {params.shape}")
        if np.any((codes < FIXED) | (codes > LOGNORMAL)):
            raise ValueError(f"codes must lie in 0..5, got {np.unique(codes).tolist()}")
        summary = np.zeros((5, codes.size))
        # Extreme valid parameters (sd = 1e-300, p50 = 1e-300) overflow to the right inf.
        with np.errstate(over="ignore", divide="ignore", under="ignore"):
            for code, fn in _SUMMARY.items():
                rows = codes == code
                if rows.any():
                    summary[:, rows] = np.vstack(fn(params[rows]))
            groups = _groups(codes, params)
        codes = codes.astype(np.int8)
        for name, value in [("codes", codes), ("params", params), ("_summary", summary),
                            ("_groups", groups)]:
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    @classmethod
    def from_models(cls, models: Sequence[Any]) -> DistTable:
        """Build a table with one row per distribution model, in order."""
        rows = [dist_params(m) for m in models]
        return cls(np.array([c for c, _ in rows], dtype=np.int8),
                   np.array([p for _, p in rows], dtype=np.float64).reshape(-1, 4))

    @classmethod
    def from_arrays(cls, codes: np.ndarray, params: np.ndarray) -> DistTable:
        """Build a table from family codes (m,) and parameter rows (m, 4)."""
        return cls(codes, params)

    def __len__(self) -> int:
        return self.codes.size

    def ppf(self, u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Inverse CDF row by row: ``out[i, k] = F_i^{-1}(u[i, k])``.

        Parameters
        ----------
        u : ndarray, shape (m, n)
            Probabilities in (0, 1). Not modified.
        out : ndarray, shape (m, n), optional
            C-contiguous float64 array for the result; must not overlap `u`.

        Returns
        -------
        ndarray, shape (m, n)
            The quantiles (`out`, when given). Non-decreasing in `u` along each row.
        """
        u = np.ascontiguousarray(u, dtype=np.float64)
        if u.ndim != 2 or u.shape[0] != len(self):
            raise ValueError(f"u must have shape ({len(self)}, n), got {u.shape}")
        if out is None:
            out = np.empty(u.shape)
        elif (out.shape != u.shape or out.dtype != np.float64
              or not out.flags.c_contiguous or not out.flags.writeable):
            raise ValueError("out must be a writeable C-contiguous float64 array shaped like u")
        elif np.may_share_memory(out, u):
            raise ValueError("out must not overlap u")
        if u.size == 0:
            return out
        step = max(1, _BLOCK // u.shape[1])
        # u = 0 or 1 meets log(0) or x/0 on the way to the right -inf/inf: not an error.
        with np.errstate(divide="ignore", over="ignore"):
            for g in self._groups:
                size = g.cols[0].size
                for a in range(0, size, step):
                    g.run(a, min(a + step, size), u, out)
        return out

    def planned(self) -> np.ndarray:
        """Planning value per row: fixed value, uniform midpoint, triangular and PERT mode,
        normal mean parameter (0 if it is negative: the mode of the normal truncated at 0),
        lognormal p50."""
        return self._summary[0].copy()

    def mean(self) -> np.ndarray:
        """Exact mean per row (for normals, of the distribution truncated at 0)."""
        return self._summary[1].copy()

    def var(self) -> np.ndarray:
        """Exact variance per row (for normals, of the distribution truncated at 0)."""
        return self._summary[2].copy()

    def lower(self) -> np.ndarray:
        """Smallest possible value per row (0 for normal and lognormal)."""
        return self._summary[3].copy()

    def upper(self) -> np.ndarray:
        """Largest possible value per row (inf for normal and lognormal)."""
        return self._summary[4].copy()

    def take(self, rows: Sequence[int] | np.ndarray) -> DistTable:
        """A table of the given rows (indices or a boolean mask), in the given order."""
        rows = np.asarray(rows)
        if rows.ndim != 1:
            raise ValueError(f"rows must be one-dimensional, got shape {rows.shape}")
        return DistTable(self.codes[rows], self.params[rows])
