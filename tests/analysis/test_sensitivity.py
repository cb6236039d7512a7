"""Sensitivity tables against analytic answers: criticality, SSI, cruciality, exclusion, merge bias."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import integrate, stats
from texts import TINY, chain, phase, scenario_text

from simulator import load_scenario, simulate
from simulator.analysis.sensitivity import (_spearman_rows, activity_sensitivity,
                                            driver_sensitivity, merge_bias, mitigated_risks,
                                            mitigation_effect, risk_ranking, risk_rankings)

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "veikart-22.1.yaml"

N = 10_000


def fixed(v):
    return {"dist": "fixed", "value": v}


def normal(mean, sd):
    return {"dist": "normal", "mean": mean, "sd": sd}


def uniform(lo, hi):
    return {"dist": "uniform", "min": lo, "max": hi}


def se_prop(p, n):
    """Monte Carlo standard error of a share estimated from n iterations."""
    return np.sqrt(p * (1 - p) / n)


def single_phase_with_risk(risk: dict, duration=None) -> dict:
    """One phase `a` (fixed 10 by default) in front of milestone `m`, with one risk on `a`."""
    return {"initiatives": [chain("x", phase("a", duration or fixed(10)))],
            "milestones": [{"id": "m", "after": ["a"]}],
            "risks": [{"id": "r", "category": "vendor", **risk, "applies_to": {"ids": ["a"]}}]}


@pytest.fixture
def tiny_with_gate(write):
    """TINY plus a funding gate on pll-innforing: both kinds of driver and a gate."""
    body = yaml.safe_load(TINY)
    body["risks"].append({"id": "budget", "category": "financing",
                          "funding": {"decisions": {"yearly": "06-01"}, "grant_probability": 0.5},
                          "applies_to": {"ids": ["pll-innforing"]}})
    return load_scenario(write(yaml.safe_dump(body, sort_keys=False), "gated.yaml"))


# --- criticality, SSI, cruciality --------------------------------------------------------

def test_criticality_of_parallel_paths_is_the_chance_one_is_longer(build, seed):
    mu_a, sd_a, mu_b, sd_b = 100.0, 10.0, 105.0, 5.0  # means >= 8 sd: truncation at 0 is nil
    sc = build({"initiatives": [chain("x", phase("a", normal(mu_a, sd_a))),
                                chain("y", phase("b", normal(mu_b, sd_b)))],
                "milestones": [{"id": "m", "after": ["a", "b"]}]})
    table = activity_sensitivity(simulate(sc, N, seed=seed))
    p = stats.norm.cdf((mu_a - mu_b) / np.hypot(sd_a, sd_b))
    assert table.loc["a", "criticality"] == pytest.approx(p, abs=5 * se_prop(p, N))
    # exactly one path drives the milestone in every iteration
    assert table.loc["a", "criticality"] + table.loc["b", "criticality"] == 1.0
    assert table.loc["m", "criticality"] == 1.0


def test_every_activity_of_a_chain_is_critical(build, seed):
    sc = build({"initiatives": [chain("x", phase("a", uniform(2, 9)), phase("b", fixed(3)),
                                      phase("c", {"dist": "pert", "min": 1, "mode": 4, "max": 12}))],
                "milestones": [{"id": "m", "after": ["x"]}]})
    table = activity_sensitivity(simulate(sc, 2000, seed=seed))
    assert (table["criticality"] == 1.0).all()


def test_only_uncertain_activity_of_a_chain_explains_the_finish(build, seed):
    sc = build({"initiatives": [chain("x", phase("a", fixed(5)), phase("b", uniform(10, 20)),
                                      phase("c", fixed(3)))],
                "milestones": [{"id": "m", "after": ["x"]}]})
    table = activity_sensitivity(simulate(sc, N, seed=seed))
    # the finish is b's duration plus constants: identical ranks, identical spread
    assert table.loc["b", "cruciality"] == pytest.approx(1.0, abs=1e-12)
    assert table.loc["b", "ssi"] == pytest.approx(1.0, rel=1e-9)
    assert table.loc[["a", "c", "m"], "cruciality"].isna().all()
    assert (table.loc[["a", "c", "m"], ["duration_sd", "ssi"]] == 0).all().all()
    # sd of a sample sd for a uniform: sd * sqrt((kurtosis - 1) / (4 n)), kurtosis 1.8
    sd = 10 / np.sqrt(12)
    assert table.loc["b", "duration_sd"] == pytest.approx(sd, abs=5 * sd * np.sqrt(0.8 / (4 * N)))


def test_spearman_rows_equal_scipy_spearmanr_row_by_row(seed):
    rng = np.random.default_rng(seed)
    n = 3000
    x = rng.standard_normal((12, n))
    y = rng.gamma(2.0, size=n) + 0.3 * x[0]
    x[1] = np.round(x[1])                          # heavy ties
    x[2] = np.where(rng.random(n) < 0.3, x[2], 1)  # a driver's factor: 1 unless it fired
    x[3, rng.random(n) < 0.1] = np.inf             # never finished
    x[4] = 7.0                                     # constant: no rank correlation
    x[5] = x[0] * 2 + 1                            # monotone in another row
    x[6] = -x[0] ** 3                              # monotone decreasing
    y[rng.random(n) < 0.05] = np.inf               # a target that sometimes never finishes
    y[:50] = y[50]                                 # and ties in the target
    got = _spearman_rows(x, y)
    assert np.isnan(got[4])
    for i in np.delete(np.arange(len(x)), 4):
        assert got[i] == pytest.approx(stats.spearmanr(x[i], y).statistic, abs=1e-12), i
    assert got[5] == pytest.approx(got[0], abs=1e-12) and got[6] == pytest.approx(-got[0], abs=1e-12)
    assert np.isnan(_spearman_rows(x, np.full(n, 3.0))).all()  # a constant target


def test_sensitivity_measures_stay_in_range(tiny_with_gate, seed):
    table = activity_sensitivity(simulate(tiny_with_gate, 2000, seed=seed))
    assert table["criticality"].between(0, 1).all()
    assert (table["ssi"] >= 0).all()
    assert table["cruciality"].dropna().between(-1, 1).all()
    assert set(table.index) == {"sfm-utvikling", "sfm-utproving", "pll-utproving",
                                "pll-innforing", "done"}


def test_never_funded_iterations_rank_last_and_leave_the_spread_finite(build, seed):
    # one decision, granted half the time: half the finishes are inf
    body = single_phase_with_risk({"funding": {"decisions": {"dates": ["2022-03-01"]},
                                               "grant_probability": 0.5}}, uniform(5, 15))
    res = simulate(build(body), 4000, seed=seed)
    assert 0 < np.isinf(res.finish("m")).mean() < 1
    table = activity_sensitivity(res)
    assert np.isfinite(table.loc["a", ["ssi", "cruciality"]].astype(float)).all()
    # a always drives m; the finite finishes are 59 + a, so sd(T) is a's sd where funded
    a = res.schedule.durations[res.network.index("a")]
    funded = np.isfinite(res.finish("m"))
    assert table.loc["a", "ssi"] == pytest.approx(a.std(ddof=1) / a[funded].std(ddof=1), rel=1e-9)
    assert table.loc["a", "cruciality"] > 0


def test_another_targets_spread_leaves_out_its_never_funded_iterations(build, seed):
    """The same for a target that is not the scenario's (``a`` itself, not ``m``)."""
    body = single_phase_with_risk({"funding": {"decisions": {"dates": ["2022-03-01"]},
                                               "grant_probability": 0.5}}, uniform(5, 15))
    res = simulate(build(body), 4000, seed=seed)
    finish = res.finish("a")
    funded = np.isfinite(finish)
    assert res.target == "m" and 0 < funded.mean() < 1
    table = activity_sensitivity(res, target="a")
    a = res.schedule.durations[res.network.index("a")]
    assert table.loc["a", "criticality"] == 1.0
    assert table.loc["a", "ssi"] == pytest.approx(a.std(ddof=1) / finish[funded].std(ddof=1),
                                                  rel=1e-9)


