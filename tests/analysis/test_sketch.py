"""The streamed order statistics: exact against a full sort, whatever the data and the chunks."""

import numpy as np
import pytest

from simulator.analysis import blocks, sketch, stats
from simulator.analysis.sketch import Missed, OrderSketch, cut
from simulator.analysis.tally import inverted_cdf_rank


def _run(x, ps, chunk, finite=None):
    """Feed ``x`` (rows, n) chunk by chunk as a run does; return the sketch and the ranks."""
    rows, n = x.shape
    ranks = [stats.percentile_ranks(n, p / 100) for p in ps]
    lo = np.array([[min(r) / n for r in ranks]] * rows)
    hi = np.array([[max(r) / n for r in ranks]] * rows)
    fin = np.zeros(rows, bool) if finite is None else finite
    sk = OrderSketch(lo, hi, fin, n)
    for at in range(0, n, chunk):
        part = x[:, at:at + chunk]
        if at == 0:
            sk.merge(OrderSketch(lo, hi, fin, n).first_cut(part))
        else:
            sk.merge(cut(part, *sk.bands()))
        sk.narrow()
    return sk, ranks


def _data(seed, rows, n):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0, 1, (rows, n))
    x[1] = np.round(x[1], 1)                      # heavy ties
    x[2] = 3.0                                    # one value throughout
    x[3, rng.random(n) < 0.3] = np.inf            # after the horizon, 30 %
    x[4] = np.where(rng.random(n) < 0.95, np.inf, x[4])  # almost never finishes
    x[5] = np.where(rng.random(n) < 0.5, rng.normal(0, 1, n), rng.normal(10, 1, n))  # two modes
    return x


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("chunk", [500, 1000, 4096])
def test_every_wanted_rank_equals_the_full_sort(seed, chunk):
    x = _data(seed, 8, 20_000)
    ps = (1.0, 10.0, 50.0, 80.0, 99.0)
    sk, ranks = _run(x, ps, chunk)
    full = np.sort(x, axis=1)
    for row in range(x.shape[0]):
        for trio in ranks:
            for k in trio:
                assert sk.value(row, k) == full[row, k], (row, k)
    # the same, many at once
    rows, ks = np.repeat(np.arange(x.shape[0]), 15), np.tile(np.ravel(ranks), x.shape[0])
    np.testing.assert_array_equal(sk.values(rows, ks), full[rows, ks])
    # the bands are narrow: far fewer values than the run kept
    assert sk.size() < 0.35 * x.size


@pytest.mark.parametrize("seed", [1, 2])
def test_the_first_cut_sets_the_edges_from_the_sorted_rows_and_cuts_as_a_scan(seed):
    """The first chunk's edges are the sorted rows' values at the bands' positions, and its
    cut from the sorted rows equals the plain scan's (`cut`) with those edges, entry for
    entry; also when rows repeat one source row (``src``) and some slots are unused."""
    x = _data(seed, 8, 3000)
    x[6] = np.round(x[6])                           # many values on the edges
    src = np.array([0, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7])
    ranks = [stats.percentile_ranks(30_000, p / 100) for p in (10.0, 50.0, 90.0)]
    lo = np.array([[min(r) / 30_000 for r in ranks]] * src.size)
    hi = np.array([[max(r) / 30_000 for r in ranks]] * src.size)
    lo[3, 1] = hi[3, 1] = np.nan                     # an unused slot
    fin = np.arange(src.size) % 4 == 3               # some rows rank among finite values
    first = OrderSketch(lo, hi, fin, 30_000)
    got = first.first_cut(x, 0, src)
    full = np.sort(x, axis=1)[src]
    count = np.where(fin, np.isfinite(x).sum(axis=1)[src], x.shape[1]).astype(float)
    for j in range(3):
        for side, q, edge in ((-1, lo, got.a), (1, hi, got.b)):
            with np.errstate(invalid="ignore"):
                pos = sketch._position(q[:, j], count, side, 0.9)
            ok = (pos >= 0) & (pos < x.shape[1])
            np.testing.assert_array_equal(edge[ok, j], full[ok, pos[ok]])
            assert np.isinf(edge[~ok, j]).all()
    want = cut(x, got.a, got.b, src)
    np.testing.assert_array_equal(got.below, want.below)
    np.testing.assert_array_equal(got.finite, want.finite)
    for mine, theirs in zip(got.kept, want.kept):
        for u, v in zip(mine, theirs):
            np.testing.assert_array_equal(u, v)
    assert sum(k[0].size for k in got.kept) > 0


