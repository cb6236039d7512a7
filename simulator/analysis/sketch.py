"""Exact order statistics of rows of values that arrive a chunk of iterations at a time.

A run of a million iterations cannot keep every element's dates, yet its
percentiles must be the exact order statistics :func:`stats.percentiles` takes
from all of them. The ranks wanted are known before the run (they depend on the
iteration count alone, or for ranks among the finite values on their count), so
each row keeps only a *band*: the values between two edges, with exact counts of
the values that fell below. After each merge the band narrows to ``Z`` standard
errors around the positions the wanted ranks have in the values so far. Of a run of
``n``, after ``m`` iterations, where the wanted rank of quantile ``p`` will fall among
the values so far has a standard deviation of ``sqrt(p (1 - p) (n - m) / (n m))``
(as a share of them: the values to come are fresh, the values seen are part of the
final ones), so a band holds about ``2 Z sqrt(p (1 - p) m (n - m) / n)`` values, at
most ``Z sqrt(p (1 - p) n)`` half-way through and only the wanted ranks' span at the
end, not ``m``. Equal values are kept once with their count.

The band can miss, when the values of later chunks move a wanted rank further than
``Z`` standard deviations: with ``Z = 6`` a chance of about 1e-9 per narrowing (a run
of a million iterations of the default scenario narrows about half a million edges). :meth:`OrderSketch.value` then raises :class:`Missed`, and the
caller takes that row again from all its values. A result is exact either way; only
the memory and the time depend on the bands.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bandcut import band_counts, emit_cut, merge_lists, sorted_cut
from .blocks import by_rows

#: Half-width of a band in standard errors of the quantile it is kept for.
Z = 6.0


class Missed(LookupError):
    """A wanted rank lies outside the values a row kept."""


@dataclass(frozen=True)
class Cut:
    """What a chunk contributes to a sketch, cut with the bands it was given.

    Attributes
    ----------
    a, b : ndarray, shape (rows, slots)
        The band edges the chunk was cut with.
    below : ndarray of int64, shape (rows, slots)
        Values under ``a``.
    kept : list of (row, value, count)
        Per slot, the values in ``[a, b]``: sorted by row then value, equal values once.
    seen : int
        Iterations in the chunk.
    finite : ndarray of int64, shape (rows,)
        Finite values per row.
    """

    a: np.ndarray
    b: np.ndarray
    below: np.ndarray
    kept: list
    seen: int
    finite: np.ndarray


def cut(x: np.ndarray, a: np.ndarray, b: np.ndarray, src: np.ndarray | None = None) -> Cut:
    """Reduce a chunk ``x`` (rows, iterations) to counts under the bands and the values in them.

    Runs where the chunk was made (a worker); the result is small and is merged
    into the run's sketch with :meth:`OrderSketch.merge`. With ``src``, the chunk is
    ``x[src]``: rows that repeat (a coverage that no longer changes) are stored once.
    """
    x, src = _rows_of(x, src)
    a, b = np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float)
    below, on_a, on_b, inside, ptr, same = band_counts(x, src, a, b)
    for r in np.flatnonzero(ptr[1:] - ptr[:-1] > 1):
        inside[ptr[r]:ptr[r + 1]].sort()
    return _as_cut(emit_cut(a, b, below, on_a, on_b, inside, ptr, same), a.copy(), b.copy(),
                   x.shape[1], np.isfinite(x).sum(axis=1)[src])


def _rows_of(x: np.ndarray, src: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """A chunk as float64 C-contiguous rows (NaN refused) and its row map (each row once
    without ``src``)."""
    x = np.ascontiguousarray(x, dtype=float)
    if np.isnan(x).any():
        raise ValueError("order statistics of NaN are not defined")
    return x, np.arange(x.shape[0]) if src is None else np.asarray(src, dtype=np.int64)


def _as_cut(out: tuple, a: np.ndarray, b: np.ndarray, seen: int, finite: np.ndarray) -> Cut:
    """A :class:`Cut` from a compiled cut's ``below, rows, vals, cnts, ptr`` (slot-major)."""
    below, rows, vals, cnts, ptr = out
    kept = [(rows[ptr[j]:ptr[j + 1]], vals[ptr[j]:ptr[j + 1]], cnts[ptr[j]:ptr[j + 1]])
            for j in range(a.shape[1])]
    return Cut(a, b, below, kept, seen, finite)


