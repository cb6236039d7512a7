"""A finish is never shown before its start: zero-length phases and milestones at midnight."""

from __future__ import annotations

import csv
import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest
from texts import chain, phase

from simulator import compile_scenario, simulate
from simulator.commands import validate_text
from simulator.scenario.network import times_to_dates


def fixed(v):
    return {"dist": "fixed", "value": v}


BODY = {"initiatives": [chain("x", phase("a", fixed(5)), phase("z", fixed(0)), phase("b", fixed(3))),
                        chain("y", phase("first", fixed(0)), phase("c", fixed(2)))],
        "milestones": [{"id": "m", "after": ["a"]}, {"id": "end", "after": ["x", "y"]}]}


def test_times_to_dates_never_puts_a_start_after_its_finish():
    start = dt.date(2022, 1, 1)
    t = np.array([0.0, 5.0, 5.5, 5.0, np.inf])
    until = np.array([0.0, 5.0, 5.5, 6.0, np.inf])
    starts = times_to_dates(t, start, 1.0, until=until)
    finishes = times_to_dates(until, start, 1.0, finish=True)
    assert [str(d) for d in starts] == ["2022-01-01", "2022-01-05", "2022-01-06", "2022-01-06", "NaT"]
    assert [str(d) for d in finishes] == ["2022-01-01", "2022-01-05", "2022-01-06", "2022-01-06", "NaT"]


@pytest.mark.parametrize("unit", ["days", "weeks", "months"])
def test_validate_plan_never_shows_a_finish_before_its_start(build, tmp_path, unit):
    sc = build(BODY, unit=unit)
    text = validate_text(str(tmp_path / "built.yaml"))
    spans = re.findall(r"(\d{4}-\d\d-\d\d) -> (\d{4}-\d\d-\d\d)", text)
    assert spans
    for a, b in spans:
        assert a <= b, text
    assert "2021-12-31" not in text  # nothing before the data date
    assert sc.scenario.unit == unit


def test_zero_length_in_summary_json_and_csv(build, tmp_path):
    res = simulate(build(BODY), 50, seed=1)
    wide = res.summary()
    for p in (10, 50, 80, 90):
        s, f = wide[f"start_date_p{p}"], wide[f"finish_date_p{p}"]
        assert (s <= f).all(), wide[[f"start_date_p{p}", f"finish_date_p{p}"]]
    # z runs 5 -> 5 days: it is reached as a finishes, at the end of 5 January
    assert str(wide.loc["z", "start_date_p50"])[:10] == "2022-01-05"
    assert str(wide.loc["z", "finish_date_p50"])[:10] == "2022-01-05"
    assert str(wide.loc["m", "start_date_p50"])[:10] == "2022-01-05"
    # a zero-length first phase is on the data date, not the day before
    assert str(wide.loc["first", "finish_date_p50"])[:10] == "2022-01-01"
    assert str(wide.loc["first", "start_date_p50"])[:10] == "2022-01-01"
    acts = {a["id"]: a for a in res.to_dict()["activities"]}
    assert acts["first"]["finish_date"]["p50"] == "2022-01-01"
    from simulator.output import write_outputs
    write_outputs(res, tmp_path / "out")
    with open(tmp_path / "out" / "summary.csv", encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    for r in rows.values():
        assert r["start_date_p50"] <= r["finish_date_p50"]
    assert rows["z"]["start_date_p50"] == rows["z"]["finish_date_p50"] == "2022-01-05"
    assert pd.Timestamp(rows["first"]["finish_date_p10"]).date().isoformat() == "2022-01-01"


def test_plan_dates_of_a_milestone(build):
    net = compile_scenario(build(BODY))
    from simulator import plan
    sched = plan(net)
    i = net.index("m")
    assert str(net.to_dates(sched.start[i, :1], until=sched.finish[i, :1])[0]) == "2022-01-05"
    assert str(net.to_dates(sched.finish[i, :1], finish=True)[0]) == "2022-01-05"