def _on_their_own(x, ps, chunk, own):
    """As :func:`_run`, but chunks 1 to ``own`` are cut with bands of their own (each a
    first cut, as a worker makes one while the first chunk is still being scheduled) and
    merged after the first chunk, then the rest with the sketch's bands."""
    rows, n = x.shape
    ranks = [stats.percentile_ranks(n, p / 100) for p in ps]
    lo = np.array([[min(r) / n for r in ranks]] * rows)
    hi = np.array([[max(r) / n for r in ranks]] * rows)
    fin = np.zeros(rows, bool)
    sk = OrderSketch(lo, hi, fin, n)
    parts = [OrderSketch(lo, hi, fin, n).first_cut(x[:, at:at + chunk])
             for at in range(0, (own + 1) * chunk, chunk)]
    for part in parts:
        sk.merge(part)
        sk.narrow()
    for at in range((own + 1) * chunk, n, chunk):
        sk.merge(cut(x[:, at:at + chunk], *sk.bands()))
        sk.narrow()
    return sk, ranks, parts


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunks_cut_with_bands_of_their_own_still_give_every_rank(seed):
    """Chunks cut on their own have bands narrower than the sketch's on some side; merged,
    the sketch keeps only the overlap, counting what lies under it: every wanted rank is
    still the full sort's."""
    x = _data(seed, 8, 20_000)
    ps = (1.0, 10.0, 50.0, 80.0, 99.0)
    sk, ranks, parts = _on_their_own(x, ps, 1000, 3)
    # by chance alone, some of their edges lie inside the first chunk's, on either side
    first, later = parts[0], parts[1:]
    assert any((p.a > first.a).any() for p in later) and any((p.b < first.b).any() for p in later)
    full = np.sort(x, axis=1)
    rows, ks = np.repeat(np.arange(x.shape[0]), 15), np.tile(np.ravel(ranks), x.shape[0])
    np.testing.assert_array_equal(sk.values(rows, ks), full[rows, ks])
    assert sk.size() < 0.35 * x.size
    # any rank the sketch answers for, wanted or not, is the full sort's: none is made up
    every = np.arange(x.shape[1])
    for row in range(x.shape[0]):
        got = sk.values(np.full(every.size, row), every)
        known = ~np.isnan(got)
        np.testing.assert_array_equal(got[known], full[row, known])


