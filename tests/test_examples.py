"""Every example scenario validates and runs; the benefits example prioritises."""

from __future__ import annotations

import json

import pytest
from conftest import SCENARIOS

from simulator.cli import main

EXAMPLES = sorted((SCENARIOS / "examples").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_example_validates_and_runs(path, capsys):
    assert main(["validate", str(path)]) == 0
    capsys.readouterr()
    assert main(["run", str(path), "-n", "500", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["iterations"] == 500


def test_the_benefits_example_is_marked_illustrative_and_prioritises(capsys):
    path = SCENARIOS / "examples" / "capacity-nytte.yaml"
    assert "ILLUSTRATIVE ASSUMPTIONS" in path.read_text(encoding="utf-8")
    assert main(["run", str(path), "-n", "300", "--seed", "1", "--json"]) == 0
    benefits = json.loads(capsys.readouterr().out)["benefits"]
    assert benefits["unit"] == "MNOK" and [r["of"] for r in benefits["rates"]] == ["pll-innforing", "kritisk-info"]
    assert main(["prioritise", str(path), "-n", "200", "--seed", "1"]) == 0
    assert "Recommended order" in capsys.readouterr().out