# --- drivers ---------------------------------------------------------------------------

@pytest.mark.parametrize("risk", [
    {"probability": 0.5, "impact": uniform(1.1, 2.0)},
    {"probability": 0.3, "delay": uniform(1, 6)},
    {"category": "financing",
     "funding": {"decisions": {"dates": ["2022-02-01", "2022-05-01", "2022-09-01"]},
                 "grant_probability": 0.5}},
], ids=["impact", "delay", "funding"])
def test_a_risk_that_alone_moves_the_finish_has_rank_correlation_one(build, seed, risk):
    res = simulate(build(single_phase_with_risk(risk)), 2000, seed=seed)
    row = driver_sensitivity(res).loc["r"]
    # the finish is a strictly increasing function of what the risk did (inf included)
    assert row["spearman"] == pytest.approx(1.0, abs=1e-12)
    assert 0 < row["occurrence"] < 1


def test_a_driver_that_cannot_fire_has_no_rank_correlation(build, seed):
    body = single_phase_with_risk({"probability": 0.0, "impact": uniform(1.1, 2.0)}, uniform(5, 9))
    row = driver_sensitivity(simulate(build(body), 500, seed=seed)).loc["r"]
    assert row["occurrence"] == 0 and np.isnan(row["spearman"])
    assert (row["name"], row["category"], row["kind"]) == ("r", "vendor", "impact")