def join(cuts: list[Cut]) -> Cut:
    """One :class:`Cut` of consecutive blocks of rows, each cut on its own (in row order)."""
    offsets = np.cumsum([0, *(c.a.shape[0] for c in cuts)])
    kept = []
    for j in range(cuts[0].a.shape[1]):
        kept.append(tuple(np.concatenate(parts) for parts in zip(*(
            (c.kept[j][0] + off, c.kept[j][1], c.kept[j][2]) for c, off in zip(cuts, offsets)))))
    return Cut(np.vstack([c.a for c in cuts]), np.vstack([c.b for c in cuts]),
               np.vstack([c.below for c in cuts]), kept, cuts[0].seen,
               np.concatenate([c.finite for c in cuts]))


class OrderSketch:
    """Bands of values around wanted quantiles, one set of slots per row.

    Parameters
    ----------
    lo, hi : ndarray, shape (rows, slots)
        Per slot, the lowest and highest wanted quantile (as a share of the row's
        values, or of its finite values where ``finite``); NaN for an unused slot.
        A slot serves the ranks from ``lo * count`` to ``hi * count``.
    finite : ndarray of bool, shape (rows,)
        Whether the row's wanted ranks count among its finite values only.
    total : int, optional
        The iterations the run will have: the bands then narrow as the run nears its
        end (see :func:`_position`); default as if it had no end.
    """

    def __init__(self, lo: np.ndarray, hi: np.ndarray, finite: np.ndarray,
                 total: int | None = None):
        self.total = total
        self.lo, self.hi = np.atleast_2d(lo).astype(float), np.atleast_2d(hi).astype(float)
        rows, slots = self.lo.shape
        self.finite_only = np.asarray(finite, dtype=bool)
        used = np.isfinite(self.lo)
        self.a = np.where(used, -np.inf, np.inf)  # an unused slot keeps nothing
        self.b = np.where(used, np.inf, -np.inf)
        self.below = np.zeros((rows, slots), dtype=np.int64)
        self.kept = [(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))] * slots
        self.seen = 0
        self.finite = np.zeros(rows, dtype=np.int64)
        self._lookup: list | None = None  # per slot (base, total, cum) for values(); reset on change

    @property
    def rows(self) -> int:
        return self.lo.shape[0]

    def bands(self) -> tuple[np.ndarray, np.ndarray]:
        """The edges to cut the next chunks with."""
        return self.a.copy(), self.b.copy()

    def first_cut(self, x: np.ndarray, start: int = 0, src: np.ndarray | None = None, *,
                  overwrite: bool = False, threads: int = 1) -> Cut:
        """Set the bands of rows ``start`` on from a first chunk ``x`` (rows, iterations),
        before it is merged, and cut it with them (``x[src]`` with ``src``, as in :func:`cut`).

        Cutting the first chunk with these bands keeps what merging it whole and then
        narrowing would, without holding every value once per slot in between. The rows
        are sorted (in place with ``overwrite``, when ``x`` is a float64 C-contiguous array
        the caller no longer needs), and cut from their sorted values (:mod:`.bandcut`);
        the cut equals ``cut(x, a, b, src)`` with the edges set. The rows are sorted on up to
        ``threads`` threads (:func:`.blocks.by_rows`).
        """
        if self.seen:
            raise ValueError("the bands are set from the first chunk only")
        given = x
        x, src = _rows_of(x, src)
        if not ((overwrite or x is not given) and x.flags.writeable):  # else ours to sort
            x = x.copy()
        by_rows(lambda rows: x[rows].sort(axis=1), x.shape[0], threads)
        m = x.shape[1]
        at = slice(start, start + src.size)
        finite = np.isfinite(x).sum(axis=1)[src]
        count = np.where(self.finite_only[at], finite, m).astype(float)
        pos = np.full((2, src.size, self.lo.shape[1]), -1, dtype=np.int64)
        for j in range(self.lo.shape[1]):
            with np.errstate(invalid="ignore", divide="ignore"):
                lo = _position(self.lo[at, j], count, -1, self._left(m))
                hi = _position(self.hi[at, j], count, +1, self._left(m))
            for side, p in enumerate((lo, hi)):
                ok = (count > 0) & (p >= 0) & (p < m)
                pos[side, ok, j] = p[ok]
        a, b = self.a[at].copy(), self.b[at].copy()
        out = sorted_cut(x, src, pos[0], pos[1], a, b)
        self.a[at], self.b[at] = a, b
        return _as_cut(out, a, b, m, finite)

    def merge(self, part: Cut) -> None:
        """Add a chunk's :class:`Cut`, made with any bands: the first chunk's become the
        sketch's; where a later chunk's are narrower (a chunk cut on its own, with
        :meth:`first_cut`, while the chunks before it were still under way), the sketch's
        bands shrink to where both kept their values."""
        if not self.seen:
            self.a, self.b = part.a.copy(), part.b.copy()
        else:
            self._meet(part.a, part.b)
        self._lookup = None
        self.seen += part.seen
        self.finite += part.finite
        for j, (row, val, cnt) in enumerate(part.kept):
            self.below[:, j] += part.below[:, j]
            row, val, cnt = self._within(j, row, val, cnt, self.a[:, j], self.b[:, j])
            old = self.kept[j]
            # both are sorted by (row, value): a linear merge, not a sort of the whole band
            self.kept[j] = merge_lists(old[0], old[1], old[2], row, val, cnt)

    def _meet(self, a: np.ndarray, b: np.ndarray) -> None:
        """Shrink the bands to their overlap with ``[a, b]``."""
        for j in np.flatnonzero((a > self.a).any(axis=0) | (b < self.b).any(axis=0)):
            lo, hi = np.maximum(self.a[:, j], a[:, j]), np.minimum(self.b[:, j], b[:, j])
            self.kept[j] = self._within(j, *self.kept[j], lo, hi)
            self.a[:, j], self.b[:, j] = lo, hi

    def _within(self, j: int, row: np.ndarray, val: np.ndarray, cnt: np.ndarray,
                lo: np.ndarray, hi: np.ndarray) -> tuple:
        """The entries of slot ``j``'s list ``(row, val, cnt)`` inside their row's ``[lo, hi]``;
        those under ``lo`` are counted below the band, those over ``hi`` dropped (the counts
        above a band are not needed: a row's count of values is)."""
        under = val < lo[row]
        np.add.at(self.below[:, j], row[under], cnt[under])
        keep = ~under & (val <= hi[row])
        return row[keep], val[keep], cnt[keep]

    def narrow(self) -> None:
        """Move the edges in to ``Z`` standard errors around the wanted positions."""
        self._lookup = None
        count = np.where(self.finite_only, self.finite, self.seen).astype(float)
        for j in range(self.lo.shape[1]):
            row, val, cnt = self.kept[j]
            if not row.size:
                continue
            start, end, base, total = self._segments(j)
            with np.errstate(invalid="ignore", divide="ignore"):
                lo = _position(self.lo[:, j], count, -1, self._left(self.seen))
                hi = _position(self.hi[:, j], count, +1, self._left(self.seen))
            r_lo, r_hi = lo - self.below[:, j], hi - self.below[:, j]
            cum = np.cumsum(cnt)
            first, last = start.copy(), end - 1
            ok = (count > 0) & (r_lo >= 0) & (r_lo < total)
            at = np.searchsorted(cum, (base + r_lo)[ok], side="right")
            first[ok] = at
            ok_hi = (count > 0) & (r_hi >= 0) & (r_hi < total)
            last[ok_hi] = np.searchsorted(cum, (base + r_hi)[ok_hi], side="right")
            self.a[ok, j] = val[at]
            self.b[ok_hi, j] = val[last[ok_hi]]
            # the values dropped under the new lower edge are counted there
            dropped = np.where(ok, np.where(first > 0, cum[np.maximum(first - 1, 0)], 0) - base, 0)
            self.below[:, j] += dropped
            idx = np.arange(row.size)
            keep = (idx >= first[row]) & (idx <= last[row])
            self.kept[j] = (row[keep], val[keep], cnt[keep])

    def _left(self, seen: int) -> float:
        """The share of the run still to come after ``seen`` iterations (1 without a total)."""
        if self.total is None:
            return 1.0
        return max(self.total - seen, 0) / self.total

    def _segments(self, j: int):
        row, _, cnt = self.kept[j]
        ids = np.arange(self.rows)
        start = np.searchsorted(row, ids, side="left")
        end = np.searchsorted(row, ids, side="right")
        cum = np.concatenate([[0], np.cumsum(cnt)])
        base = cum[start]
        return start, end, base, cum[end] - base

    def value(self, row: int, k: int) -> float:
        """The ``k``-th smallest (0-based) of all the row's values.

        Raises
        ------
        Missed
            No band of the row holds that rank.
        """
        v = self.values(np.array([row]), np.array([k]))[0]
        if not np.isnan(v):
            return float(v)
        raise Missed(f"rank {k} of row {row} is outside the values kept")

    def values(self, rows: np.ndarray, ks: np.ndarray, exact: dict | None = None) -> np.ndarray:
        """:meth:`value` of many ``(row, k)`` at once; NaN where no band holds the rank.
        ``exact`` maps rows taken again from all their values to those values, sorted:
        they are read there instead."""
        rows, ks = np.asarray(rows, dtype=np.int64), np.asarray(ks, dtype=np.int64)
        if self._lookup is None:  # tables read many ranks between two merges: index once
            self._lookup = [None if not self.kept[j][1].size else
                            (*self._segments(j)[2:], np.cumsum(self.kept[j][2]))
                            for j in range(self.lo.shape[1])]
        out = np.full(rows.shape, np.nan)
        todo = np.ones(rows.shape, dtype=bool)
        for j, look in enumerate(self._lookup):
            if look is None:
                continue
            base, total, cum = look
            r = ks - self.below[rows, j]
            hit = todo & (r >= 0) & (r < total[rows])
            out[hit] = self.kept[j][1][np.searchsorted(cum, base[rows[hit]] + r[hit], side="right")]
            todo &= ~hit
        for at, (row, k) in enumerate(zip(rows, ks) if exact else ()):
            if row in exact:
                out[at] = exact[row][k]
        return out

    def size(self) -> int:
        """Distinct values kept, over all rows and slots."""
        return sum(k[0].size for k in self.kept)


def _position(q: np.ndarray, count: np.ndarray, side: int, left: float = 1.0) -> np.ndarray:
    """The rank ``Z`` standard errors beyond quantile ``q`` among ``count`` values, as int64
    (rounded outwards); out of range where the band cannot be narrowed on that side.

    Where the wanted rank will lie among the values so far, once the run is over, has a
    variance of ``q (1 - q) / count`` times the share of the run still to come
    (``left``): the values seen are part of the final ones. So the bands close in on the
    wanted ranks as the run ends, and hold most values half-way through.
    """
    half = Z * np.sqrt(q * (1 - q) / count * left) + 2.0 / count
    pos = (q + side * half) * count
    pos = np.floor(pos) if side < 0 else np.ceil(pos)
    return np.where(np.isfinite(pos), pos, -1 if side < 0 else np.iinfo(np.int64).max // 2
                    ).astype(np.int64)