@pytest.mark.parametrize("second, inside_at", [
    (np.linspace(30.0, 70.0, 100), (True, True)),    # closer together: inside on both sides
    (np.arange(-20.0, 80.0), (False, True)),         # earlier: only its upper edge is inside
    (np.arange(20.0, 120.0), (True, False)),         # later: only its lower edge
])
def test_the_overlap_of_bands_counts_exactly_what_lies_under_it(second, inside_at):
    """A chunk cut on its own with an edge inside the sketch's band: the merged sketch's
    edges are the overlap's, and its count under the lower edge and its values kept are
    those of both chunks' values, by hand."""
    first = np.arange(0.0, 100.0)[None]               # 0 .. 99
    second = second[None]
    lo, hi = np.array([[0.5]]), np.array([[0.5]])
    make = lambda: OrderSketch(lo, hi, np.zeros(1, bool), 200)  # noqa: E731
    a, b = make().first_cut(first), make().first_cut(second)
    assert (b.a[0, 0] > a.a[0, 0], b.b[0, 0] < a.b[0, 0]) == inside_at
    sk = make()
    sk.merge(a)
    sk.merge(b)
    edge_lo, edge_hi = max(a.a[0, 0], b.a[0, 0]), min(a.b[0, 0], b.b[0, 0])
    assert (sk.a[0, 0], sk.b[0, 0]) == (edge_lo, edge_hi)
    both = np.concatenate([first[0], second[0]])
    assert sk.below[0, 0] == (both < edge_lo).sum()
    row, val, cnt = sk.kept[0]
    inside = both[(both >= edge_lo) & (both <= edge_hi)]
    values, counts = np.unique(inside, return_counts=True)
    np.testing.assert_array_equal(val, values)
    np.testing.assert_array_equal(cnt, counts)
    assert (row == 0).all()
    full = np.sort(both)
    for k in range(sk.below[0, 0], sk.below[0, 0] + inside.size):
        assert sk.value(0, k) == full[k]
    for k in (int(sk.below[0, 0]) - 1, int(sk.below[0, 0]) + inside.size):  # just outside
        with pytest.raises(Missed):
            sk.value(0, k)


@pytest.mark.parametrize("threads", [2, 3])
def test_a_first_cut_sorted_on_threads_is_the_same_cut(threads):
    """Rows sorted in blocks on several threads give the one-thread cut, entry for entry,
    with rows enough to be split (and the rows given left as they were)."""
    x = np.vstack([_data(seed, 8, 3000) for seed in range(40)])   # 320 rows
    assert x.shape[0] >= blocks.MIN_ROWS
    lo, hi = np.full((x.shape[0], 1), 0.5), np.full((x.shape[0], 1), 0.5)
    fin = np.zeros(x.shape[0], bool)
    given = x.copy()
    one = OrderSketch(lo, hi, fin, 30_000).first_cut(x)
    many = OrderSketch(lo, hi, fin, 30_000).first_cut(x, threads=threads)
    np.testing.assert_array_equal(x, given)
    for name in ("a", "b", "below", "finite"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name))
    for mine, theirs in zip(one.kept, many.kept):
        for u, v in zip(mine, theirs):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("rows, threads", [(1000, 3), (257, 2), (100, 4), (0, 2)])
def test_blocks_of_rows_cover_each_row_once(rows, threads):
    seen = np.zeros(rows, int)

    def mark(block):
        seen[block] += 1

    blocks.by_rows(mark, rows, threads)
    assert (seen == 1).all()


def test_an_error_in_a_block_of_rows_is_raised():
    def fail(block):
        if block.start > 0:
            raise ValueError("block")

    with pytest.raises(ValueError, match="block"):
        blocks.by_rows(fail, 1000, 2)


def test_the_bands_grow_as_the_square_root_of_the_iterations():
    sizes = []
    for n in (16_000, 64_000):
        x = np.random.default_rng(4).normal(size=(4, n))
        sk, _ = _run(x, (50.0,), 1000)
        sizes.append(sk.size())
    assert 1.6 < sizes[1] / sizes[0] < 2.4  # sqrt(4) = 2; linear would be 4


def test_ranks_among_the_finite_values():
    x = _data(5, 8, 12_000)
    n = x.shape[1]
    sk = OrderSketch(np.full((8, 1), 0.99), np.full((8, 1), 0.99), np.ones(8, bool), n)
    sk.merge(OrderSketch(sk.lo, sk.hi, sk.finite_only, n).first_cut(x[:, :1000]))
    for at in range(1000, n, 1000):
        sk.merge(cut(x[:, at:at + 1000], *sk.bands()))
        sk.narrow()
    for row in range(8):
        f = np.sort(x[row][np.isfinite(x[row])])
        if f.size:
            k = inverted_cdf_rank(f.size, 0.99)
            assert sk.value(row, k) == np.quantile(f, 0.99, method="inverted_cdf")
        assert sk.finite[row] == f.size