# --- risk ranking by exclusion ---------------------------------------------------------

def test_a_driver_that_never_fires_gains_exactly_nothing(build, seed):
    body = yaml.safe_load(TINY)
    body["risks"].append({"id": "never", "category": "other", "probability": 0.0,
                          "impact": uniform(1.5, 3.0), "applies_to": {"kinds": ["utvikling"]}})
    body.pop("scenario")
    table = risk_ranking(simulate(build(body, unit="months"), 3000, seed=seed))
    assert (table.loc["never", ["p50_gain", "p80_gain", "p80_gain_days", "prob_gain"]] == 0).all()


@pytest.mark.parametrize("unit,deadline", [("days", "2022-01-15"), ("months", "2022-12-31")])
def test_a_certain_doubling_gains_the_phase_duration(build, unit, deadline):
    body = single_phase_with_risk({"probability": 1.0, "impact": fixed(2)})
    res = simulate(build(body, unit=unit, deadline=deadline), 200, seed=5)
    row = risk_ranking(res).loc["r"]
    assert (row["p50"], row["p80"], row["p50_without"], row["p80_without"]) == (20, 20, 10, 10)
    assert row["p50_gain"] == row["p80_gain"] == 10
    assert row["p80_gain_days"] == pytest.approx(10 * res.network.unit_days, rel=1e-12)
    assert (row["prob_by_deadline"], row["prob_by_deadline_without"], row["prob_gain"]) == (0, 1, 1)
    assert row["kind"] == "impact"


def test_removing_a_funding_gate_gains_its_geometric_wait(build, seed):
    q, n = 0.6, N
    body = single_phase_with_risk({"category": "financing",
                                   "funding": {"decisions": {"yearly": "06-01"}, "grant_probability": q}},
                                  fixed(30))
    res = simulate(build(body, deadline="2022-12-31"), n, seed=seed)
    row = risk_ranking(res).loc["r"]
    t = [(dt.date(2022 + j, 6, 1) - dt.date(2022, 1, 1)).days for j in range(2)]
    # P(granted by decision j) = 1 - (1 - q)^(j+1) = 0.6, 0.84: P50 waits for the first
    # decision and P80 for the second (0.84 is 10 standard errors above 0.8)
    assert (row["p50_without"], row["p80_without"]) == (30, 30)
    assert (row["p50_gain"], row["p80_gain"]) == (t[0], t[1])
    # in time only if the first decision grants; always in time without the gate
    assert row["prob_gain"] == pytest.approx(1 - q, abs=5 * se_prop(q, n))
    assert row["kind"] == "funding"
    sens = driver_sensitivity(res).loc["r"]
    assert sens["occurrence"] == pytest.approx(1 - q, abs=5 * se_prop(q, n))


