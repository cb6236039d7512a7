"""A validated Scenario cannot be changed in place, and a variant of one is validated again."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from conftest import ROOT
from pydantic import ValidationError

from simulator import ScenarioError, load_scenario, simulate
from simulator.api import plan, scenario_hash
from simulator.scenario import derive
from simulator.scenario.models import Scenario

CAPACITY = ROOT / "scenarios" / "examples" / "capacity.yaml"


@pytest.fixture(scope="module")
def capacity():
    return load_scenario(CAPACITY)


def _sequences(sc):
    """Every kind of sequence a scenario holds, reached as a user would."""
    pll = sc.initiatives[0].phases[1]
    return {
        "initiatives": sc.initiatives, "phases": sc.initiatives[0].phases,
        "resources": sc.resources, "capacity steps": sc.resources[0].capacity,
        "selector kinds": sc.resources[0].applies_to.kinds, "priorities.order": sc.priorities.order,
        "percentiles": sc.scenario.percentiles, "rollout.ready": pll.rollout.ready,
        "ready.after": pll.rollout.ready[0].after, "ready.when values": pll.rollout.ready[0].when["epj"],
        "unit table": sc.units["helsefellesskap"], "milestone.after": sc.milestones[0].after,
        "tags": sc.initiatives[0].tags, "after": sc.initiatives[0].phases[0].after,
    }


def _mappings(sc):
    pll = sc.initiatives[0].phases[1]
    return {"units": sc.units, "uses": pll.uses, "order: {by}": pll.rollout.order,
            "when": pll.rollout.ready[0].when, "where": pll.rollout.where,
            "unit attributes": sc.units["helsefellesskap"][0].attributes}


def test_sequences_refuse_append_and_item_assignment(capacity):
    for name, seq in _sequences(capacity).items():
        with pytest.raises(AttributeError):
            seq.append(seq[0] if seq else "x")
        with pytest.raises(TypeError):
            seq[0] = None
        with pytest.raises((AttributeError, TypeError)):
            seq.extend([])
    assert len(capacity.initiatives) == 3  # nothing was added


def test_mappings_are_read_only(capacity):
    for name, mapping in _mappings(capacity).items():
        with pytest.raises(TypeError):
            mapping["new"] = 1
        with pytest.raises(TypeError):
            del mapping[next(iter(mapping), "x")]
        assert not hasattr(mapping, "update") and not hasattr(mapping, "pop"), name


def test_attribute_assignment_raises_at_every_level(capacity):
    with pytest.raises(ValidationError, match="frozen"):
        capacity.initiatives = ()
    with pytest.raises(ValidationError, match="frozen"):
        capacity.initiatives[0].phases[0].duration.mode = 1
    with pytest.raises(ValidationError, match="frozen"):
        capacity.units["helsefellesskap"][0].weight = 7


def test_dumps_keep_lists_and_mappings(capacity):
    """Tuples and read-only mappings dump as the JSON arrays and objects of the file."""
    data = json.loads(capacity.model_dump_json(by_alias=True))
    pll = data["initiatives"][0]["phases"][1]
    assert pll["uses"] == {"innforingsteam": 1}
    assert pll["rollout"]["order"] == {"by": "region"}
    assert pll["rollout"]["ready"] == [{"when": {"epj": ["epic"]}, "after": ["epic-godkjenning"]}]
    assert data["scenario"]["percentiles"] == [10, 50, 80, 90]
    assert data["units"]["helsefellesskap"][0]["attributes"]["epj"] == "dips"


def test_pickles_copies_and_hashes(capacity):
    """Worker processes get scenarios by pickle; equal content keeps its scenario_hash."""
    again = pickle.loads(pickle.dumps(capacity))
    assert again == capacity and copy.deepcopy(capacity) == capacity
    assert scenario_hash(again) == scenario_hash(capacity)
    assert hash(again) == hash(capacity)


def test_model_copy_with_a_duplicate_id_is_refused(tiny_file):
    sc = load_scenario(tiny_file)
    with pytest.raises(ScenarioError, match=r"<model_copy> initiatives\[2\]\.id: `sfm` is used more than once"):
        sc.model_copy(update={"initiatives": [*sc.initiatives, sc.initiatives[0]]})
    with pytest.raises(ScenarioError, match=r"risks\[0\]\.applies_to\.ids\[0\]: `nope` is not a known"):
        sc.model_copy(update={"risks": [sc.risks[0].model_copy(
            update={"applies_to": {"ids": ["nope"]}})]})
    with pytest.raises(ScenarioError, match="unknown key `nope`"):
        sc.model_copy(update={"nope": 1})


def test_model_copy_revalidates_into_tuples(tiny_file):
    sc = load_scenario(tiny_file)
    fewer = sc.model_copy(update={"risks": [sc.risks[0]]})
    assert isinstance(fewer.risks, tuple) and [r.id for r in fewer.risks] == ["vendor-integration"]
    assert len(sc.risks) == 2  # the original is untouched
    phase = sc.initiatives[0].phases[0].model_copy(update={"tags": ["x"]})
    assert phase.tags == ("x",)
    with pytest.raises(ValidationError):
        sc.initiatives[0].phases[0].model_copy(update={"kind": "nope"})
    assert sc.model_copy() is not sc and sc.model_copy() == sc


def test_simulate_refuses_duplicate_ids_built_without_validation(tiny_file):
    """model_construct skips validation; compiling still refuses ids used twice."""
    sc = load_scenario(tiny_file)
    fields = {name: getattr(sc, name) for name in Scenario.model_fields}
    broken = Scenario.model_construct(**fields | {"risks": sc.risks + sc.risks[:1]})
    with pytest.raises(ScenarioError, match=r"risks\[2\]\.id: `vendor-integration` is used more than once"):
        simulate(broken, 10, seed=1)
    with pytest.raises(ScenarioError, match="used more than once"):
        plan(broken)


def test_derive_works_on_a_scenario_of_tuples(capacity):
    """derive merges a dump of the scenario like an overlay, which expects lists."""
    variant = derive(capacity, {"priorities": {"order": ["kritisk-info"]},
                                "initiatives": [{"id": "kritisk-info", "tags": ["x"]}]})
    assert variant.priorities.order == ("kritisk-info",)
    assert variant.initiatives[1].tags == ("x",)
    assert variant.units == capacity.units


def test_shape_errors_read_as_lists(build, write):
    """A list field's errors say list, and an initiative whose phase is broken is not also
    reported as empty."""
    with pytest.raises(ScenarioError) as err:
        build({"initiatives": [{"id": "a", "phases": []}]})
    assert str(err.value).endswith("initiatives[0].phases: an empty list; at least 1 item is needed")
    with pytest.raises(ScenarioError) as err:
        build({"initiatives": [{"id": "a", "tags": "x", "phases": [
            {"id": "a1", "kind": "utvikling", "duration": {"dist": "fixed", "value": 1}, "after": {}}]}]})
    lines = str(err.value).splitlines()
    assert [ln.split(" ", 1)[1] for ln in lines] == [
        "initiatives[0].tags: expected a list, got 'x'",
        "initiatives[0].phases[0].after: expected a list, got dict"]
    with pytest.raises(ScenarioError) as err:
        build({"initiatives": [{"id": "a", "phases": [
            {"id": "a1", "kind": "utvikling", "duration": {"dist": "fixed", "value": 1}}]}],
            "resources": [{"id": "r", "capacity": "x"}]})
    assert [ln.split(" ", 1)[1] for ln in str(err.value).splitlines()] == [
        "resources[0].capacity: 'x': Input should be a valid integer",
        "resources[0].capacity: expected a list, got 'x'"]


def test_funding_dates_in_order_are_accepted(build):
    """The dates rule compares a tuple with a sorted list: in order must pass."""
    sc = build({"initiatives": [{"id": "a", "phases": [
        {"id": "a1", "kind": "utvikling", "duration": {"dist": "fixed", "value": 1}}]}],
        "risks": [{"id": "f", "category": "financing", "applies_to": {"ids": ["a1"]},
                   "funding": {"decisions": {"dates": ["2022-03-01", "2022-06-01"]},
                               "grant_probability": [0.5, 1.0]}}]})
    assert sc.risks[0].funding.grant_probability == (0.5, 1.0)
    net = __import__("simulator.scenario.compile", fromlist=["x"]).compile_scenario(sc)
    assert net.gates[0].grant.tolist() == [0.5, 1.0]
