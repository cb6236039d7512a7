"""Overlays: change, add and remove elements by id; refuse missing bases and loops."""

from __future__ import annotations

import pytest
from texts import TINY

from simulator import ScenarioError, load_scenario


def test_overlay_changes_adds_and_removes(write):
    write(TINY, "base.yaml")
    path = write("""\
        extends: base.yaml
        scenario: {name: what-if}
        initiatives:
          - id: pll
            phases:
              - id: pll-innforing
                duration: {dist: fixed, value: 30}
              - id: pll-ny-praksis
                kind: ny-praksis
                duration: {dist: fixed, value: 6}
        risks:
          - id: vendor-integration
            probability: 0.2
        remove: [late-sfm-release]
        """, "over.yaml")
    sc = load_scenario(path)
    assert sc.scenario.name == "what-if"
    assert sc.scenario.deadline.isoformat() == "2026-12-31"  # kept from the base
    pll = next(i for i in sc.initiatives if i.id == "pll")
    assert [p.id for p in pll.phases] == ["pll-utproving", "pll-innforing", "pll-ny-praksis"]
    assert pll.phases[1].duration.value == 30
    assert pll.phases[1].kind == "innforing"
    assert [r.id for r in sc.risks] == ["vendor-integration"]
    assert sc.risks[0].probability == 0.2 and sc.risks[0].impact is not None


def test_overlay_error_points_into_the_overlay(write):
    write(TINY, "base.yaml")
    path = write("""\
        extends: base.yaml
        risks:
          - id: vendor-integration
            probability: 3
        """, "over.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path) and info.value.line == 4


def test_error_in_base_points_into_the_base(write):
    base = write(TINY.replace("probability: 0.3", "probability: 3"), "base.yaml")
    path = write("extends: base.yaml\nscenario: {name: x}\n", "over.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(base.resolve()) and info.value.line == 39


def test_missing_base(write):
    path = write("extends: nowhere.yaml\n", "over.yaml")
    with pytest.raises(ScenarioError, match="does not exist") as info:
        load_scenario(path)
    assert info.value.line == 1


def test_extends_itself(write):
    path = write("extends: over.yaml\n", "over.yaml")
    with pytest.raises(ScenarioError, match="loop: over.yaml -> over.yaml"):
        load_scenario(path)


def test_extends_in_a_loop(write):
    write("extends: b.yaml\n", "a.yaml")
    path = write("extends: a.yaml\n", "b.yaml")
    with pytest.raises(ScenarioError, match="loop: b.yaml -> a.yaml -> b.yaml"):
        load_scenario(path)


def test_remove_unknown_id_suggests(write):
    write(TINY, "base.yaml")
    path = write("extends: base.yaml\nremove: [late-sfm-relase]\n", "over.yaml")
    with pytest.raises(ScenarioError, match="did you mean `late-sfm-release`"):
        load_scenario(path)


def test_removing_a_referenced_phase_is_reported(write):
    write(TINY, "base.yaml")
    path = write("extends: base.yaml\nremove: [sfm-utproving]\n", "over.yaml")
    with pytest.raises(ScenarioError, match="this overlay removes `sfm-utproving`, but "
                       "`pll-utproving`, `pll-innforing` still refer to it") as info:
        load_scenario(path)
    assert (info.value.file, info.value.line, info.value.path) == (str(path), 2, "remove[0]")


def test_unknown_overlay_key(write):
    write(TINY, "base.yaml")
    path = write("extends: base.yaml\nrisk: []\n", "over.yaml")
    with pytest.raises(ScenarioError, match="did you mean `risks`"):
        load_scenario(path)