def test_exclusion_equals_simulating_without_the_risk(tiny_with_gate, seed):
    """Streams depend only on the seed and element id, so dropping a risk from the scenario
    must give exactly the rescheduled draws."""
    res = simulate(tiny_with_gate, 3000, seed=seed)
    table = risk_ranking(res)
    assert sorted(table.index) == sorted(r.id for r in tiny_with_gate.risks)
    for risk in tiny_with_gate.risks:
        others = [r for r in tiny_with_gate.risks if r.id != risk.id]
        alone = simulate(tiny_with_gate.model_copy(update={"risks": others}), 3000, seed=seed)
        row = alone.summary().loc[res.target]
        got = table.loc[risk.id]
        assert (got["p50_without"], got["p80_without"], got["prob_by_deadline_without"]) == (
            row["finish_p50"], row["finish_p80"], row["prob_by_deadline"])


def test_ranking_is_sorted_and_agrees_with_the_summary(tiny_with_gate, seed):
    res = simulate(tiny_with_gate, 3000, seed=seed)
    table = risk_ranking(res)
    assert table["p80_gain"].is_monotonic_decreasing
    summary = res.summary().loc[res.target]
    assert (table["p50"] == summary["finish_p50"]).all() and (table["p80"] == summary["finish_p80"]).all()
    # risks here can only delay, and the forward pass is monotone: no negative gain
    assert (table[["p50_gain", "p80_gain", "prob_gain"]] >= 0).all().all()
    pd.testing.assert_frame_equal(table, risk_ranking(simulate(tiny_with_gate, 3000, seed=seed)))


def test_target_can_be_an_initiative_and_must_exist(tiny_with_gate):
    res = simulate(tiny_with_gate, 500, seed=3)
    table = risk_ranking(res, target="sfm")
    # the gate and the delay act on pll only: nothing to gain for sfm
    assert (table.loc[["budget", "late-sfm-release"], "p80_gain"] == 0).all()
    with pytest.raises(KeyError, match="sfm-utvikling"):
        activity_sensitivity(res, target="sfm-utvikln")


# --- mitigation ------------------------------------------------------------------------

def test_mitigation_to_zero_probability_equals_excluding_the_driver(write, seed):
    body = yaml.safe_load(TINY)
    body["risks"][0]["mitigated"] = {"probability": 0.0}
    sc = load_scenario(write(yaml.safe_dump(body, sort_keys=False), "mitigated.yaml"))
    pre = simulate(sc, 3000, seed=seed)
    effect = mitigation_effect(pre)
    excluded = risk_ranking(pre).loc["vendor-integration"]
    target = effect.loc[pre.target]
    assert target["is_target"] and effect.index[0] == pre.target
    for col in ("p50_gain", "p80_gain", "prob_gain"):
        assert target[col] == excluded[col]  # common random numbers: the same draws exactly
    assert list(effect.index[1:]) == ["sfm", "pll"]
    assert effect.attrs["mitigated_risks"] == ("vendor-integration",)
    assert mitigated_risks(pre).loc["vendor-integration", "mitigates"] == "probability"
    # pre and post do not depend on which of the two runs is passed in
    post = simulate(sc, 3000, seed=seed, mitigated=True)
    pd.testing.assert_frame_equal(effect, mitigation_effect(post))


def test_mitigation_of_a_certain_doubling(build):
    body = single_phase_with_risk({"probability": 1.0, "impact": fixed(2),
                                   "mitigated": {"probability": 0.0}})
    effect = mitigation_effect(simulate(build(body, deadline="2022-01-15"), 100, seed=1))
    row = effect.loc["m"]
    assert (row["p50_pre"], row["p50_post"], row["p80_gain"], row["prob_gain"]) == (20, 10, 10, 1)
    assert effect.loc["x", "p80_gain"] == 10


# --- merge bias ------------------------------------------------------------------------

