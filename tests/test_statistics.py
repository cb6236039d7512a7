"""End-to-end statistical checks against analytic answers, over several seeds.

Tolerances are at least 5 Monte Carlo standard errors; KS and chi-square tests
use p-value thresholds of 1e-6, so a false alarm over the whole suite is rare.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats
from texts import chain, phase

from simulator import compile_scenario, plan, simulate

N = 20_000
P_MIN = 1e-6


def fixed(v):
    return {"dist": "fixed", "value": v}


def test_chain_of_normals(build, seed):
    mus, sds = [30.0, 50.0, 20.0], [3.0, 5.0, 2.0]
    sc = build({"initiatives": [chain("x", *[phase(f"a{i}", {"dist": "normal", "mean": m, "sd": s})
                                            for i, (m, s) in enumerate(zip(mus, sds))])]})
    finish = simulate(sc, N, seed).finish("x")
    mu, var = sum(mus), sum(s * s for s in sds)
    assert abs(finish.mean() - mu) < 5 * np.sqrt(var / N)
    assert abs(finish.var(ddof=1) - var) < 5 * var * np.sqrt(2 / (N - 1))
    assert stats.kstest(finish, stats.norm(mu, np.sqrt(var)).cdf).pvalue > P_MIN


def test_merge_bias_of_parallel_paths(build, seed):
    k = 4
    sc = build({"initiatives": [chain(f"p{i}", phase(f"a{i}", {"dist": "uniform", "min": 0, "max": 10}),
                                      phase(f"b{i}", {"dist": "triangular", "min": 0, "mode": 2, "max": 8}))
                                for i in range(k)],
                "milestones": [{"id": "m", "after": [f"p{i}" for i in range(k)]}]})
    res = simulate(sc, N, seed)
    finish = res.finish("m")
    # one path's finish is uniform + triangular: its CDF by numerical convolution
    tri = stats.triang(c=2 / 8, loc=0, scale=8)
    def path_cdf(t):
        kinks = [x for x in (t - 8, t - 2, t) if 0 < x < 10]
        return integrate.quad(lambda x: tri.cdf(t - x) / 10, 0, 10, points=kinks or None, limit=200)[0]
    grid = np.linspace(0, 18, 37)
    exact = np.clip([path_cdf(t) ** k for t in grid], 0, 1)
    empirical = (finish[None, :] <= grid[:, None]).mean(axis=1)
    tol = 5 * np.sqrt(exact * (1 - exact) / N) + 1e-9
    assert np.all(np.abs(empirical - exact) <= tol)
    # the merge shifts the mean: E[max] > max E
    e_max = integrate.quad(lambda t: 1 - path_cdf(t) ** k, 0, 18, points=[2, 8, 10, 12], limit=200)[0]
    assert abs(finish.mean() - e_max) < 5 * finish.std() / np.sqrt(N)
    assert e_max > 5 + 10 / 3 + 1


def test_fixed_activity_with_one_driver_is_two_point(build, seed):
    p = 0.3
    sc = build({"initiatives": [chain("x", phase("a", fixed(10)))],
                "risks": [{"id": "r", "category": "vendor", "probability": p,
                           "impact": fixed(2), "applies_to": {"ids": ["a"]}}]})
    finish = simulate(sc, N, seed).finish("a")
    assert set(np.unique(finish)) == {10.0, 20.0}
    share = (finish == 20).mean()
    assert abs(share - p) < 5 * np.sqrt(p * (1 - p) / N)


def test_additive_delay_is_two_point(build, seed):
    p = 0.4
    sc = build({"initiatives": [chain("x", phase("a", fixed(10)))],
                "risks": [{"id": "r", "category": "dependency", "probability": p,
                           "delay": fixed(3), "applies_to": {"ids": ["a"]}}]})
    finish = simulate(sc, N, seed).finish("a")
    assert set(np.unique(finish)) == {10.0, 13.0}
    assert abs((finish == 13).mean() - p) < 5 * np.sqrt(p * (1 - p) / N)


def test_shared_driver_is_one_draw_for_all_its_phases(build, seed):
    p = 0.5
    sc = build({"initiatives": [chain("x", phase("a", fixed(10))), chain("y", phase("b", fixed(10)))],
                "milestones": [{"id": "m", "after": ["a", "b"]}],
                "risks": [{"id": "r", "category": "vendor", "probability": p,
                           "impact": fixed(2), "applies_to": {"ids": ["a", "b"]}}]})
    res = simulate(sc, N, seed)
    share = (res.finish("m") == 20).mean()
    se = np.sqrt(p * (1 - p) / N)
    assert abs(share - p) < 5 * se
    independent = 1 - (1 - p) ** 2
    assert abs(share - independent) > 20 * se
    np.testing.assert_array_equal(res.finish("a"), res.finish("b"))


def test_two_drivers_multiply(build, seed):
    sc = build({"initiatives": [chain("x", phase("a", fixed(10)))],
                "risks": [{"id": "r1", "category": "vendor", "probability": 1.0, "impact": fixed(2),
                           "applies_to": {"ids": ["a"]}},
                          {"id": "r2", "category": "vendor", "probability": 1.0, "impact": fixed(1.5),
                           "applies_to": {"ids": ["a"]}},
                          {"id": "r3", "category": "other", "probability": 1.0, "delay": fixed(1),
                           "applies_to": {"ids": ["a"]}}]})
    np.testing.assert_array_equal(simulate(sc, 100, seed).finish("a"), 31.0)


@pytest.mark.parametrize("dist,frozen", [
    ({"dist": "triangular", "min": 2, "mode": 5, "max": 14}, stats.triang(c=3 / 12, loc=2, scale=12)),
    ({"dist": "pert", "min": 2, "mode": 5, "max": 14}, stats.beta(1 + 4 * 3 / 12, 1 + 4 * 9 / 12, loc=2, scale=12)),
    ({"dist": "pert", "min": 2, "mode": 5, "max": 14, "lambda": 2},
     stats.beta(1 + 2 * 3 / 12, 1 + 2 * 9 / 12, loc=2, scale=12)),
    ({"dist": "uniform", "min": 3, "max": 9}, stats.uniform(3, 6)),
    ({"dist": "lognormal", "p50": 10, "p90": 18}, stats.lognorm(s=np.log(1.8) / stats.norm.ppf(0.9), scale=10)),
    ({"dist": "normal", "mean": 2, "sd": 3}, stats.truncnorm(-2 / 3, np.inf, loc=2, scale=3)),
], ids=["triangular", "pert", "pert-lambda2", "uniform", "lognormal", "normal-truncated"])
def test_duration_distributions_through_the_pipeline(build, seed, dist, frozen):
    sc = build({"initiatives": [chain("x", phase("a", dist))]})
    d = simulate(sc, N, seed).finish("a")
    assert abs(d.mean() - frozen.mean()) < 5 * frozen.std() / np.sqrt(N)
    # variance: the sample variance's standard error from the fourth central moment
    mu4 = frozen.expect(lambda x: (x - frozen.mean()) ** 4)
    se_var = np.sqrt((mu4 - frozen.var() ** 2) / N)
    assert abs(d.var(ddof=1) - frozen.var()) < 5 * se_var
    assert stats.kstest(d, frozen.cdf).pvalue > P_MIN


def test_zero_variance_gives_the_plan_exactly(build, seed):
    body = {"initiatives": [chain("x", phase("a", fixed(10)), phase("b", fixed(7), kind="innforing")),
                            chain("y", phase("c", fixed(3), after=[{"id": "a", "type": "SS", "lag": 2}]),
                                  phase("d", fixed(4), after=[{"id": "b", "type": "FF", "lag": 1}]))],
            "milestones": [{"id": "m", "after": ["y", "x"]}],
            "risks": [{"id": "r", "category": "vendor", "probability": 0.0,
                       "impact": {"dist": "uniform", "min": 1, "max": 3}, "applies_to": {"ids": ["a"]}},
                      {"id": "g", "category": "financing", "applies_to": {"ids": ["b"]},
                       "funding": {"decisions": {"yearly": "03-01"}, "grant_probability": 1.0}}],
            "blackouts": [{"id": "ferie", "window": {"from": "03-05", "until": "03-20"},
                           "applies_to": {"kinds": ["innforing"]}}]}
    sc = build(body)
    res = simulate(sc, 500, seed)
    # by hand, in days: a 0-10; b waits for the gate (1 March, day 59), works 4 days to the
    # blackout (5-20 March, days 63-79) and 3 after it: 59-82; c starts 2 after a: 2-5;
    # d must finish 1 after b (83), so starts at 79 (after c: fine); m follows x and y: 83
    ids = ["a", "b", "c", "d", "m"]
    start = {"a": 0, "b": 59, "c": 2, "d": 79, "m": 83}
    finish = {"a": 10, "b": 82, "c": 5, "d": 83, "m": 83}
    net = res.network
    for pid in ids:
        i = net.index(pid)
        np.testing.assert_array_equal(res.schedule.start[i], start[pid], err_msg=pid)
        np.testing.assert_array_equal(res.schedule.finish[i], finish[pid], err_msg=pid)
    planned = plan(compile_scenario(sc))
    assert [planned.finish[net.index(pid), 0] for pid in ids] == [finish[pid] for pid in ids]
    row = res.summary().loc["m"]
    assert row["finish_p10"] == row["finish_p90"] == row["planned_finish"] == 83


def test_funding_gate_start_is_geometric(build, seed):
    q = 0.35
    sc = build({"initiatives": [chain("x", phase("a", fixed(1)))],
                "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a"]},
                           "funding": {"decisions": {"yearly": "12-15"}, "grant_probability": q}}]},
               unit="months")
    res = simulate(sc, N, seed)
    net = res.network
    times = net.gates[0].times
    start = res.start("a")
    j = np.searchsorted(times, start)  # the decision each start lands on
    assert np.all(np.isin(start[np.isfinite(start)], times))
    counts = np.bincount(j, minlength=len(times) + 1)[:8]
    expected = N * q * (1 - q) ** np.arange(8)
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert stats.chi2.sf(chi2, df=8) > P_MIN
    # decisions are adopted state budgets: 15 December each year from the start
    assert str(net.to_dates(times[:1])[0]) == "2022-12-15"


def test_correlation_group_keeps_marginals_and_reaches_the_rank_correlation(build, seed):
    rho = 0.6
    sc = build({"initiatives": [chain("x", phase("a", {"dist": "uniform", "min": 0, "max": 10})),
                                chain("y", phase("b", {"dist": "triangular", "min": 0, "mode": 1, "max": 5}))],
                "correlations": [{"id": "c", "rank_correlation": rho, "applies_to": {"ids": ["a", "b"]}}]})
    res = simulate(sc, N, seed)
    a, b = res.finish("a"), res.finish("b")
    assert stats.kstest(a, stats.uniform(0, 10).cdf).pvalue > P_MIN
    assert stats.kstest(b, stats.triang(c=0.2, loc=0, scale=5).cdf).pvalue > P_MIN
    r = stats.spearmanr(a, b).statistic
    assert abs(r - rho) < 5 * (1 - rho ** 2) / np.sqrt(N - 3) * 1.1


def test_lhs_has_smaller_error_of_the_mean_than_mc(build):
    sc = build({"initiatives": [chain("x", phase("a", {"dist": "pert", "min": 5, "mode": 8, "max": 20}),
                                      phase("b", {"dist": "lognormal", "p50": 6, "p90": 12}))]})
    n, runs = 2000, 60
    means = {m: np.array([simulate(sc, n, s, sampling=m).finish("x").mean() for s in range(runs)])
             for m in ("mc", "lhs")}
    # LHS stratifies each input; the mean of a sum of two inputs gains a lot
    assert means["lhs"].std() < 0.5 * means["mc"].std()
    # and stays unbiased
    assert abs(means["lhs"].mean() - means["mc"].mean()) < 5 * means["mc"].std() / np.sqrt(runs)


def test_criticality_columns_on_a_chain_and_a_merge(build):
    sc = build({"initiatives": [chain("x", phase("a", fixed(10)), phase("b", fixed(5))),
                                chain("y", phase("c", fixed(3)))],
                "milestones": [{"id": "m", "after": ["x", "y"]}]})
    wide = simulate(sc, 200, 1).summary()
    assert list(wide.loc[["a", "b", "c", "m"], "criticality"]) == [1.0, 1.0, 0.0, 1.0]
    assert list(wide.loc[["a", "b", "c"], "criticality_initiative"]) == [1.0, 1.0, 1.0]
    assert np.isnan(wide.loc["m", "criticality_initiative"])


def test_progress_is_reported_for_every_iteration(tiny_file):
    from simulator import load_scenario
    seen = []
    simulate(load_scenario(tiny_file), 20_000, 1, progress=seen.append)
    assert sum(seen) == 20_000 and len(seen) == 3  # one call per chunk of 8,192
