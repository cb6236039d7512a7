"""Fixtures of the report tests: small finished runs and their ReportData, built once per session."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from texts import TINY

from simulator import load_scenario, simulate
from simulator.report.data import ReportData

ITERATIONS = 2_000

#: A funding gate that may never grant before the horizon: some finishes are ``inf``.
LATE = """\
scenario:
  name: late
  version: "1"
  start: 2022-01-01
  deadline: 2024-12-31
  horizon: 2027-12-31
  unit: months
initiatives:
  - id: a
    name: Always funded
    phases:
      - {id: a-utvikling, kind: utvikling, duration: {dist: pert, min: 6, mode: 9, max: 15}}
  - id: b
    name: Maybe never funded
    phases:
      - {id: b-utvikling, kind: utvikling, duration: {dist: triangular, min: 3, mode: 6, max: 12}}
      - id: b-innforing
        kind: innforing
        tags: [budget]
        duration: {dist: uniform, min: 6, max: 12}
milestones:
  - {id: done, name: Both done, after: [a, b]}
risks:
  - id: budget
    name: Yearly budget
    category: financing
    funding:
      decisions: {yearly: "12-15", first: 2022}
      grant_probability: 0.15
    applies_to: {tags: [budget]}
  - id: slow
    name: Slow vendor
    category: vendor
    probability: 0.5
    impact: {dist: triangular, min: 1.1, mode: 1.3, max: 1.8}
    applies_to: {kinds: [utvikling]}
"""

#: A scenario whose every free text tries to run a script.
EVIL = (TINY.replace("name: tiny", "name: <script>alert(1)</script>")
        .replace("name: Pasientens legemiddelliste", 'name: "<img src=x onerror=alert(2)>PLL & co"')
        .replace("id: vendor-integration", 'id: vendor-integration\n    name: "</td><script>alert(3)</script>"'))


def _load(tmp_path_factory, text: str, name: str):
    path = tmp_path_factory.mktemp("scenarios") / name
    path.write_text(text, encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="session")
def tiny_result(tmp_path_factory):
    """TINY (two initiatives, one milestone, two drivers) run 2,000 times."""
    return simulate(_load(tmp_path_factory, TINY, "tiny.yaml"), ITERATIONS, seed=20220101)


@pytest.fixture(scope="session")
def late_result(tmp_path_factory):
    """A run in which about 38 % of initiative b's finishes are after the horizon."""
    return simulate(_load(tmp_path_factory, LATE, "late.yaml"), ITERATIONS, seed=7)


@pytest.fixture(scope="session")
def evil_result(tmp_path_factory):
    """TINY with script tags in the scenario, initiative and risk names."""
    return simulate(_load(tmp_path_factory, EVIL, "evil.yaml"), 500, seed=1)


@pytest.fixture(scope="session")
def roadmap_result():
    """The default Veikart 22.1 scenario run 2,000 times."""
    from conftest import SCENARIOS
    return simulate(load_scenario(SCENARIOS / "veikart-22.1.yaml"), ITERATIONS, seed=221)


@pytest.fixture(scope="session")
def tiny_data(tiny_result) -> ReportData:
    return ReportData.from_result(tiny_result)


@pytest.fixture(scope="session")
def late_data(late_result) -> ReportData:
    return ReportData.from_result(late_result)


@pytest.fixture(scope="session")
def roadmap_data(roadmap_result) -> ReportData:
    return ReportData.from_result(roadmap_result)


@pytest.fixture(autouse=True)
def no_figure_left_open():
    """Every test closes the figures it made: none may be left in pyplot afterwards."""
    plt.close("all")
    yield
    assert plt.get_fignums() == [], "a test left a figure open"