def test_a_band_that_missed_says_so(monkeypatch):
    # with no margin the bands follow the first chunks' quantiles and lose the final ones
    monkeypatch.setattr(sketch, "Z", 0.0)
    x = _data(6, 8, 20_000)
    x[0, 10_000:] += 5.0  # the second half is later: the median moves out of the band
    sk, ranks = _run(x, (50.0,), 1000)
    with pytest.raises(Missed):
        sk.value(0, ranks[0][0])


def test_inverted_cdf_rank_is_numpys():
    for n in (1, 2, 3, 7, 10, 100, 8192, 10_001, 99_999):
        idx = np.arange(n, dtype=float)
        for q in (0.0, 0.01, 0.1, 0.5, 0.8, 0.85, 0.9, 0.99, 1.0):
            assert inverted_cdf_rank(n, q) == np.quantile(idx, q, method="inverted_cdf"), (n, q)


def test_nan_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        cut(np.array([[1.0, np.nan]]), np.full((1, 1), -np.inf), np.full((1, 1), np.inf))


def test_a_rank_just_past_one_band_is_read_from_the_next():
    """Two slots whose bands abut: rank 3 is the first value of the second, not past the first."""
    sk = OrderSketch(np.array([[0.1, 0.5]]), np.array([[0.2, 0.6]]), np.zeros(1, bool))
    sk.kept = [(np.zeros(3, np.int64), np.array([1.0, 2.0, 3.0]), np.ones(3, np.int64)),
               (np.zeros(2, np.int64), np.array([4.0, 5.0]), np.ones(2, np.int64))]
    sk.below = np.array([[0, 3]])
    assert [sk.value(0, k) for k in range(5)] == [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(Missed):
        sk.value(0, 5)
    np.testing.assert_array_equal(sk.values(np.zeros(6, int), np.arange(6)),
                                  [1.0, 2.0, 3.0, 4.0, 5.0, np.nan])


def test_p90_of_units_held_from_the_counts_per_whole_number():
    """Eight iterations hold 0 units and two hold 3: the P90 (the 9th of 10) is 3."""
    from simulator.analysis.extras import Extras, ExtrasLayout
    lay = ExtrasLayout(10, np.array([1.0, 2.0]), 4, (0, 4, 8), 0, 1, ("m",))
    ex = Extras(lay)
    ex.n = 10
    ex.held[0, 0] = [8, 0, 0, 2]   # month 1: the 9th smallest is 3
    ex.held[0, 1] = [1, 8, 1, 0]   # month 2: the 9th smallest is 1
    held = np.array([[0] * 8 + [3] * 2, [0] + [1] * 8 + [2]], dtype=float)
    np.testing.assert_array_equal(ex.held_p90(0, 2), stats.percentiles(held, (90.0,))[:, 0, 0])


def test_equal_values_are_kept_once_however_many_chunks_bring_them():
    """A row pinned to one value (a milestone at a fixed date) keeps one entry per band,
    not one per chunk: the memory of discrete rows does not grow with the run."""
    x = np.full((2, 20_000), 3.0)
    x[1, ::2] = 4.0  # two values, half each
    sk, ranks = _run(x, (10.0, 50.0, 90.0), 1000)
    assert sk.value(0, ranks[1][0]) == 3.0 and sk.value(1, ranks[2][0]) == 4.0
    assert sk.value(1, ranks[0][0]) == 3.0
    assert sk.size() <= 2 * 3 * 2  # rows x slots x distinct values


def test_a_cut_of_repeated_rows_equals_the_cut_of_the_rows_written_out():
    """``cut(x, a, b, src)`` stores repeated rows once (a coverage's months after its last
    change); it must give what cutting ``x[src]`` gives, whether a repeated row's edges
    equal the row before's (its counts are copied) or not."""
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(0, 1, (4, 2000)), 1)
    src = np.array([0, 0, 0, 1, 2, 2, 2, 2, 3, 3])
    a = np.tile([[-1.0, 0.0], [-0.5, 0.3]][0], (src.size, 1))
    b = np.tile([-0.6, 0.8], (src.size, 1))
    a[5], b[5] = [-0.3, 0.1], [0.2, 1.0]           # a repeat with edges of its own
    b[7] = [-0.4, 1.2]                             # and one with only its upper edges
    a[2] = [-1.2, -0.2]                            # or its lower ones of its own
    a[9, 1], b[9, 1] = np.inf, -np.inf             # and one with an unused slot
    got, want = cut(x, a, b, src), cut(x[src], a, b)
    np.testing.assert_array_equal(got.below, want.below)
    np.testing.assert_array_equal(got.finite, want.finite)
    for mine, theirs in zip(got.kept, want.kept):
        for u, v in zip(mine, theirs):
            np.testing.assert_array_equal(u, v)
    assert (got.below[1] == got.below[0]).all() and got.kept[0][0].size > src.size


