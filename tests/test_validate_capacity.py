"""`veikart validate` plans work that holds resources as a run schedules it: queued."""

from __future__ import annotations

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
    assert "2022-01-11 -> 2022-01-20" in out and "planned 2022-01-20" in out
    path = out.split("Critical path to done")[1]
    assert "a1" in path and "b1" in path   # the queue is on the critical path