def _moments_of_max(cdf, k: int, upper: float) -> tuple[float, float, float, float]:
    """Mean and sd of the max of k iid non-negative variables, and of one of them,
    from E[X] = int (1 - F) and E[X^2] = int 2t (1 - F)."""
    def moments(power):
        m1 = integrate.quad(lambda t: 1 - cdf(t) ** power, 0, upper, limit=200)[0]
        m2 = integrate.quad(lambda t: 2 * t * (1 - cdf(t) ** power), 0, upper, limit=200)[0]
        return m1, np.sqrt(m2 - m1 * m1)
    return (*moments(k), *moments(1))


@pytest.mark.parametrize("dist,cdf,upper,planned", [
    (uniform(0, 10), stats.uniform(0, 10).cdf, 10.0, 5.0),
    (normal(100, 10), stats.norm(100, 10).cdf, 200.0, 100.0),
], ids=["uniform", "normal"])
def test_merge_bias_of_identical_paths_is_expected_max_minus_mean(build, seed, dist, cdf, upper,
                                                                  planned):
    k = 3  # dict(dist): a shared dict would be dumped as a YAML alias, which files may not use
    sc = build({"initiatives": [chain(f"x{j}", phase(f"p{j}", dict(dist))) for j in range(k)],
                "milestones": [{"id": "m", "after": [f"p{j}" for j in range(k)]}]})
    res = simulate(sc, N, seed=seed)
    table = merge_bias(res)
    assert list(table.index) == ["m"]
    row = table.loc["m"]
    mean_max, sd_max, mean_one, sd_one = _moments_of_max(cdf, k, upper)
    # error of mean(max) plus the error of the largest of k sample means
    tol = 5 * (sd_max + sd_one) / np.sqrt(N)
    assert row["merge_bias"] == pytest.approx(mean_max - mean_one, abs=tol)
    assert row["mean_of_max"] == pytest.approx(mean_max, abs=5 * sd_max / np.sqrt(N))
    assert row["n_predecessors"] == k and row["excluded"] == 0
    # the milestone starts when the last path finishes, and the plan uses the planned values
    assert row["mean_start"] == pytest.approx(row["mean_of_max"], rel=1e-12)
    assert row["planned_start"] == planned
    assert row["delay_vs_plan"] == pytest.approx(row["mean_start"] - planned, rel=1e-12)


def test_merge_bias_against_a_fixed_path(build, seed):
    # max(U(0,10), 6): 6 with probability 0.6, else U given U > 6 (mean 8): E = 6.8 against
    # max E = 6, a bias of 0.8
    sc = build({"initiatives": [chain("x", phase("a", uniform(0, 10))), chain("y", phase("b", fixed(6)))],
                "milestones": [{"id": "m", "after": ["a", "b"]}]})
    row = merge_bias(simulate(sc, N, seed=seed)).loc["m"]
    var_max = 36 * 0.6 + (1000 - 216) / 30 - 6.8 ** 2  # E[M^2] - E[M]^2
    tol = 5 * (np.sqrt(var_max) + 10 / np.sqrt(12)) / np.sqrt(N)
    assert row["merge_bias"] == pytest.approx(0.8, abs=tol)
    assert row["max_of_means"] == pytest.approx(6.0, abs=tol)


def test_merge_bias_reads_start_and_finish_links(build):
    # b must start 2 after a starts (SS) and finish no earlier than c finishes + 1 (FF)
    sc = build({"initiatives": [chain("x", phase("a", fixed(4))), chain("y", phase("c", fixed(9))),
                                chain("z", phase("b", fixed(5), after=[
                                    {"id": "a", "type": "SS", "lag": 2},
                                    {"id": "c", "type": "FF", "lag": 1}]))]})
    row = merge_bias(simulate(sc, 10, seed=1)).loc["b"]
    # SS allows 2, FF allows 9 + 1 - 5 = 5: one link always dominates, so no bias
    assert (row["mean_of_max"], row["max_of_means"], row["merge_bias"]) == (5, 5, 0)
    assert row["mean_start"] == row["planned_start"] == 5


