"""The outside view: ratios actual/planned, the reference class, and the outside-view variant."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from texts import chain, phase

from simulator import ScenarioError, simulate
from simulator.analysis.calibrate import calibration, planned_dates
from simulator.cli import main
from simulator.scenario.outside_view import outside_view

P50, P90 = 1.21, 1.61
SIGMA = np.log(P90 / P50) / stats.norm.ppf(0.9)
QS = np.array([0.5, 0.8, 0.9])
REFERENCE = {"name": "IT", "source": "test", "ratio": {"dist": "lognormal", "p50": P50, "p90": P90}}


def fixed(v):
    return {"dist": "fixed", "value": v}


def ini(iid, *phases, **extra):
    """An initiative with extra keys (``planned``)."""
    return {**chain(iid, *phases), **extra}


def _ref_quantiles():
    return P50 * np.exp(SIGMA * stats.norm.ppf(QS))


def _ref_se(n):
    """Standard error of the sample quantiles of the reference lognormal at ``QS``."""
    x = _ref_quantiles()
    pdf = stats.lognorm(SIGMA, scale=P50).pdf(x)
    return np.sqrt(QS * (1 - QS) / n) / pdf


def test_ratios_on_a_network_with_known_answers(build):
    sc = build({
        "initiatives": [
            chain("a", phase("a1", fixed(4)), phase("a2", fixed(6))),
            chain("b", phase("b1", fixed(5), after=["a"])),
            ini("c", phase("c1", fixed(10)), planned="2022-01-05"),
            chain("d", phase("d1", fixed(10))),
        ],
        "milestones": [{"id": "m", "after": ["b"], "planned": "2022-01-31"}],
        "risks": [{"id": "late", "category": "other", "probability": 1.0, "delay": fixed(5),
                   "applies_to": {"ids": ["a1"]}}],
        "reference_class": {**REFERENCE, "applies_to": ["a", "b", "c", "d", "m"]},
    })
    table = calibration(simulate(sc, 50, seed=1))
    # a: planned 0..10, runs 0..15; b: planned 10..15, runs 15..20 (its wait counts as
    # overrun); c: planned to the end of day 5, runs 10; d: as planned; m: 20 of 31 days
    expected = {"a": 1.5, "b": 2.0, "c": 2.0, "d": 1.0, "m": 20 / 31}
    for x, r in expected.items():
        assert table.loc[x, ["inside_p50", "inside_p80", "inside_p90"]].tolist() == pytest.approx([r] * 3)
    assert table.loc["c", "planned_from"] == "scenario" and table.loc["a", "planned_from"] == "plan"
    assert str(table.loc["b", "planned_start_date"])[:10] == "2022-01-11"
    assert table.loc["a", "reference_p80"] == pytest.approx(_ref_quantiles()[1], rel=1e-6)
    assert table["optimistic"].to_dict() == {"a": False, "b": False, "c": False, "d": True, "m": True}


def test_planned_dates_probability_and_slip(build):
    sc = build({"initiatives": [chain("a", phase("a1", fixed(4)), phase("a2", fixed(6))),
                                ini("c", phase("c1", fixed(10)), planned="2022-01-12")],
                "milestones": [{"id": "m", "after": ["a"]}],
                "risks": [{"id": "late", "category": "other", "probability": 1.0,
                           "delay": fixed(5), "applies_to": {"ids": ["a1"]}}]})
    table = planned_dates(simulate(sc, 20, seed=1))
    assert list(table.index) == ["a", "c"]           # a milestone without `planned:` is left out
    assert table.loc["a", "prob_by_planned"] == 0.0 and table.loc["c", "prob_by_planned"] == 1.0
    assert table.loc["a", ["slip_p50", "slip_p85", "slip_p90"]].tolist() == pytest.approx([5] * 3)
    assert table.loc["c", "slip_p85"] == pytest.approx(-2.0)   # done after day 10 of 12


def test_ratio_quantiles_of_a_uniform_duration(build, seed):
    n = 20_000
    sc = build({"initiatives": [ini("u", phase("u1", {"dist": "uniform", "min": 10, "max": 20}),
                                      planned="2022-01-10")]})
    row = calibration(simulate(sc, n, seed=seed)).loc["u"]
    se = np.sqrt(QS * (1 - QS) / n) / 1.0          # the ratio is uniform on [1, 2]: density 1
    got = row[["inside_p50", "inside_p80", "inside_p90"]].to_numpy(float)
    assert np.all(np.abs(got - (1 + QS)) < 5 * se)


def test_a_scenario_built_from_the_reference_class_reproduces_it(build, seed):
    n = 20_000
    sc = build({"initiatives": [chain("x", phase("x1", fixed(12)))],
                "risks": [{"id": "class", "category": "other", "probability": 1.0,
                           "impact": REFERENCE["ratio"], "applies_to": {"ids": ["x1"]}}],
                "reference_class": REFERENCE}, unit="months")
    row = calibration(simulate(sc, n, seed=seed)).loc["x"]
    got = row[["inside_p50", "inside_p80", "inside_p90"]].to_numpy(float)
    assert np.all(np.abs(got - _ref_quantiles()) < 5 * _ref_se(n))
    assert np.all(np.abs(row[["reference_p50", "reference_p80", "reference_p90"]].to_numpy(float)
                         - _ref_quantiles()) < 1e-9)


def test_the_outside_view_replaces_the_inside_view_by_the_class(build, seed):
    n = 20_000
    sc = build({"initiatives": [chain("x", phase("x1", {"dist": "pert", "min": 6, "mode": 12, "max": 40}))],
                "risks": [{"id": "big", "category": "other", "probability": 0.5,
                           "impact": {"dist": "uniform", "min": 2, "max": 3},
                           "applies_to": {"ids": ["x1"]}}],
                "correlations": [],
                "reference_class": REFERENCE}, unit="months")
    ov = outside_view(sc)
    assert [r.id for r in ov.risks] == ["outside-view"]
    row = calibration(simulate(ov, n, seed=seed)).loc["x"]
    got = row[["inside_p50", "inside_p80", "inside_p90"]].to_numpy(float)
    assert np.all(np.abs(got - _ref_quantiles()) < 5 * _ref_se(n))


def test_the_outside_view_draws_one_ratio_per_initiative(build):
    n = 20_000
    sc = build({"initiatives": [chain("a", phase("a1", fixed(5)), phase("a2", fixed(7))),
                                chain("b", phase("b1", fixed(3)), phase("b2", fixed(9)))],
                "reference_class": REFERENCE}, unit="months")
    res = simulate(outside_view(sc), n, seed=3)
    d = {x: res.schedule.durations[res.network.index(x)] for x in ("a1", "a2", "b1", "b2")}
    # one factor for the phases of an initiative ...
    assert np.allclose(d["a1"] / 5, d["a2"] / 7, rtol=1e-12) and np.allclose(d["b1"] / 3, d["b2"] / 9)
    # ... and independent factors for different initiatives
    rho = stats.spearmanr(d["a1"], d["b1"]).statistic
    assert abs(rho) < 5 / np.sqrt(n)
    # and the marginal is the class's
    assert abs(np.median(d["a1"] / 5) - P50) < 5 * _ref_se(n)[0]


def test_the_outside_view_keeps_funding_gates_as_planned(build):
    sc = build({"initiatives": [chain("a", phase("a1", fixed(10)))],
                "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a1"]},
                           "funding": {"decisions": {"dates": ["2022-03-01", "2023-03-01"]},
                                       "grant_probability": [0.1, 0.1]}}],
                "reference_class": REFERENCE}, unit="days")
    ov = outside_view(sc)
    gate = next(r for r in ov.risks if r.id == "g")
    assert gate.funding.grant_probability == 1.0 and gate.mitigated is None
    start = simulate(ov, 200, seed=1).start("a1")
    assert np.all(start == 59)            # the first decision, as in the deterministic plan


def test_no_reference_class_no_outside_view(build):
    sc = build({"initiatives": [chain("a", phase("a1", fixed(10)))]})
    with pytest.raises(ValueError, match="reference_class"):
        outside_view(sc)


@pytest.mark.parametrize("change, message", [
    ({"reference_class": {**REFERENCE, "applies_to": ["nope"]}}, "not an initiative or milestone"),
    ({"reference_class": {**REFERENCE, "ratio": {"dist": "uniform", "min": 0, "max": 2}}},
     "ratio of actual to planned duration must be > 0"),
    ({"initiatives": [ini("a", phase("a1", fixed(10)), planned="2021-06-01")]},
     "not after the start date"),
])
def test_bad_outside_view_input_is_a_scenario_error(build, change, message):
    body = {"initiatives": [chain("a", phase("a1", fixed(10)))], **change}
    with pytest.raises(ScenarioError, match=message):
        build(body)


def test_calibrate_and_outside_view_on_the_command_line(write, capsys):
    from texts import scenario_text
    body = {"initiatives": [chain("a", phase("a1", fixed(10))),
                            chain("b", phase("b1", {"dist": "pert", "min": 10, "mode": 10, "max": 60}))],
            "reference_class": REFERENCE}
    path = write(scenario_text(body))
    assert main(["calibrate", str(path), "-n", "2000", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "Reference class: IT" in out and "1 of 2 flagged" in out
    assert [ln for ln in out.splitlines() if ln.startswith("a ")][0].endswith("at P80")
    assert main(["run", str(path), "-n", "500", "--seed", "1", "--outside-view", "--json"]) == 0
    assert "utenfra: IT" in json.loads(capsys.readouterr().out)["scenario"]["name"]
    plain = write(scenario_text({"initiatives": body["initiatives"]}), "plain.yaml")
    assert main(["run", str(plain), "--outside-view"]) == 2
    assert "has no `reference_class:`" in capsys.readouterr().err