def _cut_by_hand(x, a, b):
    """``cut``'s counts and lists, cell by cell with plain numpy: per slot and row the
    values under the lower edge, then (row, value, count) for the lower edge, each distinct
    value strictly inside, and the upper edge when it is above the lower one."""
    rows, slots = a.shape
    below = np.zeros((rows, slots), np.int64)
    kept = []
    for j in range(slots):
        entries = []
        for r in range(rows):
            lo, hi, v = a[r, j], b[r, j], x[r]
            if lo > hi:
                continue
            below[r, j] = (v < lo).sum()
            if (v == lo).any():
                entries.append((r, lo, (v == lo).sum()))
            vals, counts = np.unique(v[(v > lo) & (v < hi)], return_counts=True)
            entries += [(r, u, c) for u, c in zip(vals, counts)]
            if hi > lo and (v == hi).any():
                entries.append((r, hi, (v == hi).sum()))
        kept.append(tuple(np.array([e[k] for e in entries], dtype)
                          for k, dtype in enumerate((np.int64, float, np.int64))))
    return below, kept


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_cut_equals_counting_and_listing_by_hand(seed):
    """Every count and list of a later chunk's cut against a cell-by-cell reference: bands
    that overlap (one value inside two of a row's bands), edges on tied values, infinite
    values and edges, a band of one value, unused slots, and a row with nothing inside."""
    rng = np.random.default_rng(seed)
    x = _data(seed, 8, 3000)
    x[6] = np.round(x[6])
    x[7] = np.round(rng.normal(5, 2, 3000), 1)
    q = np.quantile(np.where(np.isfinite(x), x, 1e9), [0.05, 0.3, 0.45, 0.6, 0.8, 0.95], axis=1).T
    a = np.column_stack([q[:, 0], q[:, 1], q[:, 3]])
    b = np.column_stack([q[:, 2], q[:, 4], q[:, 5]])     # slots 0 and 1 overlap
    a[2], b[2] = [2.0, 3.0, 1.0], [4.0, 3.0, 2.0]         # a pinned row: on an edge, one value
    a[3, 2] = b[3, 2] = np.inf                            # edges at the horizon
    a[4, 0], b[4, 0] = np.inf, -np.inf                    # an unused slot
    a[5, 1], b[5, 1] = 100.0, 200.0                       # nothing inside
    a[6, 2] = b[6, 2] = np.round(a[6, 2])                 # a band of one (tied) value
    got = cut(x, a, b)
    below, kept = _cut_by_hand(x, a, b)
    np.testing.assert_array_equal(got.below, below)
    np.testing.assert_array_equal(got.finite, np.isfinite(x).sum(axis=1))
    for mine, theirs in zip(got.kept, kept):
        for u, v in zip(mine, theirs):
            np.testing.assert_array_equal(u, v)
    assert min(k[0].size for k in got.kept) > 100
