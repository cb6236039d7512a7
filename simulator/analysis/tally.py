"""A run reduced chunk by chunk to what its tables need: exact, mergeable, and small.

Each chunk of iterations is reduced where it was scheduled (:func:`reduce_chunk`)
to counts, sums and the bands of an :class:`~.sketch.OrderSketch`, and the parts
are merged in chunk order (:meth:`Tally.merge`). The summary, the rollouts'
times to coverage, the waiting for resources, the benefits and the planned-date
tables are then read from the tally (``Result.summary``, ``rollouts.coverage_summary``
and ``waiting``, ``benefits.benefit_table``, ``calibrate.calibration`` and
``planned_dates``), whether the run kept every iteration or only its first chunk: a
run kept whole is reduced the same way, so the two give the same bytes.

The per-iteration quantities ("rows") are, in this order: the start and the
finish of every shown phase and milestone and of every initiative; per rollout,
the time to each coverage level; per benefit rate and their total, the benefit by
the deadline and the present value; the actual/planned ratio and the slip of the
planned elements; and the finish of each resource claimant and rollout unit (for
the 99th percentile that ends the run's grid).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..engines.cpm import Schedule
from ..scenario.network import Network
from . import critical, stats
from .blocks import by_rows
from .daycount import inverted_cdf_rank
from .extras import Extras, ExtrasPart, extras_layout, reduce_extras
from .sketch import Cut, Missed, OrderSketch, cut

#: Coverage levels with a row: the union of those whose times and deadline shares are reported.
LEVELS = (0.5, 0.8, 0.9, 1.0)


@dataclass(frozen=True, eq=False)
class Layout:
    """Which row is which quantity, and the ranks, sums and counts each row needs.

    Built once per run (:func:`layout`) and sent with every chunk.
    """

    iterations: int
    shown: np.ndarray                      # activity indices in the summary
    blocks: dict                           # name -> slice of rows
    lo: np.ndarray                         # (rows, slots) wanted quantiles, NaN unused
    hi: np.ndarray
    finite: np.ndarray                     # (rows,) ranks among the finite values
    ranks: dict                            # row -> 0-based ranks needed (None: from finite count)
    moments: np.ndarray                    # rows with a mean and a standard deviation
    hit_rows: np.ndarray                   # (hits,) row of each "value <= at" count
    hit_at: np.ndarray
    planned: tuple = ()                    # Planned of the "ratio" rows
    slips: tuple = ()                      # Planned of the "slip" rows
    dated: tuple = ()                      # Planned of the planned-date rows (hits)
    p99: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # activity rows
    extras: object = None                  # ExtrasLayout when the run keeps a report's extras
    benefits: bool = False
    finish_rows: dict = field(default_factory=dict)  # element id -> its finish row
    paired: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # rows with bits
    others: tuple = ()                     # targets beyond the scenario's (see target_stats)

    @property
    def rows(self) -> int:
        return self.lo.shape[0]


def layout(net: Network, scenario, iterations: int, report: bool = False,
           compared: tuple[str, ...] = (), targets: tuple[str, ...] = ()) -> Layout:
    """The rows of a run of ``scenario`` (compiled as ``net``) of ``iterations``; with
    ``report``, the report's :mod:`extras <simulator.analysis.extras>` too; with
    ``compared`` (ids of shown elements and initiatives), what a comparison of runs
    needs of each beyond its P50 and P80 (among every run's percentiles): per
    iteration, whether it finished by the deadline (a bit, kept in chunk order); with
    ``targets``, what a sensitivity to each needs (:func:`target_stats`), and with
    ``report`` their finishes."""
    from . import calibrate as cal
    from .benefits import PERCENTILES as BENEFIT_PERCENTILES
    from .rollouts import TIME_LEVELS, _claimants
    n = iterations
    shown = np.flatnonzero(net.shown)
    elements = len(shown) + len(net.initiative_ids)
    rates = len(scenario.benefits.rates) + 1 if scenario.benefits is not None else 0
    plan = cal.planned_schedule(net)
    ratio = [p for p in cal.planned_elements(net, scenario, plan=plan)
             if np.isfinite(p.finish) and p.finish > p.start]
    dated_ids = [i.id for i in scenario.initiatives] + [m.id for m in scenario.milestones
                                                         if m.planned is not None]
    dated = cal.planned_elements(net, scenario, dated_ids, plan=plan)
    slips = [p for p in dated if np.isfinite(p.finish)]
    p99 = np.unique(np.concatenate([_claimants(net), *[r.units for r in net.rollouts]])
                    .astype(np.int64))
    sizes = {"start": elements, "finish": elements, "coverage": len(net.rollouts) * len(LEVELS),
             "benefit": 2 * rates, "ratio": len(ratio), "slip": len(slips), "p99": len(p99)}
    blocks, at = {}, 0
    for name, size in sizes.items():
        blocks[name] = slice(at, at + size)
        at += size
    slots = max(len(net.percentiles), len(BENEFIT_PERCENTILES), len(cal.QUANTILES),
                len(cal.SLIP_QUANTILES), 1)
    lo, hi = np.full((at, slots), np.nan), np.full((at, slots), np.nan)
    finite = np.zeros(at, dtype=bool)
    ranks: dict[int, list[int] | None] = {}

    def want(rows, groups):  # groups: per slot, the ranks it serves
        for r in rows:
            ranks[r] = sorted({k for g in groups for k in g})
            for j, g in enumerate(groups):
                lo[r, j], hi[r, j] = min(g) / n, max(g) / n

    pct = [stats.percentile_ranks(n, p / 100) for p in net.percentiles]
    want(range(blocks["start"].start, blocks["finish"].stop), pct)
    cov = blocks["coverage"].start
    want([cov + r * len(LEVELS) + LEVELS.index(x) for r in range(len(net.rollouts))
          for x in TIME_LEVELS], pct)
    want(range(blocks["benefit"].start, blocks["benefit"].stop),
         [stats.percentile_ranks(n, p / 100) for p in BENEFIT_PERCENTILES])
    want(range(blocks["ratio"].start, blocks["ratio"].stop),
         [[inverted_cdf_rank(n, q)] for q in cal.QUANTILES])
    want(range(blocks["slip"].start, blocks["slip"].stop),
         [[inverted_cdf_rank(n, q)] for q in cal.SLIP_QUANTILES])
    for r in range(blocks["p99"].start, blocks["p99"].stop):
        lo[r, 0] = hi[r, 0] = 0.99
        finite[r] = True
        ranks[r] = None
    moments = np.concatenate([np.arange(blocks["start"].start, blocks["finish"].stop),
                              np.arange(blocks["benefit"].start, blocks["benefit"].stop)])
    fin = blocks["finish"].start
    element_of = {**{net.ids[i]: fin + k for k, i in enumerate(shown)},
                  **{x: fin + len(shown) + k for k, x in enumerate(net.initiative_ids)}}
    paired = np.array([element_of[e] for e in compared], np.int64)  # P50, P80: always wanted
    others = tuple(t for t in dict.fromkeys(targets) if t != net.target)
    hit_rows = [*range(fin, blocks["finish"].stop), *range(cov, blocks["coverage"].stop),
                *(element_of[p.id] for p in dated)]
    hit_at = [net.deadline_time] * (elements + sizes["coverage"]) + [p.finish for p in dated]
    return Layout(n, shown, blocks, lo, hi, finite, ranks, moments, np.array(hit_rows, np.int64),
                  np.array(hit_at, float), tuple(ratio), tuple(slips), tuple(dated), p99,
                  extras=extras_layout(net, n, others) if report else None,
                  benefits=scenario.benefits is not None, finish_rows=element_of, paired=paired,
                  others=others)


def values(lay: Layout, net: Network, scenario, sched: Schedule, threads: int = 1) -> np.ndarray:
    """The rows of one chunk: shape (rows, iterations of the chunk); the activities' rows
    copied on up to ``threads`` threads."""
    from .benefits import benefit_samples
    from .rollouts import coverage_times_of
    shown, m = lay.shown, sched.finish.shape[1]
    out = np.empty((lay.rows, m))
    # the activities' rows are written in place: a wide network's are most of the chunk
    at = 0
    for dates, whole in ((sched.start, np.min), (sched.finish, np.max)):  # initiatives span
        by_rows(lambda r: np.take(dates, shown[r], axis=0, out=out[at + r.start:at + r.stop],
                                  mode="clip"), shown.size, threads)  # mode="clip": unbuffered
        at += shown.size
        for k, mem in enumerate(net.initiative_members):
            whole(dates[mem], axis=0, out=out[at + k])
        at += len(net.initiative_members)
    parts = [coverage_times_of(sched.finish[r.units], r.weights, LEVELS) for r in net.rollouts]
    if lay.benefits:
        b = benefit_samples(scenario, net, sched)
        parts += [b.by_deadline, b.total_by_deadline, b.present_value, b.total_present_value]
    for p in lay.planned:
        parts.append((critical.target_finish(net, sched, p.id) - p.start) / (p.finish - p.start))
    for p in lay.slips:
        parts.append(critical.target_finish(net, sched, p.id) - p.finish)
    parts.append(sched.finish[lay.p99])
    for x in parts:
        x = np.atleast_2d(x)
        out[at:at + x.shape[0]] = x
        at += x.shape[0]
    # -0.0 becomes 0.0: the two compare equal, and which a band kept would depend on the
    # order its values were sorted in
    return np.add(out, 0.0, out=out)


@dataclass
class Part:
    """What one chunk contributes to a :class:`Tally` (see :func:`reduce_chunk`)."""

    cut: Cut
    moments: np.ndarray                   # stats.chunk_moments of the rows with a mean
    hits: np.ndarray
    crit: np.ndarray
    icrit: np.ndarray
    waits: tuple | None
    durations: np.ndarray | None = None   # moments of each activity's duration
    target: np.ndarray | None = None      # moments of the target's finite finishes
    extras: ExtrasPart | None = None
    bits: np.ndarray | None = None        # packed "finish <= deadline" of the paired rows
    others: tuple = ()                    # per other target: criticality counts, moments


def reduce_chunk(lay: Layout, net: Network, scenario, sched: Schedule,
                 bands: tuple[np.ndarray, np.ndarray] | None, extra_bands=None,
                 threads: int = 1) -> Part:
    """Reduce one chunk's schedule: the sketch's cut with ``bands`` (None for the first chunk:
    bands set from its own values), every count and sum, and the extras (with
    ``extra_bands``) when the layout has them. The values are copied and, for a first cut,
    sorted on up to ``threads`` threads; the part does not depend on them."""
    x = values(lay, net, scenario, sched, threads)
    hits = _blocks(lambda b: (x[lay.hit_rows[b]] <= lay.hit_at[b, None]).sum(axis=1),
                   lay.hit_rows.size, np.zeros(0, np.int64))
    moments = _blocks(lambda b: stats.chunk_moments(x[lay.moments[b]]), lay.moments.size, EMPTY)
    bits = np.packbits(x[lay.paired] <= net.deadline_time, axis=1) if lay.paired.size else None
    if bands is None:  # the first chunk sets its own bands (and sorts x in place: last use)
        part_cut = OrderSketch(lay.lo, lay.hi, lay.finite, lay.iterations).first_cut(
            x, overwrite=True, threads=threads)
    else:
        part_cut = cut(x, *bands)
    crit = critical.criticality_counts(net, sched, net.target)
    icrit = critical.initiative_counts(net, sched)
    from .rollouts import waiting_sums
    extras = None if lay.extras is None else reduce_extras(lay.extras, net, sched, extra_bands)
    target = critical.target_finish(net, sched, net.target)
    durations = _blocks(lambda b: stats.chunk_moments(sched.durations[b]),
                        sched.durations.shape[0], EMPTY)
    return Part(part_cut, moments, hits, crit, icrit, waiting_sums(net, sched), durations,
                stats.chunk_moments(target[None], finite_only=True), extras, bits,
                tuple(_target_part(net, sched, t) for t in lay.others))


def _target_part(net: Network, sched: Schedule, target: str) -> tuple[np.ndarray, np.ndarray]:
    """One chunk's criticality counts to ``target`` and moments of its finite finishes."""
    finish = critical.target_finish(net, sched, target)
    return (critical.criticality_counts(net, sched, target),
            stats.chunk_moments(finish[None], finite_only=True))


def target_stats(result, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Per activity, the iterations in which it drives ``target``, and the
    :func:`stats.chunk_moments` of the target's finite finishes, over the whole run.

    Summed and merged chunk by chunk in chunk order, as a streamed run does, whether
    the run kept every iteration or reduced them for this target
    (``simulate(targets=...)``): the same bytes either way.
    """
    tally = result.streamed
    if target == result.network.target:
        return result.tally.crit, result.tally.target
    if tally is not None and target in tally.others:
        return tally.others[target]
    critical.target_members(result.network, target)  # a typo is named as such, not as a lack
    from ..sampling.streams import CHUNK
    sched = result.whole(f"the criticality to {target}", instead=f"targets=[{target!r}]").schedule
    stats_so_far = (None, None)
    for lo in range(0, result.iterations, CHUNK):
        stats_so_far = _add_target_part(stats_so_far, _target_part(
            result.network, sched.columns(lo, min(lo + CHUNK, result.iterations)), target))
    return stats_so_far


def _add_target_part(so_far: tuple, part: tuple) -> tuple:
    """Criticality counts summed and finish moments merged: the next chunk's
    :func:`_target_part` added to those of the chunks before (``(None, None)`` at first)."""
    (crit, moments), (c, m) = so_far, part
    return c if crit is None else crit + c, stats.merge_moments(moments, m)


#: :func:`stats.chunk_moments` of no rows.
EMPTY = np.zeros((0, 4))


def _blocks(fn, n: int, empty: np.ndarray, block: int = 256) -> np.ndarray:
    """``fn`` of the row positions ``0 .. n`` a block at a time, concatenated: a wide
    network's temporaries stay a block's size. Rows are reduced on their own, so the
    result does not depend on the block."""
    parts = [fn(slice(i, i + block)) for i in range(0, n, block)]
    return np.concatenate(parts) if parts else empty


class Tally:
    """The merged parts of a run; see the module docstring.

    Parameters
    ----------
    lay : Layout
    """

    def __init__(self, lay: Layout):
        self.layout = lay
        self.sketch = OrderSketch(lay.lo, lay.hi, lay.finite, lay.iterations)
        self.n = 0
        self.moments = None
        self.hits = np.zeros(len(lay.hit_rows), dtype=np.int64)
        self.crit = self.icrit = None
        self.waits = self.durations = self.target = None
        self.exact: dict[int, np.ndarray] = {}  # rows taken again whole after a band missed
        self.extras = None if lay.extras is None else Extras(lay.extras)
        self.bits: list[tuple[np.ndarray, int]] = []  # per chunk: packed bits, iterations
        self.others: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # target -> counts, moments

    def merge(self, part: Part) -> None:
        """Add the next chunk's part (chunks in order: the sums depend on it)."""
        self.moments = stats.merge_moments(self.moments, part.moments)
        self.n += part.cut.seen
        self.hits += part.hits
        self.sketch.merge(part.cut)
        self.crit = part.crit if self.crit is None else self.crit + part.crit
        self.icrit = part.icrit if self.icrit is None else self.icrit + part.icrit
        self.durations = stats.merge_moments(self.durations, part.durations)
        self.target = stats.merge_moments(self.target, part.target)
        if part.extras is not None:
            self.extras.merge(part.extras)
        if part.bits is not None:
            self.bits.append((part.bits, part.cut.seen))
        for t, other in zip(self.layout.others, part.others):
            self.others[t] = _add_target_part(self.others.get(t, (None, None)), other)
        if part.waits is not None:
            self.waits = part.waits if self.waits is None else tuple(
                a + b for a, b in zip(self.waits, part.waits))

    def bands(self):
        """The bands to cut the next chunk with: the sketch's and the extras' (None before
        the first chunk)."""
        if not self.n:
            return None, None
        return self.sketch.bands(), None if self.extras is None else self.extras.bands()

    def needed(self, row: int) -> list[int]:
        """The 0-based ranks of ``row`` its tables read."""
        ks = self.layout.ranks.get(row)
        if ks is not None:
            return ks
        finite = int(self.sketch.finite[row])
        return [inverted_cdf_rank(finite, 0.99)] if finite else []

    def missing(self) -> list[int]:
        """Rows whose bands missed a needed rank: to be taken again from all their values."""
        pairs = [(row, k) for row in self.layout.ranks if row not in self.exact
                 for k in self.needed(row)]
        if not pairs:
            return []
        rows, ks = np.array(pairs).T
        found = self.sketch.values(rows, ks)
        return sorted(set(rows[np.isnan(found)].tolist()))

    def value(self, row: int, k: int) -> float:
        """The ``k``-th smallest (0-based) value of ``row`` over the whole run."""
        if row in self.exact:
            return float(self.exact[row][k])
        return self.sketch.value(row, k)

    def values(self, rows, ks) -> np.ndarray:
        """:meth:`value` of many ``(row, k)`` at once.

        Raises
        ------
        Missed
            A band missed one of the ranks and its row was not taken again.
        """
        out = self.sketch.values(rows, ks, self.exact)
        if np.isnan(out).any():
            raise Missed("a band missed a rank and the row was not taken again")
        return out

    def percentiles(self, rows, ps) -> np.ndarray:
        """As :func:`stats.percentiles` of those rows: shape (rows, len(ps), 3)."""
        rows = np.asarray(rows, dtype=np.int64)
        ks = np.array([stats.percentile_ranks(self.n, p / 100) for p in ps]).reshape(-1)
        out = self.values(np.repeat(rows, ks.size), np.tile(ks, rows.size))
        return out.reshape(rows.size, len(ps), 3)

    def quantiles(self, row: int, qs) -> np.ndarray:
        """As ``np.quantile(x, qs, method="inverted_cdf")`` of the row."""
        return self.values(np.full(len(qs), row), [inverted_cdf_rank(self.n, q) for q in qs])

    def mean_std(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (ddof 1) of rows with moments; NaN where any is infinite."""
        at = np.searchsorted(self.layout.moments, rows)
        m = self.moments[at]
        mean = np.where(m[:, 3] == 0, m[:, 1] / self.n, np.nan)
        std = stats.moment_sd(m)
        return mean, std

    def compared(self, element: str) -> bool:
        """Whether the run kept what a comparison needs of ``element`` (``layout(compared=...)``)."""
        return bool((self.layout.paired == self.layout.finish_rows.get(element, -1)).any())

    def on_time(self, element: str) -> np.ndarray:
        """Per iteration, whether a :meth:`compared` element finished by the deadline."""
        k = int(np.flatnonzero(self.layout.paired == self.layout.finish_rows[element])[0])
        return np.concatenate([np.unpackbits(b[k], count=m).astype(bool) for b, m in self.bits])

    def outlook(self, element: str) -> np.ndarray:
        """:func:`stats.outlook` of a :meth:`compared` element's finishes: P50, P80,
        P(by deadline)."""
        row = self.layout.finish_rows[element]
        pct = self.percentiles([row], stats.OUTLOOK)[0, :, 0]
        return np.array([*pct, self.hits[row - self.layout.blocks["finish"].start] / self.n])

    def finite_share(self, rows) -> np.ndarray:
        """Share of iterations with a finite value, per row."""
        return self.sketch.finite[rows] / self.n


__all__ = ["LEVELS", "Layout", "Part", "Tally", "inverted_cdf_rank", "layout", "reduce_chunk",
           "target_stats", "values"]


def complete(tally: Tally, chunk_rows) -> None:
    """Take the rows whose bands missed again from all their values.

    Parameters
    ----------
    chunk_rows : callable
        ``chunk_rows(rows)`` gives, chunk by chunk, the values of those rows
        (an iterable of (len(rows), chunk) arrays covering the whole run).
    """
    rows = tally.missing()
    if not rows:
        return
    whole = np.concatenate(list(chunk_rows(rows)), axis=1)
    for k, row in enumerate(rows):
        tally.exact[row] = np.sort(whole[k])


def tally_of(result) -> Tally:
    """The tally of a run that kept every iteration, reduced a chunk at a time as a
    streamed run is (so the two give the same bytes)."""
    from ..sampling.streams import CHUNK
    net, sc, sched = result.network, result.scenario, result.whole("a tally").schedule
    lay = layout(net, sc, result.iterations)
    tally = Tally(lay)
    spans = [(lo, min(lo + CHUNK, result.iterations)) for lo in range(0, result.iterations, CHUNK)]
    for lo, hi in spans:
        tally.merge(reduce_chunk(lay, net, sc, sched.columns(lo, hi), *tally.bands()))
        tally.sketch.narrow()
    complete(tally, lambda rows: (values(lay, net, sc, sched.columns(lo, hi))[rows]
                                  for lo, hi in spans))
    return tally
