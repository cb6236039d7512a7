"""What a report needs beyond the tally, reduced chunk by chunk in the same way.

- Coverage of each rollout at every month end to the horizon: its mean (a sum) and
  its P10, P50 and P90 (exact order statistics, from an :class:`~.sketch.OrderSketch`).
- Units of each resource held at every month end: the mean comes from the tally's
  day counts; the P90 from a count of the iterations at each whole number of units
  (units held are whole numbers, so the counts are exact and small).
- The finish of every initiative and milestone (and the target), counted per reported
  day (:class:`~.daycount.FinishDays`): the report's histograms, S-curves and saved
  ``finishes`` table. The counts are bounded by the days spanned, not by the iterations.

The month grid of a run's tables (:func:`.rollouts.grid`) ends at the month after the
99th percentile of the rollout units' and claimants' finishes, which is known only
when the run is over; it always begins as this grid does, so its tables are this
grid's first rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ..scenario.network import Network
from . import critical, stats
from .daycount import FinishDays
from .rollouts import coverage_on_grid, coverage_span, holding
from .sketch import Cut, Missed, OrderSketch, cut, join

#: Coverage percentiles drawn per month.
COVERAGE_PERCENTILES = (10.0, 50.0, 90.0)


def month_grid(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Dates and times of every month end from the start date to the horizon."""
    start = np.datetime64(net.start, "D")
    last = start + int(np.floor(net.horizon * net.unit_days)) + 1
    months = np.arange(start.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
    dates = (months + 1).astype("datetime64[D]") - 1
    times = (dates + 1 - start).astype(float) / net.unit_days
    keep = times <= net.horizon
    return dates[keep], times[keep]


def sample_columns(net: Network, targets: tuple[str, ...] = ()) -> list[str]:
    """The elements whose finishes are kept per iteration: initiatives, milestones, the
    scenario's target and ``targets``."""
    cols = [*net.initiative_ids, *[i for i, k in zip(net.ids, net.kinds) if k == "milestone"]]
    return list(dict.fromkeys([*cols, net.target, *targets]))


@dataclass(frozen=True, eq=False)
class ExtrasLayout:
    """The month grid, the coverage rows (rollout-major) and the units counted."""

    iterations: int
    times: np.ndarray
    levels: int                  # whole numbers of units counted: 0 .. levels - 1
    ranks: tuple                 # the coverage percentiles' 0-based ranks
    rollouts: int
    resources: int
    ids: tuple                   # elements whose finishes are kept (sample_columns)

    def sketch(self) -> OrderSketch:
        n, rows = self.iterations, self.rollouts * self.times.size
        q = np.array([k / n for k in self.ranks])
        return OrderSketch(np.tile(q, (rows, 1)), np.tile(q, (rows, 1)), np.zeros(rows, bool),
                           self.iterations)


def extras_layout(net: Network, iterations: int, targets: tuple[str, ...] = ()) -> ExtrasLayout:
    """The layout of a run of ``iterations`` of ``net``, keeping the finishes of ``targets``
    too."""
    _, times = month_grid(net)
    levels = int(net.claim_units.sum()) + 1 if net.claim_units.size else 1
    ranks = tuple(stats.percentile_ranks(iterations, p / 100)[0] for p in COVERAGE_PERCENTILES)
    return ExtrasLayout(iterations, times, levels, ranks, len(net.rollouts), len(net.resources),
                        tuple(sample_columns(net, targets)))


@dataclass
class ExtrasPart:
    """One chunk's part of :class:`Extras`."""

    coverage: Cut | None
    coverage_sums: np.ndarray
    held: np.ndarray             # (resources, months, levels) iterations counted
    finishes: list               # FinishDays of each of the layout's ids
    n: int                       # iterations in the chunk


def reduce_extras(lay: ExtrasLayout, net: Network, sched, bands) -> ExtrasPart:
    """Reduce one chunk for :class:`Extras` (``bands`` None for the first chunk)."""
    g, m = lay.times.size, sched.finish.shape[1]
    sums = np.zeros(len(net.rollouts) * g)
    part_cut = None
    if net.rollouts:
        first = lay.sketch() if bands is None else None
        cuts = []
        for k, r in enumerate(net.rollouts):  # a rollout at a time: its (months x chunk) only
            rows = slice(k * g, (k + 1) * g)
            # only the months in which some unit goes live are stored; the rest repeat
            cov, src = coverage_span(net, sched.finish[r.units], r.weights, lay.times)
            sums[rows] = cov.sum(axis=1)[src]
            cuts.append(first.first_cut(cov, k * g, src, overwrite=True) if first is not None else
                        cut(cov, bands[0][rows], bands[1][rows], src))
        part_cut = join(cuts)
    held = np.zeros((len(net.resources), g, lay.levels), dtype=np.int64)
    if sched.taken is not None:
        for k in range(len(net.resources)):
            a, b, units = holding(net, sched, lay.times, k)
            held_counts(a, b, units.astype(float), held[k])
    finishes = [FinishDays.of(critical.target_finish(net, sched, c), net.start, net.unit_days)
                for c in lay.ids]
    return ExtrasPart(part_cut, sums, held, finishes, m)


@njit(cache=True)
def held_counts(a, b, w, counts):
    """Add to ``counts[k, u]`` the iterations holding ``u`` units at grid point ``k``.

    Units held at point ``k`` are the sum of ``w[i]`` over the claims with
    ``a[i] <= k < b[i]`` (:func:`.rollouts.holding`), added up in the order
    :func:`.rollouts.held_span` adds them (each claim's units at its first point, taken
    off at its last, then a running sum over the grid), so they are the same numbers;
    whole numbers of units, as ``counts`` has a column for each. One iteration at a
    time: no (points, iterations) table is made.
    """
    g, levels = counts.shape
    diff = np.zeros(g + 1)
    # before an iteration's first claim the sum is 0, after its last release it stays as it
    # is: only the points between are summed, and the runs on either side are counted once
    # per iteration here, then spread over their points at the end
    lead = np.zeros(g + 1, np.int64)              # iterations whose first change is at k
    tail = np.zeros((g + 1, levels), np.int64)    # ... whose sum stays u from point k on
    for j in range(a.shape[1]):
        lo, hi = g, 0
        for i in range(a.shape[0]):
            diff[a[i, j]] += w[i]
            diff[b[i, j]] -= w[i]
            lo, hi = min(lo, a[i, j]), max(hi, b[i, j])
        lead[lo] += 1
        acc = 0.0
        u = 0
        last = min(hi, g - 1)
        for k in range(lo, last + 1):
            acc += diff[k]
            u = int(acc)
            if not 0 <= u < levels:  # the kernel does not check its indices
                raise ValueError("units held outside the counted range")
            counts[k, u] += 1
        tail[max(last + 1, lo), u] += 1
        for i in range(a.shape[0]):
            diff[a[i, j]] = diff[b[i, j]] = 0.0
    later = 0
    for k in range(g - 1, -1, -1):  # points before an iteration's first change hold 0 units
        later += lead[k + 1]
        counts[k, 0] += later
    run = np.zeros(levels, np.int64)
    for k in range(g):
        run += tail[k]
        counts[k] += run


class Extras:
    """The merged parts; see the module docstring."""

    def __init__(self, lay: ExtrasLayout):
        self.layout = lay
        self.coverage = lay.sketch() if lay.rollouts else None
        self.coverage_sums = np.zeros(lay.rollouts * lay.times.size)
        self.held = np.zeros((lay.resources, lay.times.size, lay.levels), dtype=np.int64)
        self.finishes = [FinishDays.merged([]) for _ in lay.ids]
        self.n = 0
        self.exact: dict[int, np.ndarray] = {}  # coverage rows taken again after a band missed

    def bands(self):
        """The bands to cut the next chunk's coverage with (None before the first)."""
        return self.coverage.bands() if self.coverage is not None and self.n else None

    def merge(self, part: ExtrasPart) -> None:
        """Add the next chunk's part (in chunk order)."""
        self.finishes = [FinishDays.merged([a, b]) for a, b in zip(self.finishes, part.finishes)]
        self.n += part.n
        if self.coverage is not None:
            self.coverage.merge(part.coverage)
            self.coverage.narrow()
        self.coverage_sums = self.coverage_sums + part.coverage_sums
        self.held += part.held


    def coverage_stats(self, g: int, points: int) -> tuple[np.ndarray, np.ndarray]:
        """Mean and the P10, P50, P90 of rollout ``g``'s coverage at the first ``points``
        month ends: shapes (points,) and (points, 3)."""
        rows = g * self.layout.times.size + np.arange(points)
        ks = np.array(self.layout.ranks)
        pct = self.coverage.values(np.repeat(rows, ks.size), np.tile(ks, rows.size), self.exact)
        if np.isnan(pct).any():
            raise Missed("a coverage band missed a rank and the row was not taken again")
        return self.coverage_sums[rows] / self.n, pct.reshape(points, ks.size)

    def held_p90(self, k: int, points: int) -> np.ndarray:
        """P90 of the units of resource ``k`` held at the first ``points`` month ends."""
        rank = stats.percentile_ranks(self.n, 0.9)[0]
        cum = np.cumsum(self.held[k, :points], axis=1)
        return np.argmax(cum > rank, axis=1).astype(float)


def extras_of(result) -> Extras:
    """The :class:`Extras` of a run that kept every iteration, reduced chunk by chunk."""
    from ..sampling.streams import CHUNK
    net, sched = result.network, result.whole("report extras").schedule
    out = Extras(extras_layout(net, result.iterations))
    for lo in range(0, result.iterations, CHUNK):
        out.merge(reduce_extras(out.layout, net, sched.columns(lo, min(lo + CHUNK, result.iterations)),
                                out.bands()))
    complete_extras(out, lambda rows: (coverage_rows(net, sched.columns(
        lo, min(lo + CHUNK, result.iterations)), out.layout.times)[rows]
        for lo in range(0, result.iterations, CHUNK)))
    return out


def coverage_rows(net: Network, sched, times: np.ndarray) -> np.ndarray:
    """Every rollout's coverage on the month grid, one chunk: (rollouts x months, iterations)."""
    g = times.size
    out = np.empty((len(net.rollouts) * g, sched.finish.shape[1]))
    for k, r in enumerate(net.rollouts):  # written in place: no stacked copy of the whole
        out[k * g:(k + 1) * g] = coverage_on_grid(net, sched.finish[r.units], r.weights, times)
    return out


def complete_extras(ex: Extras, chunk_rows) -> None:
    """Take the coverage rows whose bands missed again from every iteration.

    ``chunk_rows(rows)`` gives those rows of :func:`coverage_rows`, chunk by chunk.
    """
    if ex.coverage is None:
        return
    ks = np.array(ex.layout.ranks)
    every = np.arange(ex.coverage.rows)
    found = ex.coverage.values(np.repeat(every, ks.size), np.tile(ks, every.size))
    rows = np.unique(np.repeat(every, ks.size)[np.isnan(found)]).tolist()
    if rows:
        whole = np.concatenate(list(chunk_rows(rows)), axis=1)
        ex.exact = {row: np.sort(whole[i]) for i, row in enumerate(rows)}
