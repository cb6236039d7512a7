"""Shared fixtures: small scenarios written to temporary files, and seeds."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from texts import TINY, scenario_text

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# Property tests are derandomised by default, so a run is decisive and repeatable: the same
# examples every time, no example database carried between runs. HYPOTHESIS_PROFILE=dev
# explores fresh random examples locally.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", derandomize=False)
# the mutation run (tests/mutation) needs only to know that a test fails, not the smallest example
settings.register_profile("mutation", settings.get_profile("ci"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def write(tmp_path):
    """Write a YAML text (dedented) to a file in a temporary folder and return its path."""
    def _write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path
    return _write


@pytest.fixture
def tiny_file(write) -> Path:
    """A valid two-initiative scenario with both kinds of driver."""
    return write(TINY)


@pytest.fixture(params=[11, 2024, 31337])
def seed(request) -> int:
    """Statistical tests run over several seeds, so none is tuned to one."""
    return request.param


@pytest.fixture
def build(write):
    """Write sections to a scenario file and load it, as an analyst would."""
    from simulator import load_scenario

    def _build(body: dict, **header) -> "object":
        return load_scenario(write(scenario_text(body, **header), "built.yaml"))
    return _build

