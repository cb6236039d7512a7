"""Exact values of the estimators and tables on inputs small enough to work out by hand:
order-statistic ranks against the binomial formula, P(by deadline) at the deadline itself,
initiative dates, driving paths, SSI, cruciality and criticality."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from texts import chain, phase

from simulator import simulate
from simulator.analysis import stats
from simulator.analysis.sensitivity import activity_sensitivity, driver_sensitivity


def fixed(v):
    return {"dist": "fixed", "value": v}


def uniform(lo, hi):
    return {"dist": "uniform", "min": lo, "max": hi}


# --- order-statistic ranks --------------------------------------------------------------

@pytest.mark.parametrize("n", [50, 400, 1000, 10_000])
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8, 0.9])
def test_interval_ranks_are_the_equal_tailed_binomial_ones(n, p):
    """With B ~ Binomial(n, p) draws below the p-quantile, [x_(l), x_(u)] (0-based) misses it
    below with probability P(B <= l) and above with P(B > u). Each end is the one closest to
    the estimate whose miss probability stays under 2.5 %: one rank inward would exceed it."""
    est, lo, hi = stats.percentile_ranks(n, p)
    cdf = sps.binom(n, p).cdf
    tail = 0.025
    assert cdf(lo) < tail <= cdf(lo + 1)
    assert cdf(hi - 1) < 1 - tail <= cdf(hi)
    assert cdf(hi) - cdf(lo) >= 0.95  # the exact coverage of the interval
    assert est == int(np.ceil(p * n)) - 1


def test_ranks_where_p_n_is_whole_and_small_samples_by_hand():
    # p n = 100 exactly: the inverse empirical CDF is the 100th value, index 99
    assert stats.percentile_ranks(1000, 0.1)[0] == 99
    assert stats.percentile_ranks(10, 0.5)[0] == 4
    # n = 10, p = 0.5: P(B <= 1) = 11/1024 < 0.025 <= P(B <= 2) = 56/1024, so l = 1;
    # P(B <= 7) = 968/1024 < 0.975 <= P(B <= 8) = 1013/1024, so u = 8
    assert stats.percentile_ranks(10, 0.5)[1:] == (1, 8)
    x = np.arange(1.0, 11.0)[None, :]
    np.testing.assert_array_equal(stats.percentiles(x, (50.0,))[0, 0], [5.0, 2.0, 9.0])


def test_outlook_counts_a_finish_on_the_deadline_as_in_time():
    finishes = np.array([[4.0, 1.0, 3.0, 2.0]])
    # P50 = 2nd smallest, P80 = ceil(3.2) = 4th smallest; 3 of 4 are at or before 3
    np.testing.assert_array_equal(stats.outlook(finishes, 3.0), [[2.0, 4.0, 0.75]])


def test_mean_is_nan_if_any_iteration_is_infinite_and_std_has_ddof_1():
    mean, std = stats.mean_std(np.array([[2.0, 4.0, 9.0], [np.inf, 1.0, 1.0]]))
    assert mean[0] == 5.0 and std[0] == pytest.approx(np.sqrt(13.0), rel=1e-15)
    assert np.isnan(mean[1]) and np.isnan(std[1])


# --- Result.summary ------------------------------------------------------------------------

def test_finish_on_the_deadline_day_is_in_time(build):
    # 10 days from 1 January end with 10 January: on time for a deadline of 10 January
    body = {"initiatives": [chain("x", phase("a", fixed(10))), chain("y", phase("b", fixed(11)))]}
    res = simulate(build(body, deadline="2022-01-10"), 20, seed=1)
    wide = res.summary()
    assert list(wide.loc[["a", "x", "b", "y"], "prob_by_deadline"]) == [1.0, 1.0, 0.0, 0.0]
    assert str(wide.loc["a", "finish_date_p50"].date()) == "2022-01-10"
    assert str(wide.loc["b", "finish_date_p50"].date()) == "2022-01-11"


def test_initiative_dates_span_all_its_phases(build):
    # x: a runs 5-15 (not before 6 January); b starts 3 days before a (SS -3) and runs 2-4.
    # x starts with b at 2 and finishes with a at 15, although b is listed last.
    body = {"initiatives": [chain("x", phase("a", fixed(10), not_before="2022-01-06"),
                                  phase("b", fixed(2), after=[{"id": "a", "type": "SS", "lag": -3}]))]}
    res = simulate(build(body), 20, seed=1)
    wide = res.summary()
    row = wide.loc["x"]
    assert (row["planned_start"], row["planned_finish"]) == (2.0, 15.0)
    assert (row["start_p50"], row["finish_p50"], row["start_mean"], row["finish_mean"]) == (2, 15, 2, 15)
    np.testing.assert_array_equal(res.start("x"), 2.0)
    np.testing.assert_array_equal(res.finish("x"), 15.0)
    assert row["prob_within_horizon"] == 1.0


# --- driving paths and criticality -----------------------------------------------------------

def _two_parallel(build):
    # x: a 0-10, b 2-5 (SS + 2); y: c 0-12; m after x and y
    body = {"initiatives": [chain("x", phase("a", fixed(10)),
                                  phase("b", fixed(3), after=[{"id": "a", "type": "SS", "lag": 2}])),
                            chain("y", phase("c", fixed(12)))],
            "milestones": [{"id": "m", "after": ["x", "y"]}]}
    return simulate(build(body), 20, seed=1)


def test_driving_path_starts_at_the_latest_finishing_member(build):
    res = _two_parallel(build)
    # x finishes with a (10), not b (5): b drives nothing in x
    ci = res.criticality("x")
    assert list(ci[["a", "b", "c", "m"]]) == [1.0, 0.0, 0.0, 0.0]
    np.testing.assert_array_equal(res.start("x"), 0.0)
    np.testing.assert_array_equal(res.finish("x"), 10.0)
    # the scenario's target m is driven by c alone
    assert list(res.criticality()[["a", "b", "c", "m"]]) == [0.0, 0.0, 1.0, 1.0]
    wide = res.summary()
    assert list(wide.loc[["a", "b", "c"], "criticality_initiative"]) == [1.0, 0.0, 1.0]


def test_criticality_is_zero_for_a_target_that_does_not_depend_on_the_phase(build):
    res = _two_parallel(build)
    table = activity_sensitivity(res, target="x")
    assert list(table.loc[["a", "b", "c", "m"], "criticality"]) == [1.0, 0.0, 0.0, 0.0]
    assert list(activity_sensitivity(res, target="c")["criticality"]) == [0.0, 0.0, 1.0, 0.0]


# --- SSI and cruciality -----------------------------------------------------------------------

def test_ssi_is_criticality_times_the_sd_ratio_on_parallel_paths(build, seed):
    # T = max(a, 6), a ~ U(0, 10): a drives T with probability 0.4; E[T] = 6.8,
    # E[T^2] = 36 * 0.6 + (1000 - 216) / 30, so sd(T) = 1.2220; sd(a) = 10 / sqrt(12)
    n = 20_000
    body = {"initiatives": [chain("x", phase("a", uniform(0, 10))), chain("y", phase("b", fixed(6)))],
            "milestones": [{"id": "m", "after": ["a", "b"]}]}
    res = simulate(build(body), n, seed=seed)
    table = activity_sensitivity(res)
    crit = table.loc["a", "criticality"]
    assert crit == pytest.approx(0.4, abs=5 * np.sqrt(0.24 / n))
    assert table.loc["b", "criticality"] == pytest.approx(0.6, abs=5 * np.sqrt(0.24 / n))
    # the definition, exactly, from the run's own arrays
    t = res.finish("m")
    a = res.schedule.durations[res.network.index("a")]
    assert table.loc["a", "ssi"] == pytest.approx(crit * a.std(ddof=1) / t.std(ddof=1), rel=1e-12)
    # and the analytic value, 0.4 * 2.8868 / 1.2220 = 0.9449. Relative standard errors: the
    # criticality sqrt(0.6 / (0.4 n)) = 0.9 %, sd(T) sqrt((kurtosis 3.12 - 1) / (4 n)) = 0.5 %,
    # sd(a) 0.2 %; 5 times their sum is 8 % (without the criticality factor SSI would be 2.36)
    sd_t = np.sqrt(36 * 0.6 + (1000 - 216) / 30 - 6.8 ** 2)
    assert table.loc["a", "ssi"] == pytest.approx(0.4 * (10 / np.sqrt(12)) / sd_t, rel=0.08)
    assert table.loc["b", "ssi"] == 0.0


def test_cruciality_uses_the_durations_with_risks_applied(build, seed):
    # a is fixed before risks; a driver that fires half the time stretches it by U(1.1, 2):
    # the realised duration alone sets the milestone, so their rank correlation is 1
    body = {"initiatives": [chain("x", phase("a", fixed(10)))],
            "milestones": [{"id": "m", "after": ["a"]}],
            "risks": [{"id": "r", "category": "vendor", "probability": 0.5, "impact": uniform(1.1, 2.0),
                       "applies_to": {"ids": ["a"]}}]}
    table = activity_sensitivity(simulate(build(body), 2000, seed=seed))
    assert table.loc["a", "cruciality"] == pytest.approx(1.0, abs=1e-12)
    assert table.loc["a", "ssi"] == pytest.approx(1.0, rel=1e-12)
    assert table.loc["a", "criticality"] == 1.0


def test_an_unfired_delay_counts_as_no_delay(build, seed):
    # delays below 1: an unfired delay (0) must rank below every fired one for the finish
    # (10 + delay) to be a strictly increasing function of what the driver did
    body = {"initiatives": [chain("x", phase("a", fixed(10)))],
            "milestones": [{"id": "m", "after": ["a"]}],
            "risks": [{"id": "r", "category": "dependency", "probability": 0.3, "delay": uniform(0.2, 0.8),
                       "applies_to": {"ids": ["a"]}}]}
    row = driver_sensitivity(simulate(build(body), 2000, seed=seed)).loc["r"]
    assert row["spearman"] == pytest.approx(1.0, abs=1e-12)


def test_the_plan_has_no_risks_and_the_first_funding_decision(build):
    # a: 10 days, doubled and then delayed 3 days by certain risks in every iteration but not
    # in the plan; b waits for a funding gate decided on 1 March (day 59) that grants half the time
    body = {"initiatives": [chain("x", phase("a", fixed(10)), phase("b", uniform(4, 8)))],
            "risks": [{"id": "r", "category": "vendor", "probability": 1.0, "impact": fixed(2),
                       "applies_to": {"ids": ["a"]}},
                      {"id": "d", "category": "dependency", "probability": 1.0, "delay": fixed(3),
                       "applies_to": {"ids": ["a"]}},
                      {"id": "g", "category": "financing", "applies_to": {"ids": ["b"]},
                       "funding": {"decisions": {"yearly": "03-01"}, "grant_probability": 0.5}}]}
    wide = simulate(build(body), 50, seed=1).summary()
    assert (wide.loc["a", "planned_finish"], wide.loc["a", "finish_p50"]) == (10, 23)
    assert (wide.loc["b", "planned_start"], wide.loc["b", "planned_finish"]) == (59, 65)
    assert (wide.loc["x", "planned_start"], wide.loc["x", "planned_finish"]) == (0, 65)
    assert str(wide.loc["x", "planned_finish_date"].date()) == "2022-03-06"


def test_gains_in_days_convert_both_percentiles(build):
    # a certain doubling of a 10-month phase: both percentiles gain 10 months of 30.4375 days
    body = {"initiatives": [chain("x", phase("a", fixed(10)))],
            "milestones": [{"id": "m", "after": ["a"]}],
            "risks": [{"id": "r", "category": "vendor", "probability": 1.0, "impact": fixed(2),
                       "applies_to": {"ids": ["a"]}}]}
    from simulator.analysis.sensitivity import risk_ranking
    row = risk_ranking(simulate(build(body, unit="months"), 20, seed=1)).loc["r"]
    assert (row["p50_gain"], row["p80_gain"]) == (10, 10)
    assert row["p50_gain_days"] == row["p80_gain_days"] == pytest.approx(304.375, rel=1e-15)
