"""Rollout coverage, utilisation and waiting match answers worked out by hand."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from texts import TINY

from simulator import load_scenario, simulate
from simulator.analysis import rollouts as ro

D = 10  # days per unit


def _rollout_body(weights, teams: int, d: float = D, extra_resources=()) -> dict:
    return {
        "resources": [{"id": "team", "name": "Team", "capacity": teams}, *extra_resources],
        "units": {"sites": [{"id": f"s{k}", "weight": w} for k, w in enumerate(weights)]},
        "initiatives": [{"id": "ini", "phases": [{
            "id": "roll", "kind": "innforing", "duration": {"dist": "fixed", "value": d},
            "uses": {"team": 1}, "rollout": {"over": "sites"}}]}],
    }


def _run(build, body, iterations=20, **header):
    return simulate(build(body, **header), iterations, seed=3)


# Six units of 10 days on two teams, in listed order: units 0-1 live at day 10, 2-3 at 20,
# 4-5 at 30. With weights 3,1,1,1,2,2 (total 10) the coverage is 0.4, 0.6 and 1.0.
WEIGHTS = [3, 1, 1, 1, 2, 2]


@pytest.fixture
def weighted(build):
    return _run(build, _rollout_body(WEIGHTS, 2), deadline="2022-01-20")


def test_coverage_steps_at_hand_computed_days_and_weights(weighted):
    curve = ro.coverage_curve(weighted, "roll", step_days=1)
    by_date = curve.set_index("date")
    expected = {"2022-01-09": 0.0, "2022-01-10": 0.4, "2022-01-19": 0.4, "2022-01-20": 0.6,
                "2022-01-29": 0.6, "2022-01-30": 1.0, "2022-02-05": 1.0}
    for day, share in expected.items():
        row = by_date.loc[pd.Timestamp(day)]
        assert row["mean"] == pytest.approx(share)
        assert row["p10"] == row["p50"] == row["p90"] == pytest.approx(share)
    assert list(curve["time"][:3]) == [1.0, 2.0, 3.0]  # the end of each day
    # the steps: the coverage changes on these days only
    changes = curve["date"][curve["mean"].diff().fillna(0) != 0].dt.strftime("%Y-%m-%d")
    assert list(changes) == ["2022-01-10", "2022-01-20", "2022-01-30"]


def test_monthly_grid_runs_to_the_month_after_the_last_finish(weighted):
    curve = ro.coverage_curve(weighted, "roll")
    # every unit finishes by 30 January: January end, then one more month
    assert list(curve["date"].dt.strftime("%Y-%m-%d")) == ["2022-01-31", "2022-02-28"]
    assert list(curve["mean"]) == [1.0, 1.0]


@pytest.mark.parametrize("units,teams", [(6, 2), (7, 2), (7, 3), (5, 1)])
def test_time_to_full_coverage_is_ceil_n_over_k_times_d(build, units, teams):
    result = _run(build, _rollout_body([1] * units, teams))
    table = ro.coverage_summary(result)
    expected = math.ceil(units / teams) * D
    for p in result.network.percentiles:
        assert table.loc["roll", f"time_to_100_p{p:g}"] == expected
        assert table.loc["roll", f"time_to_100_p{p:g}_lo"] == expected
    date = pd.Timestamp("2022-01-01") + pd.Timedelta(days=expected - 1)
    assert table.loc["roll", "time_to_100_date_p50"] == date


def test_time_to_share_and_deadline_probabilities(weighted, build):
    table = ro.coverage_summary(weighted)
    row = table.loc["roll"]
    assert row["units"] == 6 and row["total_weight"] == 10
    assert row["time_to_50_p50"] == 20 and row["time_to_90_p50"] == 30
    assert row["time_to_50_date_p50"] == pd.Timestamp("2022-01-20")
    # deadline 20 January: 60 % is live at the end of that day, 80 % and 100 % are not
    assert (row["prob_50_by_deadline"], row["prob_80_by_deadline"], row["prob_100_by_deadline"]) \
        == (1.0, 0.0, 0.0)
    assert row["prob_50_by_deadline_lo"] < 1 and row["prob_80_by_deadline_hi"] > 0  # Wilson
    early = ro.coverage_summary(_run(build, _rollout_body(WEIGHTS, 2), deadline="2022-01-19"))
    assert early.loc["roll", "prob_50_by_deadline"] == 0.0
    late = ro.coverage_summary(_run(build, _rollout_body(WEIGHTS, 2), deadline="2022-01-30"))
    assert late.loc["roll", "prob_100_by_deadline"] == 1.0


def test_share_of_exactly_half_counts_with_the_share_node_tolerance(build):
    # weights 1,1 on one team: 50 % is live when the first unit is, at day 10
    result = _run(build, _rollout_body([1, 1], 1))
    assert ro.coverage_summary(result).loc["roll", "time_to_50_p50"] == D


def test_coverage_times_match_share_nodes_and_summary():
    result = simulate(load_scenario(SCENARIOS / "examples" / "capacity.yaml"), 300, seed=5)
    t = ro.coverage_times(result, "pll-innforing", (0.5, 1.0))
    net = result.network
    np.testing.assert_array_equal(t[0], result.schedule.finish[net.index("pll-innforing@0.5")])
    np.testing.assert_array_equal(t[1], result.finish("pll-innforing"))


@pytest.mark.parametrize("units", [1, 7, 48, 49, 300])
def test_coverage_times_equal_a_weighted_walk_in_finish_order(units):
    """Per iteration, the first finish at which the live weight reaches each level, walked
    unit by unit in finish order (ties in unit order), with ties, unreached levels and
    units that never finish; below and above the size at which the sort changes."""
    rng = np.random.default_rng(units)
    n = 400
    fin = rng.integers(0, 12, (units, n)).astype(float)   # many ties
    fin[rng.random((units, n)) < 0.1] = np.inf           # never live within the horizon
    w = rng.integers(1, 5, units).astype(float)
    levels = (0.5, 0.8, 0.9, 1.0)
    got = ro.coverage_times_of(fin, w, levels)
    total = w.sum()
    for r in range(n):
        walk = sorted(range(units), key=lambda i: (fin[i, r], i))
        live = np.cumsum(w[walk])
        for j, x in enumerate(levels):
            reached = np.flatnonzero(live >= x * total * (1 - ro.TOL))
            want = fin[walk[reached[0]], r] if reached.size else np.inf
            assert got[j, r] == want, (r, x)
    assert np.isinf(got).any() and np.isfinite(got).any()


def test_utilisation_equals_hand_computed_busy_units(build):
    # five units of 3 months on two teams: 2 busy on [0, 6), 1 on [6, 9), then none
    spare = {"id": "spare", "capacity": [{"from": "2022-01-01", "units": 1},
                                         {"from": "2022-04-01", "units": 3}]}
    result = _run(build, _rollout_body([1] * 5, 2, d=3, extra_resources=[spare]), unit="months")
    table = ro.utilisation(result)
    team = table[table["resource"] == "team"].set_index(table["date"].dt.strftime("%Y-%m-%d")[
        table["resource"] == "team"])
    expected = {"2022-01-31": 2, "2022-06-30": 2, "2022-07-31": 1, "2022-09-30": 1,
                "2022-10-31": 0}
    for day, busy in expected.items():
        assert team.loc[day, "mean"] == busy and team.loc[day, "p90"] == busy
        assert team.loc[day, "capacity"] == 2
    spare_rows = table[table["resource"] == "spare"].set_index("date")
    assert spare_rows.loc[pd.Timestamp("2022-02-28"), "capacity"] == 1
    assert spare_rows.loc[pd.Timestamp("2022-04-30"), "capacity"] == 3
    assert (spare_rows["mean"] == 0).all()


def _two_phases(uses_b: dict) -> dict:
    phase = lambda pid, uses: {"id": pid, "kind": "utvikling",  # noqa: E731
                               "duration": {"dist": "fixed", "value": 2}, "uses": uses}
    return {"resources": [{"id": "team", "capacity": 1}, {"id": "room", "capacity": 1}],
            "initiatives": [{"id": "a", "phases": [phase("a-dev", {"team": 1})]},
                            {"id": "b", "phases": [phase("b-dev", uses_b)]}]}


def test_two_phases_on_one_team_wait_d_in_total(build):
    result = _run(build, _two_phases({"team": 1}), unit="weeks")
    wait = ro.waiting(result)
    assert wait.resources.loc["team", "mean_wait"] == 2
    assert wait.resources.loc["team", "mean_wait_days"] == 14
    assert wait.resources.loc["room", "mean_wait"] == 0
    assert sorted(wait.activities["mean_wait"]) == [0, 2]
    assert sorted(wait.activities["prob_wait"]) == [0, 1]


def test_a_wait_counts_for_every_resource_the_activity_claims(build):
    result = _run(build, _two_phases({"team": 1, "room": 1}), unit="weeks")
    wait = ro.waiting(result)
    b_wait = wait.activities.loc["b-dev", "mean_wait"]
    assert b_wait == 2 and wait.activities.loc["b-dev", "resources"] == "team, room"
    assert wait.resources.loc["room", "mean_wait"] == b_wait
    assert wait.resources.loc["team", "mean_wait"] == b_wait


def test_waiting_in_a_rollout(weighted):
    wait = ro.waiting(weighted)
    assert wait.resources.loc["team", "mean_wait"] == 0 + 0 + 10 + 10 + 20 + 20
    assert wait.resources.loc["team", "peak_mean_busy"] == 0  # the January end sees no one busy
    assert list(wait.activities["mean_wait"]) == [0, 0, 10, 10, 20, 20]


def test_a_run_without_rollouts_or_resources_gives_empty_tables(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    result = simulate(load_scenario(path), 50, seed=1)
    assert ro.coverage_summary(result).empty
    assert ro.utilisation(result).empty
    assert ro.waiting(result).resources.empty and ro.waiting(result).activities.empty
    assert set(result.to_dict()) == {"scenario", "iterations", "seed", "engine", "sampling", "mitigated",
                                     "activities"}


def test_contract_adds_rollouts_and_resources(weighted):
    out = json.loads(json.dumps(weighted.to_dict(), allow_nan=False))
    (roll,) = out["rollouts"]
    assert roll["id"] == "roll" and roll["units"] == 6
    assert set(roll["time_to_coverage"]) == {"50", "90", "100"}
    assert roll["time_to_coverage"]["100"]["p50"] == 30
    assert roll["time_to_coverage"]["100"]["date_p50"] == "2022-01-30"
    assert roll["prob_coverage_by_deadline"] == {"50": 1.0, "80": 0.0, "100": 0.0}
    (team,) = [r for r in out["resources"] if r["id"] == "team"]
    assert team == {"id": "team", "name": "Team", "mean_wait": 60.0, "mean_wait_days": 60.0,
                    "peak_mean_busy": 0.0}


def test_after_the_horizon_is_null(build):
    # a funding gate that never grants: no unit goes live within the horizon
    body = _rollout_body([1] * 4, 1)
    body["initiatives"][0]["phases"][0]["tags"] = ["budget"]
    body["risks"] = [{"id": "budget", "category": "financing",
                      "funding": {"decisions": {"yearly": "12-15", "first": 2022},
                                  "grant_probability": 0}, "applies_to": {"tags": ["budget"]}}]
    result = _run(build, body)
    assert np.isinf(result.schedule.finish[result.network.rollouts[0].units]).all()
    cov = json.loads(json.dumps(result.to_dict(), allow_nan=False))["rollouts"][0]
    for x in ("50", "90", "100"):
        assert cov["time_to_coverage"][x]["p50"] is None
        assert cov["time_to_coverage"][x]["date_p50"] == "after-horizon"
    assert cov["prob_coverage_by_deadline"] == {"50": 0.0, "80": 0.0, "100": 0.0}
    curve = ro.coverage_curve(result, "roll")
    assert len(curve) and (curve["mean"] == 0).all()
    assert curve["time"].max() <= result.network.horizon


def test_held_units_on_the_grid_equal_a_plain_count():
    """Units held at grid point k: the sum of w over claims with a <= k < b, per iteration;
    its mean over iterations is counted without the (grid x iterations) matrix."""
    rng = np.random.default_rng(5)
    g, n, m = 17, 300, 6
    a = rng.integers(0, g + 1, (m, n))
    b = np.maximum(a, rng.integers(0, g + 1, (m, n)))
    w = rng.integers(1, 4, m).astype(float)
    plain = np.zeros((g, n))
    for i in range(m):
        for r in range(n):
            plain[a[i, r]:b[i, r], r] += w[i]
    held = ro._held_on_grid(a, b, w, g)
    assert held.shape == (g, n)
    assert np.array_equal(held, plain)
    assert np.allclose(ro._mean_held(a, b, w, g), plain.mean(axis=1), rtol=0, atol=1e-12)


def test_peak_mean_busy_is_the_utilisation_peak():
    run = simulate(load_scenario(SCENARIOS / "examples" / "capacity.yaml"), 3000, seed=2)
    busy = ro.utilisation(run)
    for rid, row in ro.waiting(run).resources.iterrows():
        assert row["peak_mean_busy"] == busy.loc[busy["resource"] == rid, "mean"].max()


def test_held_counts_count_the_iterations_at_each_whole_number_of_units():
    """The report's units-held counts against a plain loop over claims and iterations,
    with claims that start on the grid's first point, end on its last, or never start."""
    from simulator.analysis.extras import held_counts
    rng = np.random.default_rng(8)
    g, n, m = 13, 400, 5
    a = rng.integers(0, g + 1, (m, n))
    a[0, :50] = 0
    a[1, 50:100] = g  # never within the grid
    b = np.maximum(a, rng.integers(0, g + 1, (m, n)))
    w = rng.integers(1, 4, m).astype(float)
    plain = np.zeros((g, n), dtype=np.int64)
    for i in range(m):
        for r in range(n):
            plain[a[i, r]:b[i, r], r] += int(w[i])
    levels = int(w.sum()) + 1
    want = np.array([[np.sum(plain[k] == u) for u in range(levels)] for k in range(g)])
    counts = np.zeros((g, levels), dtype=np.int64)
    held_counts(a, b, w, counts)
    np.testing.assert_array_equal(counts, want)
    held_counts(a, b, w, counts)  # it adds to what is there: a second chunk
    np.testing.assert_array_equal(counts, 2 * want)
