"""`veikart validate` plans work that holds resources as a run schedules it: queued."""

from __future__ import annotations

from conftest import ROOT
from texts import chain, phase, scenario_text

from simulator.cli import main


def test_the_plan_queues_for_capacity(write, capsys):
    body = {"resources": [{"id": "team", "capacity": 1}],
            "initiatives": [chain("a", phase("a1", {"dist": "fixed", "value": 10}, kind="tilpasning",
                                             uses={"team": 1})),
                            chain("b", phase("b1", {"dist": "fixed", "value": 10}, kind="tilpasning",
                                             uses={"team": 1}))],
            "milestones": [{"id": "done", "after": ["a", "b"]}]}
    assert main(["validate", str(write(scenario_text(body)))]) == 0
    out = capsys.readouterr().out
    assert "queueing for capacity" in out
    # one team: b waits for a's ten days (days 1-10), then runs days 11-20
    assert "2022-01-11 -> 2022-01-20" in out and "finishing 2022-01-20" in out
    path = out.split("Critical path to done")[1]
    assert "a1" in path and "b1" in path   # the queue is on the critical path


def test_the_critical_path_reads_in_the_order_the_work_finishes(capsys):
    """A rollout spans its units: listed by start it came before the work its last unit
    waited for. By finish: the unit, then its rollout, then the milestone, on one day."""
    assert main(["validate", str(ROOT / "scenarios" / "examples" / "capacity.yaml")]) == 0
    out = capsys.readouterr().out
    # counted as the file writes them, the units and drivers they expand to in brackets
    assert "4 phases (19 rollout units), 2 milestones, 1 risk (19 drivers)" in out
    rows = out.split("Critical path to ")[1].split("\n\n")[0].splitlines()[1:]
    finishes = [row.split(" -> ")[1][:10] for row in rows]
    assert finishes == sorted(finishes) and len(rows) > 2
    milestone = next(k for k, row in enumerate(rows) if row.split()[0] == "alt-i-bruk")
    # the milestone finishes on the day of the rollout and its last unit, and is listed after them
    assert finishes[-3:] == [finishes[milestone]] * 3 and milestone == len(rows) - 1
    summary_at = {row.split()[0]: k for k, row in enumerate(rows)}
    for k, row in enumerate(rows):  # a rollout's unit on the path comes before the rollout
        name = row.split()[0]
        if "/" in name and name.split("/")[0] in summary_at:
            assert k < summary_at[name.split("/")[0]]
