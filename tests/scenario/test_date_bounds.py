"""Every date a scenario may hold, and every time it may produce, is a date or after the horizon."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from texts import TINY

from simulator.cli import main
from simulator.scenario.network import times_to_dates

FAR = {  # each schedules something far past year 9999
    "fixed": ("{dist: uniform, min: 24, max: 48}", "{dist: fixed, value: 1000000}"),
    "lognormal": ("{dist: uniform, min: 24, max: 48}", "{dist: lognormal, p50: 10, p90: 1000000}"),
    "delay": ("delay: {dist: uniform, min: 2, max: 6}", "delay: {dist: fixed, value: 1000000}"),
    "lag": ("type: SS, lag: 3", "type: SS, lag: 1000000"),
}
REFUSED = {  # (old, new, line, field)
    "start 1": ("start: 2022-01-01", "start: 0001-01-01", 4, "scenario.start"),
    "start 9990": ("start: 2022-01-01", "start: 9990-01-01", 4, "scenario.start"),
    "deadline": ("deadline: 2026-12-31", "deadline: 9999-12-31", 5, "scenario.deadline"),
    "not_before": ("        after: [sfm-utproving]\n",
                   "        after: [sfm-utproving]\n        not_before: 9999-12-31\n", 23,
                   "initiatives[1].phases[0].not_before"),
    "funding first": ("    applies_to: {ids: [pll-utproving]}\n",
                      "    applies_to: {ids: [pll-utproving]}\n  - id: gate\n    category: financing\n"
                      "    funding: {decisions: {yearly: 12-15, first: -5}, grant_probability: 0.5}\n"
                      "    applies_to: {ids: [pll-utproving]}\n", 44, "risks[2].funding.decisions.first"),
}


@pytest.mark.parametrize("case", sorted(FAR))
def test_far_times_are_after_the_horizon(write, tmp_path, capsys, case):
    old, new = FAR[case]
    assert old in TINY
    path = str(write(TINY.replace(old, new), f"{case}.yaml"))
    assert main(["validate", path]) == 0
    assert main(["run", path, "-n", "300", "--seed", "1", "--out", str(tmp_path / "o")]) == 0
    if case == "lognormal":  # the rebuild reads the saved samples: the same path, once
        assert main(["report", str(tmp_path / "o")]) == 0
    assert "internal error" not in capsys.readouterr().err
    payload = json.loads((tmp_path / "o" / "summary.json").read_text())
    pll = next(a for a in payload["activities"] if a["id"] == "pll")
    assert pll["finish_date"]["p90"] == "after-horizon"


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_dates_outside_the_years_are_refused_with_a_position(write, capsys, case):
    old, new, line, field = REFUSED[case]
    assert old in TINY
    path = str(write(TINY.replace(old, new), "bad.yaml"))
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert f"bad.yaml:{line}:" in err and f"{field}: " in err and "outside the years 1900..2200" in err


def test_the_years_at_the_edges_work(write, capsys):
    text = TINY.replace("start: 2022-01-01", "start: 1900-01-01").replace(
        "deadline: 2026-12-31", "deadline: 2200-12-31")
    assert main(["run", str(write(text, "edge.yaml")), "-n", "200", "--seed", "1", "--json"]) == 0


def test_times_past_the_calendar_become_nat():
    t = np.array([0.0, 1.0, 3e6, 1e300, np.inf, -3e6])
    out = times_to_dates(t, dt.date(2022, 1, 1), 365.25 / 12, finish=False)
    assert out[0] == np.datetime64("2022-01-01") and out[1] == np.datetime64("2022-01-31")
    assert np.isnat(out[2:]).all()
