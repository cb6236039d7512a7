"""The capacity part of the scenario format: unit tables inline and in CSV files."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from simulator import compile_scenario, load_scenario
from simulator.errors import ScenarioError

SCENARIO = """\
scenario:
  name: units
  version: "1"
  start: 2024-01-01
  deadline: 2026-12-31
  unit: days
resources:
  - id: teams
    capacity: 2
units:
  hf: {units}
initiatives:
  - id: gate
    phases:
      - id: approval
        kind: utproving
        duration: {{dist: fixed, value: 15}}
  - id: pll
    phases:
      - id: roll
        kind: innforing
        duration: {{dist: fixed, value: 10}}
        uses: {{teams: 1}}
        rollout:
          over: hf
          order: weight
          ready:
            - when: {{epj: [epic]}}
              after: [approval]
milestones:
  - id: half
    after: [{{id: roll, done: 0.5}}]
"""

CSV = """\
id,name,weight,epj
vest,Helse Vest,4,dips
midt,Helse Midt,2,epic
nord,Helse Nord,1,dips
"""


def _write(folder, text: str, name: str = "scenario.yaml"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_units_from_a_csv_file_beside_the_scenario(tmp_path):
    _write(tmp_path / "data", CSV, "hf.csv")
    path = _write(tmp_path, SCENARIO.format(units="{file: data/hf.csv}"))
    sc = load_scenario(path)
    units = sc.units["hf"]
    assert [u.id for u in units] == ["vest", "midt", "nord"]
    assert [u.name for u in units] == ["Helse Vest", "Helse Midt", "Helse Nord"]
    assert [u.weight for u in units] == [4.0, 2.0, 1.0]
    assert [u.attributes for u in units] == [{"epj": "dips"}, {"epj": "epic"}, {"epj": "dips"}]
    net = compile_scenario(sc)
    assert [net.ids[i] for i in net.rollouts[0].units] == ["roll/vest", "roll/midt", "roll/nord"]
    # the epic unit alone waits for the approval
    assert net.ids.index("approval") in net.pred_idx[
        net.pred_ptr[net.index("roll/midt")]:net.pred_ptr[net.index("roll/midt") + 1]]
    for u in ("roll/vest", "roll/nord"):
        i = net.index(u)
        assert net.pred_ptr[i + 1] == net.pred_ptr[i]


def test_the_same_units_inline_with_attributes_as_plain_keys(tmp_path):
    inline = ("[{id: vest, name: Helse Vest, weight: 4, epj: dips}, "
              "{id: midt, name: Helse Midt, weight: 2, epj: epic, region: 3}, "
              "{id: nord, name: Helse Nord, weight: 1, attributes: {epj: dips}}]")
    sc = load_scenario(_write(tmp_path, SCENARIO.format(units=inline)))
    units = sc.units["hf"]
    assert [u.attributes for u in units] == [{"epj": "dips"}, {"epj": "epic", "region": "3"},
                                             {"epj": "dips"}]
    assert [u.weight for u in units] == [4.0, 2.0, 1.0]
    _write(tmp_path / "data", CSV, "hf.csv")
    from_file = load_scenario(_write(tmp_path, SCENARIO.format(units="{file: data/hf.csv}"),
                                     "file.yaml"))
    a, b = compile_scenario(sc), compile_scenario(from_file)
    assert a.ids == b.ids
    for name in ("pred_ptr", "pred_idx", "weight", "share", "claim_ptr", "priority_rank",
                 "position"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("bad_row, line, what", [
    ("nord,Helse Nord,1\n", 4, "3 values for 4 columns"),
    ("nord,Helse Nord,lots,dips\n", 4, "not a number"),
    ("nord,Helse Nord,1,dips,extra\n", 4, "5 values for 4 columns"),
])
def test_a_malformed_csv_row_names_the_file_and_line(tmp_path, bad_row, line, what):
    lines = CSV.splitlines(keepends=True)
    _write(tmp_path, "".join(lines[:3]) + bad_row, "hf.csv")
    path = _write(tmp_path, SCENARIO.format(units="{file: hf.csv}"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    err = info.value
    assert err.file.endswith("hf.csv")
    assert err.line == line
    assert what in str(err)
    assert f"hf.csv:{line}:" in str(err)


def test_a_csv_without_an_id_column_is_refused(tmp_path):
    _write(tmp_path, "name,weight\nVest,1\n", "hf.csv")
    with pytest.raises(ScenarioError, match="id") as info:
        load_scenario(_write(tmp_path, SCENARIO.format(units="{file: hf.csv}")))
    assert info.value.file.endswith("hf.csv") and info.value.line == 1


@pytest.mark.parametrize("ref", ["../outside.csv", "data/../../outside.csv"])
def test_a_csv_outside_the_scenario_folder_is_refused(tmp_path, ref):
    _write(tmp_path, CSV, "outside.csv")          # exists, and is valid, but outside
    (tmp_path / "sc" / "data").mkdir(parents=True)
    path = _write(tmp_path / "sc", SCENARIO.format(units=f"{{file: {ref}}}"))
    with pytest.raises(ScenarioError, match="outside") as info:
        load_scenario(path)
    assert info.value.file.endswith("scenario.yaml")
    assert info.value.line is not None


def test_an_absolute_csv_path_outside_is_refused(tmp_path):
    outside = _write(tmp_path, CSV, "outside.csv")
    path = _write(tmp_path / "sc", SCENARIO.format(units=f"{{file: '{outside}'}}"))
    with pytest.raises(ScenarioError, match="outside"):
        load_scenario(path)


def test_a_missing_csv_is_a_scenario_error(tmp_path):
    path = _write(tmp_path, SCENARIO.format(units="{file: nowhere.csv}"))
    with pytest.raises(ScenarioError, match="does not exist"):
        load_scenario(path)


def test_a_bad_unit_id_in_a_csv_is_reported_at_its_line_alone(tmp_path):
    _write(tmp_path, CSV.replace("midt,Helse Midt", "Helse Midt,Helse Midt"), "hf.csv")
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, SCENARIO.format(units="{file: hf.csv}")))
    text = str(info.value)
    assert "'Helse Midt' is not a valid id" in text
    assert "not a known resource" not in text
    assert "is not a unit table" not in text
    assert len(info.value.problems) == 1
    assert info.value.file.endswith("hf.csv") and info.value.line == 3


def test_a_cycle_closed_by_a_ready_rule_is_spelled_out_at_the_rule(tmp_path):
    """``approval`` waits for the rollout, and the rollout's epic units wait for ``approval``:
    only the units close the cycle, which stopped the compiler with an internal error."""
    text = SCENARIO.format(units="{file: hf.csv}").replace(
        "        duration: {dist: fixed, value: 15}\n",
        "        duration: {dist: fixed, value: 15}\n        after: [roll]\n", 1)
    (tmp_path / "hf.csv").write_text(CSV)
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, text))
    [problem] = info.value.problems
    assert problem.path == "initiatives[1].phases[0].rollout.ready"
    assert problem.line == 29  # the rule's list, under `ready:`
    cycle = problem.message.split("dependency cycle through the rollout's units: ")[1]
    assert cycle.split(" (")[0].split(" -> ") == ["approval", "roll/midt", "roll", "approval"]


@pytest.mark.parametrize("old, new, path, message", [
    # a count: its own bound, and no "expected a list" from the form it was not written in
    ("    capacity: 2\n", "    capacity: -3\n", "resources[0].capacity",
     "-3 is below the least the format allows here, 0"),
    ("{dist: fixed, value: 15}", "{dist: fixed, value: 2000000}", "initiatives[0].phases[0].duration.value",
     "2000000 is above the most the format allows here, 1e+06"),
])
def test_a_number_out_of_range_is_told_its_own_bound_once(tmp_path, old, new, path, message):
    text = SCENARIO.format(units="{file: hf.csv}")
    assert text.count(old) == 1
    (tmp_path / "hf.csv").write_text(CSV)
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, text.replace(old, new)))
    assert [(p.path, p.message) for p in info.value.problems] == [(path, message)]


@pytest.mark.parametrize("own", ["roll", "pll"])  # the rollout phase, its initiative
def test_a_ready_rule_that_waits_for_its_own_rollout_says_so(tmp_path, own):
    """It said "`roll` is not a known phase (did you mean `roll`?)"."""
    (tmp_path / "hf.csv").write_text(CSV)
    text = SCENARIO.format(units="{file: hf.csv}").replace("after: [approval]", f"after: [{own}]")
    with pytest.raises(ScenarioError) as info:
        load_scenario(_write(tmp_path, text))
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("initiatives[1].phases[0].rollout.ready[0].after[0]",
         f"`{own}` cannot be waited for by its own rollout's units")]
