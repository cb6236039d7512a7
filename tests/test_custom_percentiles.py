"""A scenario's own percentiles work end to end and add to the contract's P10/P50/P80/P90."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from texts import scenario_text

from simulator import ScenarioError, load_scenario
from simulator.cli import main

DEFAULT = {"p10", "p50", "p80", "p90"}
N = 8_000


def _uniform(write, percentiles) -> str:
    """One phase of uniform(10, 110) days: its P(p) finish is 10 + p days."""
    body = {"initiatives": [{"id": "a", "phases": [
        {"id": "a1", "kind": "utvikling", "duration": {"dist": "uniform", "min": 10, "max": 110}}]}]}
    text = scenario_text(body).replace("  unit: days\n", f"  unit: days\n  percentiles: {percentiles}\n")
    return str(write(text, "pct.yaml"))


@pytest.mark.parametrize("percentiles, extra", [([5, 50, 95], {"p5", "p95"}),
                                                ([10, 80, 90], set()),
                                                ([2.5, 97.5], {"p2.5", "p97.5"})])
def test_custom_percentiles_end_to_end(write, tmp_path, capsys, percentiles, extra):
    path, out = _uniform(write, percentiles), tmp_path / "o"
    assert main(["run", path, "-n", str(N), "--seed", "3", "--out", str(out)]) == 0
    terminal = capsys.readouterr().out
    assert "P50" in terminal and "P80" in terminal
    payload = json.loads((out / "summary.json").read_text())
    row = next(a for a in payload["activities"] if a["id"] == "a1")
    keys = DEFAULT | extra
    assert set(row["finish_date"]) == keys and set(row["finish"]) == keys | {"mean", "std"}
    # uniform(10, 110): P(p) = 10 + p days; 5 standard errors of the order statistic as tolerance
    for key in keys:
        p = float(key[1:])
        se = (p / 100 * (1 - p / 100) / N) ** 0.5 * 100
        assert row["finish"][key] == pytest.approx(10 + p, abs=5 * se + 1e-9), key
    csv = pd.read_csv(out / "summary.csv", index_col="id")
    assert {f"finish_{k}" for k in keys} <= set(csv.columns)
    html = (out / "report.html").read_text(encoding="utf-8")
    for key in keys:
        assert f"P{key[1:]}" in html
    assert main(["report", str(out), "--lang", "en"]) == 0
    assert main(["run", path, "-n", "500", "--seed", "3", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["activities"][0]["finish_date"]) == keys


def test_percentiles_that_would_share_a_key_are_refused(write):
    with pytest.raises(ScenarioError, match="two give the same key"):
        load_scenario(_uniform(write, [33.33333, 33.333331]))
