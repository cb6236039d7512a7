"""Nothing is simulated after the horizon: work that would end later is "after the horizon"."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pytest

from simulator import compile_scenario, load_scenario, plan, simulate


def _scenario(write, body: str, horizon: str = "", unit: str = "months"):
    head = f"""\
        scenario:
          name: t
          version: "1"
          start: 2022-01-01
          deadline: 2026-12-31
          unit: {unit}
        {horizon}
        """
    return load_scenario(write(textwrap.dedent(head) + textwrap.dedent(body)))


WHOLE_YEAR = """\
initiatives:
  - id: x
    phases:
      - {id: a, kind: utvikling, duration: {dist: fixed, value: 3}}
      - {id: b, kind: innforing, duration: {dist: fixed, value: 0.5}}
milestones:
  - {id: m, after: [x]}
blackouts:
  - {id: all, window: {from: "01-01", until: "12-31"}, applies_to: {ids: [b]}}
"""


@pytest.mark.parametrize("unit", ["days", "weeks", "months"])
def test_a_phase_that_can_never_progress_is_after_the_horizon(write, unit):
    sc = _scenario(write, WHOLE_YEAR, unit=unit)
    net = compile_scenario(sc)
    sched = plan(net)
    b, m = net.index("b"), net.index("m")
    assert np.isinf(sched.start[b, 0]) and np.isinf(sched.finish[b, 0])
    assert np.isinf(sched.finish[m, 0])
    assert np.isfinite(sched.finish[net.index("a"), 0])


def test_never_progressing_phase_in_results_json_and_validate(write, tmp_path):
    sc = _scenario(write, WHOLE_YEAR)
    res = simulate(sc, 200, seed=3)
    row = res.summary().loc["x"]
    assert row["prob_within_horizon"] == 0 and row["prob_by_deadline"] == 0
    assert pd_isnat(row["finish_date_p50"])
    acts = {a["id"]: a for a in res.to_dict()["activities"]}
    assert acts["b"]["finish_date"]["p10"] == "after-horizon"
    assert acts["b"]["finish"]["p10"] is None
    assert acts["a"]["finish_date"]["p90"] == "2022-04-02"
    from simulator.commands import validate_text
    text = validate_text(str(tmp_path / "scenario.yaml"))
    assert "2053" not in text and "-> after the horizon" in text
    assert "b: blackouts cover every day up to the horizon" in text


def test_engines_agree_after_the_horizon(write):
    sc = _scenario(write, WHOLE_YEAR)
    cpm = simulate(sc, 20, seed=5)
    des = simulate(sc, 20, seed=5, engine="des")
    np.testing.assert_array_equal(cpm.schedule.finish, des.schedule.finish)
    np.testing.assert_array_equal(cpm.schedule.start, des.schedule.start)


def test_work_ending_after_the_horizon_is_not_a_date(write):
    # a runs uniformly 0-20 days from 2027-06-21; the horizon is 2027-06-30, whose end is
    # day 10 of the phase: half the iterations finish within it
    body = """\
        initiatives:
          - id: x
            phases:
              - {id: a, kind: utvikling, not_before: 2027-06-21, duration: {dist: uniform, min: 0, max: 20}}
        """
    sc = _scenario(write, body, horizon="  horizon: 2027-06-30", unit="days")
    res = simulate(sc, 20_000, seed=11)  # three chunks: the first sets the bands, two are cut
    finish = res.finish("a")
    inside = np.isfinite(finish)
    # 5 binomial standard errors of a share of 0.5 over 20,000 draws is 0.018
    assert abs(inside.mean() - 0.5) < 0.018
    limit = compile_scenario(sc).to_time(dt.date(2027, 7, 1))
    assert finish[inside].max() <= limit
    row = res.summary().loc["a"]
    assert row["prob_within_horizon"] == pytest.approx(inside.mean())
    assert row["prob_within_horizon"] < 1
    assert pd_isnat(row["finish_date_p90"])
    assert str(row["finish_date_p10"])[:10] in ("2027-06-22", "2027-06-23")  # about 2 days of work
    assert res.to_dict()["activities"][0]["finish_date"]["p90"] == "after-horizon"


def test_finishing_on_the_horizon_day_is_within_it(write):
    body = """\
        initiatives:
          - id: x
            phases:
              - {id: a, kind: utvikling, not_before: 2027-06-21, duration: {dist: fixed, value: 10}}
        """
    sc = _scenario(write, body, horizon="  horizon: 2027-06-30", unit="days")
    net = compile_scenario(sc)
    assert str(net.to_dates(plan(net).finish[0, :1], finish=True)[0]) == "2027-06-30"


def pd_isnat(x) -> bool:
    import pandas as pd
    return bool(pd.isna(x))
