"""Compiled values worked out by hand: mitigated risk values, funding decision dates at the
ends of the horizon, per-decision grant probabilities, the default target."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import yaml
from texts import chain, phase

from simulator import compile_scenario, load_scenario, simulate


def fixed(v):
    return {"dist": "fixed", "value": v}


def _days(date: str) -> int:
    return (dt.date.fromisoformat(date) - dt.date(2022, 1, 1)).days


@pytest.mark.parametrize("risk,pre,post", [
    ({"probability": 1.0, "impact": fixed(2), "mitigated": {"impact": fixed(1.5)}}, 20.0, 15.0),
    ({"probability": 1.0, "delay": fixed(3), "mitigated": {"delay": fixed(1)}}, 13.0, 11.0),
    ({"probability": 1.0, "impact": fixed(2), "mitigated": {"probability": 0.0}}, 20.0, 10.0),
    ({"funding": {"decisions": {"dates": ["2022-03-01"]}, "grant_probability": 0.0},
      "mitigated": {"funding": {"decisions": {"dates": ["2022-03-01"]}, "grant_probability": 1.0}}},
     np.inf, _days("2022-03-01") + 10.0),
], ids=["impact", "delay", "probability", "funding"])
def test_mitigated_values_replace_the_risks_own(build, risk, pre, post):
    body = {"initiatives": [chain("x", phase("a", fixed(10)))],
            "risks": [{"id": "r", "category": "financing" if "funding" in risk else "vendor", **risk,
                       "applies_to": {"ids": ["a"]}}]}
    sc = build(body)
    np.testing.assert_array_equal(simulate(sc, 20, seed=1).finish("a"), pre)
    np.testing.assert_array_equal(simulate(sc, 20, seed=1, mitigated=True).finish("a"), post)


def _gate(write, decisions, horizon="2024-12-31", start="2022-01-01", grant=0.5):
    text = yaml.safe_dump({
        "scenario": {"name": "t", "version": "1", "start": start, "deadline": "2023-12-31",
                     "unit": "days", "horizon": horizon},
        "initiatives": [chain("x", phase("a", fixed(1)))],
        "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a"]},
                   "funding": {"decisions": decisions, "grant_probability": grant}}]}, sort_keys=False)
    return compile_scenario(load_scenario(write(text, "gate.yaml"))).gates[0]


def test_yearly_decisions_run_through_the_horizons_last_year(write):
    gate = _gate(write, {"yearly": "06-01"})
    want = [_days(d) for d in ("2022-06-01", "2023-06-01", "2024-06-01")]
    np.testing.assert_array_equal(gate.times, want)
    np.testing.assert_array_equal(gate.grant, [0.5, 0.5, 0.5])


def test_a_decision_on_the_start_date_or_the_horizon_counts(write):
    # yearly on 1 January from a 1 January start: day 0 is the first decision
    np.testing.assert_array_equal(_gate(write, {"yearly": "01-01"}).times,
                                  [0, _days("2023-01-01"), _days("2024-01-01")])
    # explicit dates on the start and on the horizon's last day are kept; one after it is not
    gate = _gate(write, {"dates": ["2022-01-01", "2024-12-31", "2025-01-01"]}, grant=[0.2, 0.3, 0.4])
    np.testing.assert_array_equal(gate.times, [0, _days("2024-12-31")])
    np.testing.assert_array_equal(gate.grant, [0.2, 0.3])


def test_yearly_decisions_start_in_the_first_year_given(write):
    gate = _gate(write, {"yearly": "12-15", "first": 2023})
    np.testing.assert_array_equal(gate.times, [_days("2023-12-15"), _days("2024-12-15")])


def test_a_yearly_29_february_falls_on_the_28th_in_common_years(write):
    gate = _gate(write, {"yearly": "02-29"})
    np.testing.assert_array_equal(gate.times, [_days(d) for d in ("2022-02-28", "2023-02-28", "2024-02-29")])


def test_default_target_is_the_last_milestone(build):
    body = {"initiatives": [chain("x", phase("a", fixed(3)))],
            "milestones": [{"id": "m1", "after": ["a"]}, {"id": "m2", "after": ["a"]}]}
    assert compile_scenario(build(body)).target == "m2"
    assert compile_scenario(build({"initiatives": body["initiatives"]})).target == "x"


def test_a_not_before_date_ahead_of_the_start_is_the_start(build):
    body = {"initiatives": [chain("x", phase("a", fixed(3), not_before="2021-06-01"))]}
    net = compile_scenario(build(body))
    assert net.not_before[net.index("a")] == 0.0


def test_a_correlation_group_of_milestones_only_has_no_effect(build):
    # such a group has no phases (the loader warns); it used to crash the sampler with an
    # IndexError, since its empty member list was compiled as a float array
    body = {"initiatives": [chain("x", phase("a", {"dist": "uniform", "min": 1, "max": 2}))],
            "milestones": [{"id": "m", "after": ["a"]}]}
    plain = simulate(build(body), 50, seed=4)
    body["correlations"] = [{"id": "c", "rank_correlation": 0.5, "applies_to": {"ids": ["m"]}}]
    grouped = simulate(build(body), 50, seed=4)
    assert grouped.network.correlations[0].members.dtype.kind == "i"
    np.testing.assert_array_equal(grouped.finish("m"), plain.finish("m"))
