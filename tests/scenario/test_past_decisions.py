"""A budget decision before the data date is in the past: it counts as made at the start."""

from __future__ import annotations

import numpy as np
import pytest
from texts import chain, phase, scenario_text

from simulator import compile_scenario, load_scenario, plan, simulate


def _body(decisions: dict, grant) -> dict:
    return {"initiatives": [chain("x", phase("a", {"dist": "fixed", "value": 10}))],
            "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a"]},
                       "funding": {"decisions": decisions, "grant_probability": grant}}]}


def _load(write, body):
    warnings: list[str] = []
    sc = load_scenario(write(scenario_text(body)), warnings=warnings)
    return sc, warnings


def test_a_past_grant_means_funded_at_the_start(write):
    sc, warnings = _load(write, _body({"dates": ["2021-12-15"]}, 1.0))
    assert not any("never start" in w for w in warnings), warnings
    assert any("g: 1 budget decision before the start date 2022-01-01 counts as made at the start"
               in w for w in warnings), warnings
    net = compile_scenario(sc)
    assert plan(net).start[0, 0] == 0.0
    res = simulate(sc, 200, seed=1)
    assert (res.start("a") == 0).all()
    assert res.summary().loc["a", "prob_within_horizon"] == 1


def test_a_past_decision_grants_with_its_probability(write, seed):
    sc, warnings = _load(write, _body({"dates": ["2021-06-01", "2022-06-01"]}, [0.5, 0.0]))
    assert not any("never start" in w for w in warnings), warnings
    start = simulate(sc, 4000, seed=seed).start("a")
    assert set(np.unique(start)) <= {0.0, np.inf}
    # 5 binomial standard errors of 0.5 over 4000 draws: 0.04
    assert abs((start == 0).mean() - 0.5) < 0.04


def test_yearly_decisions_before_the_start_count_at_it(write, seed):
    # 2020-12-15 and 2021-12-15 are in the past: funded at the start with 1 - 0.5^2 = 0.75;
    # else at 2022-12-15 (day 348) with 0.5 * 0.25 = 0.125
    sc, warnings = _load(write, _body({"yearly": "12-15", "first": 2020}, 0.5))
    assert any("g: 2 budget decisions before the start date 2022-01-01 count as made at the start"
               in w for w in warnings), warnings
    start = simulate(sc, 4000, seed=seed).start("a")
    se = np.sqrt(0.75 * 0.25 / 4000)
    assert abs((start == 0).mean() - 0.75) < 5 * se
    se = np.sqrt(0.125 * 0.875 / 4000)
    assert abs((start == 348).mean() - 0.125) < 5 * se


@pytest.mark.parametrize("decisions", [{"dates": ["2023-12-15"]}, {"yearly": "12-15"}])
def test_decisions_after_the_start_give_no_past_warning(write, decisions):
    _, warnings = _load(write, _body(decisions, 0.5))
    assert not any("before the start" in w for w in warnings), warnings