def test_merge_bias_leaves_out_never_funded_iterations(build, seed):
    n, q = 4000, 0.5
    body = {"initiatives": [chain("x", phase("a", uniform(0, 10))), chain("y", phase("b", uniform(0, 10)))],
            "milestones": [{"id": "m", "after": ["a", "b"]}],
            "risks": [{"id": "g", "category": "financing",
                       "funding": {"decisions": {"dates": ["2022-01-01"]}, "grant_probability": q},
                       "applies_to": {"ids": ["b"]}}]}
    row = merge_bias(simulate(build(body), n, seed=seed)).loc["m"]
    assert row["excluded"] == pytest.approx(1 - q, abs=5 * se_prop(q, n))
    assert np.isfinite(row[["mean_start", "merge_bias", "delay_vs_plan"]].astype(float)).all()


# --- the default scenario --------------------------------------------------------------

def test_default_scenario_ranks_every_risk(seed):
    sc = load_scenario(DEFAULT)
    res = simulate(sc, 3000, seed=seed)
    table = risk_ranking(res)
    assert sorted(table.index) == sorted(r.id for r in sc.risks)
    gains = table[["p50_gain", "p80_gain", "p50_gain_days", "p80_gain_days", "prob_gain"]]
    assert np.isfinite(gains.to_numpy()).all() and (gains.to_numpy() >= 0).all()
    assert table["p80_gain"].is_monotonic_decreasing
    assert set(table["kind"]) == {"impact", "delay", "funding"}
    acts = activity_sensitivity(res)
    assert len(acts) == res.network.size and acts["criticality"].max() == 1.0
    assert len(driver_sensitivity(res)) == len(sc.risks)
    assert (merge_bias(res)["merge_bias"] >= -1e-9).all()


def test_removing_a_funding_gate_under_capacity_equals_simulating_without_it(seed):
    """With capacity every task is coupled; the ranking reschedules only the iterations in
    which a gate may have set one of its phases' start, and must still give, for every
    initiative, exactly the run of the scenario without that funding risk."""
    sc = load_scenario(DEFAULT)
    res = simulate(sc, 2000, seed=seed)
    rankings = risk_rankings(res, [*res.network.initiative_ids, res.target])
    gates = [r.id for r in sc.risks if r.funding is not None]
    assert len(gates) == 2
    for rid in gates:
        alone = simulate(sc.model_copy(update={"risks": [r for r in sc.risks if r.id != rid]}),
                         2000, seed=seed).summary()
        for target, table in rankings.items():
            got, row = table.loc[rid], alone.loc[target]
            assert (got["p50_without"], got["p80_without"], got["prob_by_deadline_without"]) == (
                row["finish_p50"], row["finish_p80"], row["prob_by_deadline"]), (rid, target)


def test_a_gated_phase_that_waited_for_units_is_rescheduled_without_its_gate(write):
    """b's gate (day 10) makes it ready after a took the one team at day 0, so b waits for
    a (its driver is then a, not a date). Without the gate b, first in priority, takes the
    team at day 0: by hand, a finishes at 100 with the gate and 150 without, b at 150 and 50."""
    body = {"resources": [{"id": "team", "capacity": 1}],
            "initiatives": [chain("I1", phase("a", fixed(100), uses={"team": 1})),
                            chain("I2", phase("b", fixed(50), uses={"team": 1}))],
            "milestones": [{"id": "m", "after": ["a", "b"]}],
            "priorities": {"order": ["b", "a"]},
            "risks": [{"id": "budget", "category": "financing", "applies_to": {"ids": ["b"]},
                       "funding": {"decisions": {"dates": ["2022-01-11"]},
                                   "grant_probability": 1.0}}]}
    res = simulate(load_scenario(write(scenario_text(body), "gated.yaml")), 200, seed=1)
    rankings = risk_rankings(res, ["I1", "I2", "m"])
    for target, now, without in (("I1", 100, 150), ("I2", 150, 50), ("m", 150, 150)):
        row = rankings[target].loc["budget"]
        assert (row["p50"], row["p50_without"]) == (now, without), target
