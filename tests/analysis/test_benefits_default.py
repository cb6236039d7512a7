"""The default scenario's benefit rates: present, flagged illustrative, and valued as by hand."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pytest
import yaml
from conftest import SCENARIOS
from scipy import integrate
from texts import chain, phase, scenario_text

import simulator

DEFAULT = SCENARIOS / "veikart-22.1.yaml"
MONTH = 365.25 / 12
START = dt.date(2022, 1, 1)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def run():
    return simulator.simulate(simulator.load_scenario(DEFAULT), 300, seed=7)


def test_default_scenario_has_benefits_flagged_as_illustrative(raw):
    b = simulator.load_scenario(DEFAULT).benefits
    assert b is not None and b.unit == "MNOK"
    assert b.discount_rate == 0.04  # R-109's normal real rate (docs/domain notes)
    assert b.horizon is not None and b.horizon > dt.date(2026, 12, 31)
    assert "illustrative" in b.note.lower() and "not from the roadmap" in b.note
    assert "overlay" in b.note  # how an analyst replaces them
    # every rate's line says so in the file too
    text = DEFAULT.read_text(encoding="utf-8").split("\nbenefits:\n", 1)[1]
    rate_lines = [ln for ln in text.splitlines() if ln.strip().startswith("per_month:")]
    assert len(rate_lines) == len(b.rates) and all("illustrative assumption" in ln for ln in rate_lines)


def test_the_roadmaps_largest_services_have_the_largest_rates(raw):
    rates = {r["of"]: r["per_month"] for r in raw["benefits"]["rates"]}
    top_two = sorted(rates, key=rates.get, reverse=True)[:2]
    assert set(top_two) == {"pll-innforing", "erk-innforing"}
    # enablers bring value only through the services that use them: no rate of their own
    enablers = {i["id"] for i in raw["initiatives"] if "enabler" in i.get("tags", [])}
    assert enablers and not enablers & set(rates)


def _units(raw: dict, phase_id: str) -> list[tuple[str, float]]:
    """(unit id, weight) of a rollout phase, read from the CSV and the YAML, not the Network."""
    ph = next(p for i in raw["initiatives"] for p in i["phases"] if p["id"] == phase_id)
    roll = ph["rollout"]
    path = SCENARIOS / raw["units"][roll["over"]]["file"]
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    where = roll.get("where", {})
    rows = [r for r in rows if all(r[k] in v for k, v in where.items())]
    return [(r["id"], float(r["weight"] or 1)) for r in rows]


def _ramped_months(x: np.ndarray, ramp: float) -> np.ndarray:
    """Full-rate months in ``x`` months of use with a linear ramp: 0, x²/2R, then x - R/2."""
    x = np.where(np.isfinite(x), x, -1.0)
    if ramp == 0:
        return np.maximum(x, 0.0)
    return np.where(x <= 0, 0.0, np.where(x < ramp, x ** 2 / (2 * ramp), x - ramp / 2))


def test_benefit_by_the_deadline_equals_a_hand_computation(raw, run):
    deadline = (dt.date(2027, 1, 1) - START).days / MONTH  # to the end of the deadline day
    got = {r["of"]: r for r in run.to_dict()["benefits"]["rates"]}
    total = 0.0
    for rate in raw["benefits"]["rates"]:
        ramp = rate.get("ramp_up", 0)
        if "/" not in rate["of"] and rate["of"] in {i["id"] for i in raw["initiatives"]}:
            parts = [(run.finish(rate["of"]), 1.0)]
        else:
            units = _units(raw, rate["of"])
            weight = sum(w for _, w in units)
            parts = [(run.finish(f"{rate['of']}/{u}"), w / weight) for u, w in units]
        hand = sum(w * rate["per_month"] * _ramped_months(deadline - t, ramp) for t, w in parts)
        assert got[rate["of"]]["by_deadline"]["mean"] == pytest.approx(hand.mean(), rel=1e-9, abs=1e-9)
        total += hand.mean()
    assert run.to_dict()["benefits"]["total"]["by_deadline"]["mean"] == pytest.approx(total, rel=1e-9)


def test_present_value_of_pll_equals_the_integral_of_its_coverage(raw, run):
    rate = next(r for r in raw["benefits"]["rates"] if r["of"] == "pll-innforing")
    horizon = (dt.date(2037, 1, 1) - START).days / MONTH
    units = _units(raw, "pll-innforing")
    finishes = np.array([run.finish(f"pll-innforing/{u}") for u, _ in units])
    weights = np.array([w for _, w in units]) / sum(w for _, w in units)
    k = np.log1p(0.04) / 12
    ramp = rate["ramp_up"]
    pv = simulator.analysis.benefits.result_benefits(run).present_value[0]
    for it in range(3):  # quadrature is slow; three iterations check the closed form
        t = finishes[:, it]

        def flow(s, t=t):
            level = np.clip((s - t) / ramp, 0.0, 1.0)
            return rate["per_month"] * float(weights @ level) * np.exp(-k * s)
        points = sorted({*t[np.isfinite(t)], *(t[np.isfinite(t)] + ramp)})
        points = [p for p in points if 0 < p < horizon]
        expected = integrate.quad(flow, 0, horizon, points=points, limit=500)[0]
        assert pv[it] == pytest.approx(expected, rel=1e-7)


def test_the_note_travels_with_the_figures(write, tmp_path, capsys):
    note = "Illustrative assumptions <b>not</b> from the roadmap"
    spread = {"dist": "triangular", "min": 10, "mode": 12, "max": 16}
    path = write(scenario_text({"initiatives": [chain("a", phase("a-1", spread))],
                                "benefits": {"note": note, "rates": [{"of": "a", "per_month": 2}]}},
                               unit="months"), "noted.yaml")
    from simulator.cli import main
    assert main(["run", str(path), "-n", "20", "--seed", "1", "--out", str(tmp_path / "out")]) == 0
    assert f"Note: {note}" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["benefits"]["note"] == note
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Illustrative assumptions &lt;b&gt;not&lt;/b&gt; from the roadmap" in html  # text, not markup
    plain = write(scenario_text({"initiatives": [chain("a", phase("a-1", {"dist": "fixed", "value": 12}))],
                                 "benefits": {"rates": [{"of": "a", "per_month": 2}]}}, unit="months"), "p.yaml")
    out = simulator.simulate(simulator.load_scenario(plain), 20, seed=1).to_dict()
    assert out["benefits"]["note"] is None
