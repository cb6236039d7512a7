"""Benefits against closed forms and integrals computed by hand or by quadrature."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import integrate
from texts import chain, phase

import simulator
from simulator.analysis.benefits import benefit_summary, flow_value, result_benefits
from simulator.errors import ScenarioError

MONTH = 365.25 / 12
START = dt.date(2022, 1, 1)


def months_to(day: dt.date) -> float:
    """Months from the start to the end of ``day``: the convention for deadline and horizon."""
    return ((day - START).days + 1) / MONTH


def fixed(v: float) -> dict:
    return {"dist": "fixed", "value": v}


def test_fixed_delivery_gives_rate_times_months_times_discount_factor(build):
    r, d = 2.5, 0.04
    sc = build({"initiatives": [chain("a", phase("a-1", fixed(12)))],
                "benefits": {"discount_rate": d, "horizon": "2031-12-31",
                             "rates": [{"of": "a", "per_month": r}]}}, unit="months")
    res = simulator.simulate(sc, 50, seed=1)
    s = result_benefits(res)
    deadline, horizon = months_to(dt.date(2026, 12, 31)), months_to(dt.date(2031, 12, 31))
    assert np.allclose(s.by_deadline, r * (deadline - 12), rtol=1e-12)
    # r x months x the mean discount factor over them: ∫ (1+d)^(-t/12) dt in closed form
    months = horizon - 12
    factor = 12 / np.log1p(d) * ((1 + d) ** (-12 / 12) - (1 + d) ** (-horizon / 12)) / months
    assert np.allclose(s.present_value, r * months * factor, rtol=1e-12)
    assert 0.75 < factor < 0.96  # discounting over years 1 to 10 at 4 %
    table = res.benefits()
    assert table.loc[("total", "present_value"), "mean"] == pytest.approx(r * months * factor)
    assert table.loc[("total", "present_value"), "p50"] == pytest.approx(r * months * factor)


def test_ramp_up_loses_half_the_ramp(build):
    r, ramp = 2.0, 6.0
    sc = build({"initiatives": [chain("a", phase("a-1", fixed(10)))],
                "benefits": {"discount_rate": 0.0, "horizon": "2031-12-31",
                             "rates": [{"of": "a", "per_month": r, "ramp_up": ramp}]}}, unit="months")
    s = result_benefits(simulator.simulate(sc, 20, seed=1))
    deadline, horizon = months_to(dt.date(2026, 12, 31)), months_to(dt.date(2031, 12, 31))
    assert np.allclose(s.by_deadline, r * (deadline - 10 - ramp / 2), rtol=1e-12)
    assert np.allclose(s.present_value, r * (horizon - 10 - ramp / 2), rtol=1e-12)


@pytest.mark.parametrize("k, ramp, start, end", [(0.04, 6.0, 10.0, 100.0), (0.1, 12.0, 5.0, 11.0),
                                                  (0.04, 0.0, 3.0, 50.0), (0.0, 3.0, 48.0, 49.5),
                                                  (0.04, 6.0, 60.0, 50.0), (0.04, 0.2, 10.0, 100.0),
                                                  (1e-9, 6.0, 10.0, 100.0)])
def test_flow_value_is_the_integral(k, ramp, start, end):
    km = np.log1p(k) / 12

    def rate(t):
        level = 1.0 if ramp == 0 else min(max((t - start) / ramp, 0.0), 1.0)
        return 3.0 * level * np.exp(-km * t) if t >= start else 0.0
    expected = integrate.quad(rate, min(start, end), end, points=[start + ramp], limit=200)[0] \
        if start < end else 0.0
    got = flow_value(np.array([start]), end, 3.0, km, ramp)[0]
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert flow_value(np.array([np.inf]), end, 3.0, km, ramp)[0] == 0.0


def _rollout_scenario(build, weights, discount):
    units = [{"id": f"u{j}", "weight": w} for j, w in enumerate(weights)]
    roll = phase("a-inn", fixed(3), "innforing", uses={"team": 1}, rollout={"over": "areas"})
    return build({"resources": [{"id": "team", "capacity": 1}], "units": {"areas": units},
                  "initiatives": [chain("a", roll)],
                  "benefits": {"discount_rate": discount, "horizon": "2031-12-31",
                               "rates": [{"of": "a-inn", "per_month": 4.0}]}}, unit="months")


def test_rollout_benefit_is_the_integral_of_its_coverage_ramp(build):
    # one team, units of 3 months each in listed order: coverage climbs 1/4 every 3 months
    sc = _rollout_scenario(build, [1, 1, 1, 1], 0.0)
    s = result_benefits(simulator.simulate(sc, 10, seed=1))
    deadline = months_to(dt.date(2026, 12, 31))
    # ∫_0^D 4 * cov(t) dt with cov = (number of k with 3k <= t) / 4
    expected = 4.0 * sum((deadline - 3 * k) / 4 for k in (1, 2, 3, 4))
    assert np.allclose(s.by_deadline, expected, rtol=1e-12)


def test_rollout_benefit_follows_the_unit_weights(build):
    sc = _rollout_scenario(build, [1, 3], 0.04)
    s = result_benefits(simulator.simulate(sc, 10, seed=1))
    horizon = months_to(dt.date(2031, 12, 31))
    km = np.log1p(0.04) / 12

    def cov(t):
        return (0.25 * (t >= 3) + 0.75 * (t >= 6)) * np.exp(-km * t)
    expected = 4.0 * integrate.quad(cov, 0, horizon, points=[3, 6], limit=200)[0]
    assert np.allclose(s.present_value, expected, rtol=1e-9)


def test_benefits_in_the_json_and_absent_without_them(build, tiny_file):
    sc = build({"initiatives": [chain("a", phase("a-1", fixed(12)))],
                "benefits": {"unit": "MNOK", "rates": [{"of": "a", "per_month": 1}]}}, unit="months")
    out = simulator.simulate(sc, 20, seed=3).to_dict()
    b = out["benefits"]
    assert b["unit"] == "MNOK" and b["discount_rate"] == 0.04
    assert b["rates"][0]["of"] == "a"
    assert b["total"]["present_value"]["mean"] == pytest.approx(b["rates"][0]["present_value"]["mean"])
    assert set(b["total"]["by_deadline"]) >= {"mean", "mean_lo", "mean_hi", "p10", "p50", "p90", "p50_lo"}
    plain = simulator.simulate(simulator.load_scenario(tiny_file), 20, seed=3)
    assert "benefits" not in plain.to_dict() and plain.benefits() is None


def test_summary_intervals_cover_the_estimates(tiny_file):
    sc = simulator.scenario.derive(simulator.load_scenario(tiny_file), {"benefits": {
        "rates": [{"of": "pll", "per_month": 2}, {"of": "sfm", "per_month": 1, "ramp_up": 3}]}})
    t = benefit_summary(result_benefits(simulator.simulate(sc, 2000, seed=5)))
    assert (t["mean_lo"] < t["mean"]).all() and (t["mean"] < t["mean_hi"]).all()
    assert (t["p10"] <= t["p50"]).all() and (t["p50"] <= t["p90"]).all()
    total = t.xs("present_value", level="quantity")
    assert total.loc["total", "mean"] == pytest.approx(total.loc["pll", "mean"] + total.loc["sfm", "mean"])


@pytest.mark.parametrize("benefits, message", [
    ({"rates": [{"of": "nope", "per_month": 1}]}, r"benefits\.rates\[0\]\.of: `nope` is not an initiative"),
    ({"rates": [{"of": "a", "per_month": 1, "ramp_up": -2}]}, r"benefits\.rates\[0\]\.ramp_up: -2 is negative"),
    ({"discount_rate": 1.5}, r"benefits\.discount_rate: 1.5 is not within"),
    ({"horizon": "2021-01-01"}, r"benefits\.horizon: 2021-01-01 is not after start"),
    ({"horizon": "2060-01-01"}, r"benefits\.horizon: 2060-01-01 is after the scenario's horizon 2052-01-01"),
    ({"rates": [{"of": "a-1", "per_month": 1}]}, r"`a-1` is not an initiative or a rollout phase"),
])
def test_bad_benefits_name_the_field(build, benefits, message):
    with pytest.raises(ScenarioError, match=message):
        build({"initiatives": [chain("a", phase("a-1", fixed(12)))], "benefits": benefits}, unit="months")


def test_benefit_rule_serves_the_most_valuable_initiative_first(build):
    def body(low: str, high: str) -> dict:
        return {"resources": [{"id": "team", "capacity": 1}],
                "priorities": {"rule": "benefit"},
                "initiatives": [chain(n, phase(f"{n}-1", fixed(4), uses={"team": 1})) for n in ("a", "b")],
                "benefits": {"rates": [{"of": low, "per_month": 1}, {"of": high, "per_month": 5}]}}
    for low, high in (("a", "b"), ("b", "a")):
        res = simulator.simulate(build(body(low, high), unit="months"), 5, seed=1)
        assert (res.start(f"{high}-1") == 0).all() and (res.start(f"{low}-1") == 4).all()


def test_terminal_summary_shows_the_benefits(build, capsys, tmp_path):
    from simulator.cli import main
    path = tmp_path / "s.yaml"
    from texts import scenario_text
    path.write_text(scenario_text({"initiatives": [chain("a", phase("a-1", fixed(12)))],
                                   "benefits": {"unit": "MNOK", "discount_rate": 0.0, "horizon": "2031-12-31",
                                                "rates": [{"of": "a", "per_month": 2}]}}, unit="months"))
    assert main(["run", str(path), "-n", "20", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    by_deadline = 2 * (months_to(dt.date(2026, 12, 31)) - 12)
    assert "Benefits (MNOK" in out and f"{by_deadline:9.1f}" in out
    # a fixed date: every iteration the same, so the interval and the spread close on the mean
    v = f"{by_deadline:.1f}"
    assert f"{by_deadline:9.1f} [{v}, {v}] (P10 {v}, P90 {v})" in out
    assert "means, the 95 % interval of the mean in [ ], and the spread over iterations" in out


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(a=st.floats(0, 200), b=st.floats(0, 200), end=st.floats(1, 400), d=st.floats(0, 0.2),
       ramp=st.floats(0, 36))
def test_later_use_never_brings_more(a, b, end, d, ramp):
    k = np.log1p(d) / 12
    early, late = flow_value(np.array([min(a, b)]), end, 2.0, k, ramp)[0], \
        flow_value(np.array([max(a, b)]), end, 2.0, k, ramp)[0]
    assert -1e-9 <= late <= early + 1e-9
    # a ramp-up never adds value, and discounting never does either
    assert early <= flow_value(np.array([min(a, b)]), end, 2.0, k, 0.0)[0] + 1e-9
    assert early <= flow_value(np.array([min(a, b)]), end, 2.0, 0.0, ramp)[0] + 1e-9
