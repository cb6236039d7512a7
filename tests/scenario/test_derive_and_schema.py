"""What-if variants built in code, and the committed JSON Schema."""

from __future__ import annotations

import json

import pytest
from conftest import ROOT
from texts import chain, phase, scenario_text

from simulator import ScenarioError, load_scenario
from simulator.api import scenario_hash
from simulator.scenario import derive
from simulator.scenario.schema import scenario_schema


def test_derive_without_changes_is_the_same_scenario(tiny_file):
    base = load_scenario(tiny_file)
    same = derive(base, {})
    assert same == base and scenario_hash(same) == scenario_hash(base)


def test_derive_changes_by_id_and_validates(tiny_file):
    base = load_scenario(tiny_file)
    variant = derive(base, {"risks": [{"id": "vendor-integration", "probability": 0.1}],
                            "remove": ["late-sfm-release"]})
    assert [r.id for r in variant.risks] == ["vendor-integration"]
    assert variant.risks[0].probability == 0.1
    assert base.risks[0].probability == 0.6  # the base is untouched
    with pytest.raises(ScenarioError, match=r"<derive> risks\[0\]\.probability: 7 is not within"):
        derive(base, {"risks": [{"id": "vendor-integration", "probability": 7}]})
    with pytest.raises(ValueError, match="unknown keys"):
        derive(base, {"extends": "x.yaml"})


def test_committed_schema_matches_the_models():
    committed = json.loads((ROOT / "schema" / "scenario.schema.json").read_text())
    assert committed == scenario_schema(), "run: veikart schema > schema/scenario.schema.json"


def _plain(x):
    """YAML values as JSON would hold them (dates as ISO strings)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_plain(v) for v in x]
    return x.isoformat() if hasattr(x, "isoformat") else x


def test_schema_accepts_every_scenario_and_overlay_and_flags_mistakes():
    jsonschema = pytest.importorskip("jsonschema")
    import yaml
    schema = scenario_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        data = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert not list(validator.iter_errors(data)), path.name
    base = _plain(yaml.safe_load((ROOT / "scenarios" / "veikart-22.1.yaml").read_text(encoding="utf-8")))
    del base["initiatives"][0]["phases"][0]["kind"]
    assert any("'kind' is a required property" in e.message for e in validator.iter_errors(base))
    overlay = {"extends": "base.yaml", "risks": [{"id": "r", "probabilty": 0.2}]}
    assert any("probabilty" in e.message for e in validator.iter_errors(overlay))
    assert not list(validator.iter_errors({"extends": "base.yaml", "risks": [{"id": "r", "probability": 0.2}]}))


def test_a_gate_with_no_decision_in_the_horizon_is_warned_about(write):
    body = {"initiatives": [chain("x", phase("a", {"dist": "fixed", "value": 1}))],
            "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a"]},
                       "funding": {"decisions": {"dates": ["2060-12-15"]}, "grant_probability": 1.0}}]}
    warnings: list[str] = []
    load_scenario(write(scenario_text(body)), warnings=warnings)
    assert any("g: no budget decision falls between the start and the horizon" in w for w in warnings)


@pytest.mark.parametrize("grant, warned", [(0.0, True), ((0.0, 0.0), True), ((0.0, 0.3), False), (0.5, False)])
def test_a_gate_that_never_grants_is_warned_about(write, grant, warned):
    body = {"initiatives": [chain("x", phase("a", {"dist": "fixed", "value": 1}))],
            "risks": [{"id": "g", "category": "financing", "applies_to": {"ids": ["a"]},
                       "funding": {"decisions": {"dates": ["2023-12-15", "2024-12-15"]},
                                   "grant_probability": list(grant) if isinstance(grant, tuple) else grant}}]}
    warnings: list[str] = []
    load_scenario(write(scenario_text(body)), warnings=warnings)
    said = "g: grant_probability is 0 at every budget decision; the phases it gates never start"
    assert (said in warnings) is warned


@pytest.mark.parametrize("names", [(None, None), ("a", "a"), ("a", "b")])
def test_a_second_benefit_rate_of_an_element_is_refused(write, names):
    """Rates are keyed by their `of` in the tables: a second one crashed the run."""
    rates = [{"of": "x", "per_month": 2.0, **({"name": n} if n else {})} for n in names]
    body = {"initiatives": [chain("x", phase("a", {"dist": "fixed", "value": 1})),
                            chain("y", phase("b", {"dist": "fixed", "value": 1}))],
            "benefits": {"rates": [{"of": "y", "per_month": 1.0}, *rates]}}
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(scenario_text(body)))
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("benefits.rates[2].of", "`x` has a rate already (rates[1]); give it one rate, "
                                 "with the per_month of both")]


def test_a_rate_of_an_element_called_total_is_refused(write):
    body = {"initiatives": [chain("total", phase("a", {"dist": "fixed", "value": 1}))],
            "benefits": {"rates": [{"of": "total", "per_month": 1.0}]}}
    with pytest.raises(ScenarioError, match=r"benefits\.rates\[0\]\.of: `total` names the sum"):
        load_scenario(write(scenario_text(body)))
