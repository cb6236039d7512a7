"""Streams and draws: Latin Hypercube strata, independent streams per purpose and chunk,
and the copula's rank correlation, each against its exact or analytic value."""

from __future__ import annotations

import numpy as np
from scipy import special, stats
from strategies import compiled

from simulator.sampling.draws import sample_chunk
from simulator.sampling.streams import CHUNK, DURATION, FACTOR, OCCURS, stream, uniforms

IDS = [f"a{i}" for i in range(6)]


def test_lhs_puts_exactly_one_draw_in_each_stratum_of_every_row(seed):
    for n in (1, 2, 7, 1000):
        u = uniforms(seed, IDS, DURATION, 0, n, "lhs")
        assert u.shape == (len(IDS), n)
        assert ((0 <= u) & (u < 1)).all()
        strata = np.floor(u * n).astype(int)
        for row in strata:
            np.testing.assert_array_equal(np.sort(row), np.arange(n))


def test_lhs_rows_are_independent(seed):
    # Spearman of two independent rows has sd 1/sqrt(n - 1); a shared permutation gives 1
    n = 2000
    u = uniforms(seed, IDS, DURATION, 0, n, "lhs")
    r = np.corrcoef(np.argsort(np.argsort(u, axis=1), axis=1))
    off = r[~np.eye(len(IDS), dtype=bool)]
    assert np.abs(off).max() < 5 / np.sqrt(n - 1)


def test_mc_uniforms_are_uniform_and_rows_independent(seed):
    n = 4000
    u = uniforms(seed, IDS, DURATION, 0, n, "mc")
    for row in u:
        assert stats.kstest(row, "uniform").pvalue > 1e-6
    off = np.corrcoef(u)[~np.eye(len(IDS), dtype=bool)]
    assert np.abs(off).max() < 5 / np.sqrt(n - 1)


def test_one_elements_purposes_and_chunks_are_different_streams(seed):
    draws = {(p, c): stream(seed, "r", p, c).random(1000) for p in (DURATION, OCCURS, FACTOR) for c in (0, 1)}
    keys = list(draws)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert abs(np.corrcoef(draws[a], draws[b])[0, 1]) < 5 / np.sqrt(999), (a, b)


def _one_risk(p: float):
    return compiled({"scenario": {"name": "s", "version": "1", "start": "2022-01-01",
                                  "deadline": "2023-01-01", "unit": "days"},
                     "initiatives": [{"id": "x", "phases": [{"id": "a", "kind": "utvikling",
                                                             "duration": {"dist": "fixed", "value": 10}}]}],
                     "risks": [{"id": "r", "category": "vendor", "probability": p,
                                "impact": {"dist": "uniform", "min": 1, "max": 2},
                                "applies_to": {"ids": ["a"]}}]})


def test_a_fired_drivers_factor_is_drawn_independently_of_its_firing(seed):
    # P(fire) = 0.5 and factor ~ U(1, 2): among the fired iterations the factor is still U(1, 2),
    # mean 1.5 and half of them above 1.5; one uniform for both would put every fired factor below 1.5
    d = sample_chunk(_one_risk(0.5), seed, 0, CHUNK)
    fired = d.fired[0]
    factor = d.factor[0, fired]
    n = fired.sum()
    assert abs(fired.mean() - 0.5) < 5 * np.sqrt(0.25 / CHUNK)
    assert abs(factor.mean() - 1.5) < 5 * np.sqrt(1 / 12 / n)
    assert abs((factor > 1.5).mean() - 0.5) < 5 * np.sqrt(0.25 / n)


def test_every_chunk_draws_new_numbers(seed):
    net = _one_risk(0.5)
    d0, d1 = sample_chunk(net, seed, 0, CHUNK), sample_chunk(net, seed, 1, CHUNK)
    # independent chunks: the two chunks' factors are uncorrelated, and no value repeats
    assert abs(np.corrcoef(d0.factor[0], d1.factor[0])[0, 1]) < 5 / np.sqrt(CHUNK - 1)
    assert np.unique(np.concatenate([d0.factor[0], d1.factor[0]])).size == 2 * CHUNK
    agree = (d0.fired[0] == d1.fired[0]).mean()
    assert abs(agree - 0.5) < 5 * np.sqrt(0.25 / CHUNK)


def _correlated(rho: float):
    phases = [{"id": f"a{i}", "kind": "utvikling", "duration": {"dist": "uniform", "min": 0, "max": 1}}
              for i in range(2)]
    return compiled({"scenario": {"name": "s", "version": "1", "start": "2022-01-01",
                                  "deadline": "2023-01-01", "unit": "days"},
                     "initiatives": [{"id": f"x{i}", "phases": [p]} for i, p in enumerate(phases)],
                     "correlations": [{"id": "c", "rank_correlation": rho,
                                       "applies_to": {"ids": ["a0", "a1"]}}]})


def test_copula_reaches_the_requested_rank_correlation_not_the_pearson_one(seed):
    """With rank correlation 0.5 the copula's normal-scale correlation is 2 sin(pi/12) = 0.5176.
    Used directly as the normal correlation, 0.5 would give a rank correlation of
    (6/pi) asin(1/4) = 0.4826: 0.017 away, far beyond the 5 standard errors allowed here."""
    rho = 0.5
    net = _correlated(rho)
    chunks = 16  # 131,072 iterations: Spearman's standard error is about 0.0022
    u = np.hstack([sample_chunk(net, seed, c, CHUNK).base for c in range(chunks)])
    n = u.shape[1]
    r_normal = 2 * np.sin(np.pi * rho / 6)
    # marginals stay uniform
    for row in u:
        assert stats.kstest(row, "uniform").pvalue > 1e-6
    # Spearman of a bivariate normal: sd ~ sqrt((1 + r^2 / 2) / n) (1 - r^2) for the ranks
    se = (1 - rho ** 2) * np.sqrt((1 + rho ** 2 / 2) / n)
    spearman = stats.spearmanr(u[0], u[1]).statistic
    assert abs(spearman - rho) < 5 * se
    # and the test has the power to tell the two apart
    assert abs(spearman - 6 / np.pi * np.arcsin(rho / 2)) > 3 * se
    # the normal scores carry the Pearson correlation 2 sin(pi rho / 6)
    z = special.ndtri(u)
    pearson = np.corrcoef(z)[0, 1]
    assert abs(pearson - r_normal) < 5 * (1 - r_normal ** 2) / np.sqrt(n)
