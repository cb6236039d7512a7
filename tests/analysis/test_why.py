"""Each initiative's own "why": its top risk drivers, in the report and with `run --why`."""

from __future__ import annotations

import re
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from texts import chain, phase

from simulator import simulate
from simulator.analysis.sensitivity import _ranking, risk_ranking, risk_rankings
from simulator.analysis.why import COLUMNS, top_drivers


def fixed(v):
    return {"dist": "fixed", "value": v}


def _delay(rid, days, target, probability=1.0):
    return {"id": rid, "category": "vendor", "probability": probability,
            "delay": fixed(days), "applies_to": {"ids": [target]}}


# x is certain to be late by its own risk rx (10 days) and y by ry (20 days); z has no risk.
# The deadline (2022-04-30, day 120) lies between y's plan (100 days) and y with its risk (120+).
BODY = {"initiatives": [chain("x", phase("a", fixed(50))),
                        chain("y", phase("b", {"dist": "uniform", "min": 90, "max": 110})),
                        chain("z", phase("c", fixed(5)))],
        "risks": [_delay("rx", 10, "a"), _delay("ry", 20, "b"), _delay("rs", 3, "c", 0.0)]}


@pytest.fixture
def result(build):
    return simulate(build(BODY, deadline="2022-04-30"), 2000, seed=7)


def test_each_initiative_gets_its_own_drivers(result):
    rankings = risk_rankings(result)
    assert list(rankings) == ["x", "y", "z"]
    assert rankings["x"].loc["rx", "p80_gain_days"] == pytest.approx(10)
    assert rankings["x"].loc["ry", "p80_gain_days"] == 0
    assert rankings["y"].loc["ry", "p80_gain_days"] == pytest.approx(20)
    # without ry, y (90-110 days) is always in time; with it, only as often as the run says
    y_with = result.finish("y") <= result.network.deadline_time
    assert rankings["y"].loc["ry", "prob_gain"] == pytest.approx(1 - y_with.mean())
    why = top_drivers(rankings)
    assert why[why["target"] == "x"]["id"].tolist() == ["rx"]
    assert why[why["target"] == "y"]["id"].tolist() == ["ry"]
    assert why[why["target"] == "z"].empty  # rs never fires: it moves nothing


def test_one_pass_equals_one_ranking_per_target(result):
    many = risk_rankings(result, ["x", "y", "a"])
    for target, table in many.items():
        pd.testing.assert_frame_equal(table, risk_ranking(result, target))


def test_report_orders_headlines_worst_first_each_with_its_why(result):
    from simulator.report.data import ReportData
    from simulator.report.html import render_html
    data = ReportData.from_result(result)
    html = render_html(data, lang="en")
    heads = re.findall(r'<li class="(\w+)"><strong>([^<]+)</strong>', html)
    probs = result.summary().loc[["x", "y", "z"], "prob_by_deadline"]
    assert [name for _, name in heads] == list(probs.sort_values(kind="stable").index)
    blocks = html.split('<li class="')[1:]
    for block in blocks:
        name = re.match(r'\w+"><strong>([^<]+)<', block).group(1)
        why = block.split('class="why">')[1].split("</li>")[0]
        expected = {"x": "rx", "y": "ry"}.get(name)
        if expected:
            assert f">{expected} – P80" in why, why
        else:
            assert "none of the risks moves this initiative" in why


def test_why_table_survives_save_and_load(result, tmp_path):
    from simulator.report.data import ReportData
    data = ReportData.from_result(result)
    data.save(tmp_path)
    loaded = ReportData.load(tmp_path)
    pd.testing.assert_frame_equal(loaded.why.reset_index(drop=True), data.why.reset_index(drop=True),
                                  check_dtype=False)


