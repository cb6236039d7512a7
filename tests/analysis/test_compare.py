"""compare: differences on the calendar (days), whatever each scenario's start and unit."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from texts import chain, phase

from simulator import simulate
from simulator.analysis.compare import compare_results


def _body(scale: float = 1.0) -> dict:
    """Durations in days divided by ``scale`` (7 for the same plan in weeks)."""
    u = lambda a, b: {"dist": "uniform", "min": a / scale, "max": b / scale}  # noqa: E731
    return {"initiatives": [chain("x", phase("a", u(70, 140)), phase("b", u(35, 70))),
                            chain("y", phase("c", u(140, 280), after=["a"]))],
            "milestones": [{"id": "m", "after": ["x", "y"]}],
            "risks": [{"id": "r", "category": "vendor", "probability": 0.5,
                       "impact": {"dist": "uniform", "min": 1.1, "max": 1.5},
                       "applies_to": {"ids": ["b", "c"]}}]}


def _rows(table, scenario):
    return table[table["scenario"] == scenario].set_index("id")


def test_a_year_earlier_start_gains_a_year(build, seed):
    base = simulate(build(_body()), 400, seed)
    early = simulate(build(_body(), start="2021-01-01"), 400, seed)
    rows = _rows(compare_results({"base": base, "early": early}), "early")
    # the same draws (streams keyed by id), 365 days earlier: every gain is exactly a year
    np.testing.assert_allclose(rows["p80_gain_days"], 365.0, atol=1e-9)
    np.testing.assert_allclose(rows["p50_gain_days"], 365.0, atol=1e-9)
    np.testing.assert_allclose(rows["p80_gain"], 365.0, atol=1e-9)  # the baseline's unit: days
    assert (rows["prob_gain"] >= 0).all()


def test_the_same_plan_in_weeks_gains_nothing(build, seed):
    base = simulate(build(_body()), 400, seed)
    weeks = simulate(build(_body(7.0), unit="weeks"), 400, seed)
    table = compare_results({"base": base, "weeks": weeks})
    rows = _rows(table, "weeks")
    np.testing.assert_allclose(rows["p80_gain_days"], 0.0, atol=1e-6)
    np.testing.assert_allclose(rows["p50_gain_days"], 0.0, atol=1e-6)
    assert (rows["unit"] == "weeks").all()
    assert (_rows(table, "base")["unit"] == "days").all()
    assert (rows["p80_date"] == _rows(table, "base")["p80_date"]).all()


def test_gains_are_in_the_baseline_unit_and_in_days(build):
    weeks = simulate(build(_body(7.0), unit="weeks"), 300, 4)
    early = simulate(build(_body(), start="2021-01-01"), 300, 4)
    rows = _rows(compare_results({"weeks": weeks, "early": early}), "early")
    np.testing.assert_allclose(rows["p80_gain_days"], 365.0, atol=1e-6)
    np.testing.assert_allclose(rows["p80_gain"], 365.0 / 7, atol=1e-6)


def test_cli_compare_prints_calendar_gains_with_units(build, tmp_path):
    base = tmp_path / "base.yaml"
    build(_body())
    (tmp_path / "built.yaml").rename(base)
    (tmp_path / "early.yaml").write_text("extends: base.yaml\nscenario: {start: 2021-01-01}\n",
                                         encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "simulator", "compare", str(base),
                          str(tmp_path / "early.yaml"), "-n", "200", "--seed", "1"],
                         capture_output=True, text=True, check=True).stdout
    lines = [line for line in out.splitlines() if line.startswith("  ") and " gain " in line]
    assert len(lines) == 3, out
    for line in lines:
        assert "+365 days" in line and "+12.0 months" in line, out


@pytest.mark.parametrize("key", ["p50_gain_days", "p80_gain_days", "p80_gain", "unit"])
def test_compare_table_has_labelled_columns(build, key):
    res = simulate(build(_body()), 50, 1)
    assert key in compare_results({"a": res, "b": res}).columns
