"""A rollout's `order` given as a mapping must name the attribute to order by."""

from __future__ import annotations

import pytest

from simulator import ScenarioError, load_scenario

BODY = """
scenario: {name: t, version: "1", start: 2022-01-01, deadline: 2026-12-31, unit: months}
units:
  omrader:
    - {id: a, region: x}
    - {id: b, region: y}
initiatives:
  - id: i
    phases:
      - id: inn
        kind: innforing
        duration: {dist: fixed, value: 1}
        rollout: {over: omrader, order: ORDER}
"""


def test_an_empty_order_mapping_is_a_scenario_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BODY.replace("ORDER", "{}"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"rollout\.order.*by: attribute"):
        load_scenario(path)


def test_order_by_an_attribute_still_loads(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(BODY.replace("ORDER", "{by: region}"), encoding="utf-8")
    assert load_scenario(path).initiatives[0].phases[0].rollout.order == {"by": "region"}