def test_cli_why_prints_the_drivers_of_each_id(build, tmp_path):
    build(BODY, deadline="2022-04-30")
    path = str(tmp_path / "built.yaml")
    run = [sys.executable, "-m", "simulator", "run", path, "-n", "500", "--seed", "1"]
    out = subprocess.run(run + ["--why", "y", "--why", "x"], capture_output=True, text=True, check=True).stdout
    y_part = out.split("Why y:")[1].split("Why x:")[0]
    x_part = out.split("Why x:")[1]
    assert re.search(r"1\. ry\s+P80 \+0\.7 months \(\+20 days\)", y_part), out
    assert re.search(r"1\. rx\s+P80 \+0\.3 months \(\+10 days\)", x_part), out
    bad = subprocess.run(run + ["--why", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--why `nope`" in bad.stderr and "Traceback" not in bad.stderr


def _outlooks(seed, risks=40):
    """Outlooks with ties (few distinct values), NaN gains (inf both ways) and infinities."""
    rng = np.random.default_rng(seed)
    before = np.array([np.inf if seed % 2 else 100.0, 130.0 if seed % 2 else np.inf, 0.4])
    after = np.column_stack([rng.choice([90.0, 95.0, 100.0, np.inf], risks),
                             rng.choice([120.0, 125.0, 130.0, np.inf], risks),
                             rng.choice([0.4, 0.45, 0.5], risks)])
    frame = pd.DataFrame({"id": [f"r{k}" for k in range(risks)],
                          "name": [f"risk {k}" for k in range(risks)],
                          "category": rng.choice(["vendor", "funding"], risks),
                          "kind": rng.choice(["impact", "delay"], risks)})
    return frame, before, after


@pytest.mark.parametrize("seed", range(6))
def test_a_ranking_is_the_frame_sorted_by_gains_largest_first(seed):
    """The ranking table equals the one pandas sorts: P80 gain, then P50 gain, then the gain
    in P(by deadline), largest first, NaN last, ties in the risks' order."""
    risks, before, after = _outlooks(seed)
    result = SimpleNamespace(network=SimpleNamespace(unit_days=30.0), iterations=500)
    got = _ranking(result, risks.set_index("id"), before, after)
    want = risks.copy()
    b = np.tile(before, (len(after), 1))
    for j, col in enumerate(("p50", "p80", "prob_by_deadline")):
        want[col], want[f"{col}_without"] = b[:, j], after[:, j]
    with np.errstate(invalid="ignore"):
        want["p50_gain"], want["p80_gain"] = b[:, 0] - after[:, 0], b[:, 1] - after[:, 1]
    want["p50_gain_days"], want["p80_gain_days"] = want["p50_gain"] * 30.0, want["p80_gain"] * 30.0
    want["prob_gain"] = after[:, 2] - b[:, 2]
    want = want.sort_values(["p80_gain", "p50_gain", "prob_gain"], ascending=False, kind="stable",
                            na_position="last").set_index("id")
    assert want[["p50_gain", "p80_gain"]].isna().any().any()  # NaN gains are in the test
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs["iterations"] == 500


@pytest.mark.parametrize("seed", range(4))
def test_top_drivers_are_the_first_rows_that_move_the_target(seed):
    """Each target's first ``n`` risks of its ranking whose gain is above zero on some
    measure (an infinite gain counts, NaN does not), with the ranking's own columns, as
    reading the rows one by one gives them."""
    rankings = {}
    for t in range(5):
        risks, before, after = _outlooks(10 * seed + t, risks=12)
        result = SimpleNamespace(network=SimpleNamespace(unit_days=1.0), iterations=100)
        rankings[f"t{t}"] = _ranking(result, risks.set_index("id"), before, after)
    rankings["bare"] = rankings["t0"].drop(columns=["name", "category", "kind"])
    got = top_drivers(rankings, n=3)
    rows = []
    for target, ranking in rankings.items():
        for rid, row in ranking.iterrows():
            gains = [row["p50_gain_days"], row["p80_gain_days"], row["prob_gain"]]
            if any(g > 0 for g in gains if not np.isnan(g)) and \
                    sum(r["target"] == target for r in rows) < 3:
                rows.append({"target": target, "rank": sum(r["target"] == target for r in rows) + 1,
                             "id": rid, "name": row.get("name", rid),
                             "category": row.get("category", ""), "kind": row.get("kind", ""),
                             "p50_gain_days": gains[0], "p80_gain_days": gains[1],
                             "prob_gain": gains[2]})
    want = pd.DataFrame(rows, columns=COLUMNS)
    assert len(want) > 5
    pd.testing.assert_frame_equal(got, want, check_exact=True)
