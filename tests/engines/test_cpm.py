"""The cpm forward pass on small hand-computed networks: links, lags, dates, blackouts, gates."""

from __future__ import annotations

import numpy as np
import pytest
from texts import chain, phase

from simulator import compile_scenario, plan, simulate
from simulator.engines import cpm


def fixed(v):
    return {"dist": "fixed", "value": v}


def dates(result_or_net, sched, pid):
    net = result_or_net
    i = net.index(pid)
    return (str(net.to_dates(sched.start[i, :1])[0]), str(net.to_dates(sched.finish[i, :1], finish=True)[0]))


def times(net, sched, pid):
    i = net.index(pid)
    return float(sched.start[i, 0]), float(sched.finish[i, 0])


@pytest.mark.parametrize("link,expected", [
    # a runs 0-10; b has duration 5
    ({"id": "a", "type": "FS", "lag": 0}, (10, 15)),
    ({"id": "a", "type": "FS", "lag": 3}, (13, 18)),
    ({"id": "a", "type": "FS", "lag": -4}, (6, 11)),       # a lead
    ({"id": "a", "type": "SS", "lag": 2}, (2, 7)),
    ({"id": "a", "type": "FF", "lag": 0}, (5, 10)),         # finish with a
    ({"id": "a", "type": "FF", "lag": 4}, (9, 14)),
    ({"id": "a", "type": "SF", "lag": 8}, (3, 8)),          # finish no earlier than a's start + 8
    ({"id": "a", "type": "SF", "lag": 2}, (0, 5)),          # SF not binding: the data date is
])
def test_link_types(build, link, expected):
    sc = build({"initiatives": [chain("x", phase("a", fixed(10))),
                                chain("y", phase("b", fixed(5), after=[link]))]})
    net = compile_scenario(sc)
    assert times(net, plan(net), "b") == expected


def test_chain_of_links_and_merge(build):
    # a(4) -> b(6) SS+1 ; c(3) FF+2 after b ; m after b and c
    sc = build({"initiatives": [
        chain("x", phase("a", fixed(4)), phase("b", fixed(6), after=[{"id": "a", "type": "SS", "lag": 1}])),
        chain("y", phase("c", fixed(3), after=[{"id": "b", "type": "FF", "lag": 2}]))],
        "milestones": [{"id": "m", "after": ["b", {"id": "c", "lag": 1}]}]})
    net = compile_scenario(sc)
    s = plan(net)
    assert times(net, s, "b") == (1, 7)
    assert times(net, s, "c") == (6, 9)
    assert times(net, s, "m") == (10, 10)


def test_initiative_reference_means_its_ends(build):
    sc = build({"initiatives": [
        chain("x", phase("a", fixed(4)), phase("b", fixed(6))),
        chain("y", phase("c", fixed(1), after=["x"])),
        chain("z", phase("d", fixed(1), after=[{"id": "x", "type": "SS", "lag": 2}]))]})
    net = compile_scenario(sc)
    s = plan(net)
    assert times(net, s, "c") == (10, 11)
    assert times(net, s, "d") == (2, 3)


def test_not_before(build):
    sc = build({"initiatives": [chain("x", phase("a", fixed(4)),
                                      phase("b", fixed(2), not_before="2022-03-01"))]})
    net = compile_scenario(sc)
    assert times(net, plan(net), "b") == (59, 61)  # 1 March is day 59 of 2022


def test_blackout_moves_the_finish_one_window_later(build):
    body = {"initiatives": [chain("x", phase("a", fixed(60), kind="innforing",
                                             not_before="2022-06-01"))],
            "blackouts": [{"id": "fellesferie", "window": {"from": "07-01", "until": "07-31"},
                           "applies_to": {"kinds": ["innforing"]}}]}
    net = compile_scenario(build(body))
    s = plan(net)
    start, finish = times(net, s, "a")
    assert start == 151 and finish == 151 + 60 + 31
    assert dates(net, s, "a") == ("2022-06-01", "2022-08-30")
    # without the blackout the same phase ends 31 days earlier
    body.pop("blackouts")
    net2 = compile_scenario(build(body))
    assert times(net2, plan(net2), "a") == (151, 211)


def test_start_inside_a_blackout_waits_for_its_end(build):
    body = {"initiatives": [chain("x", phase("a", fixed(10), kind="innforing", not_before="2022-12-24"))],
            "blackouts": [{"id": "jul", "window": {"from": "12-20", "until": "01-03"},
                           "applies_to": {"ids": ["a"]}}]}
    net = compile_scenario(build(body))
    assert dates(net, plan(net), "a") == ("2023-01-04", "2023-01-13")


def test_milestone_inside_a_blackout_is_not_moved_before_its_start(build):
    body = {"initiatives": [chain("x", phase("a", fixed(181), kind="innforing"))],
            "milestones": [{"id": "m", "after": ["a"]}],
            "blackouts": [{"id": "ferie", "window": {"from": "07-01", "until": "07-31"},
                           "applies_to": {"ids": ["a", "m"]}}]}
    net = compile_scenario(build(body))
    s = plan(net)
    a_finish = times(net, s, "a")[1]
    assert a_finish == 181  # ends exactly as the window opens
    assert times(net, s, "m") == (212, 212)  # m is pushed past the window, and finishes as it starts


def test_funding_gate_first_decision_in_plan(build):
    body = {"initiatives": [chain("x", phase("a", fixed(10)), phase("b", fixed(5)))],
            "risks": [{"id": "steg2", "category": "financing",
                       "funding": {"decisions": {"yearly": "12-15"}, "grant_probability": 0.5},
                       "applies_to": {"ids": ["b"]}}]}
    net = compile_scenario(build(body))
    assert times(net, plan(net), "b") == (348, 353)  # 15 December 2022 is day 348


def test_gate_that_never_grants_is_after_the_horizon(build):
    body = {"initiatives": [chain("x", phase("a", fixed(10)), phase("b", fixed(5)))],
            "milestones": [{"id": "m", "after": ["b"]}],
            "risks": [{"id": "steg2", "category": "financing",
                       "funding": {"decisions": {"dates": ["2023-12-15"]}, "grant_probability": 0.0},
                       "applies_to": {"ids": ["b"]}}]}
    res = simulate(build(body), 100, seed=1)
    assert np.isinf(res.finish("m")).all()
    assert np.isfinite(res.finish("a")).all()
    row = res.summary().loc["m"]
    assert row["prob_within_horizon"] == 0 and row["prob_by_deadline"] == 0
    assert np.isnan(row["finish_mean"])
    assert res.to_dict()["activities"][2]["finish_date"]["p50"] == "after-horizon"


def test_driving_predecessor(build):
    sc = build({"initiatives": [chain("x", phase("a", fixed(10))), chain("y", phase("b", fixed(3)))],
                "milestones": [{"id": "m", "after": ["a", "b"]}]})
    net = compile_scenario(sc)
    s = plan(net)
    assert s.driver[net.index("m"), 0] == net.index("a")
    assert s.driver[net.index("a"), 0] == -1


def test_window_counter_matches_searchsorted():
    from simulator.engines.calendar import SortedCounter
    rng = np.random.default_rng(3)
    for size in (1, 2, 7, 60):
        values = np.sort(rng.choice(np.arange(0, 500.0, 0.25), size=size, replace=False))
        counter = SortedCounter(values)
        x = np.concatenate([rng.uniform(-50, 600, 5000), values, values + 1e-12, values - 1e-12,
                            [-np.inf, np.inf, values[0], values[-1]]])
        np.testing.assert_array_equal(counter.right(x), np.searchsorted(values, x, side="right"))
        np.testing.assert_array_equal(counter.left(x), np.searchsorted(values, x, side="left"))


def test_the_counter_of_a_grid_with_equal_or_no_values_searches_as_searchsorted():
    """Grids of steps under a day repeat a point; a report's grid can be empty."""
    from simulator.engines.calendar import SortedCounter
    x = np.array([-np.inf, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, np.inf])
    for values in (np.array([0.0, 0.5, 0.5, 2.0]), np.array([1.0, 1.0]), np.zeros(0), np.array([3.0])):
        counter = SortedCounter(values)
        np.testing.assert_array_equal(counter.right(x), np.searchsorted(values, x, side="right"))
        np.testing.assert_array_equal(counter.left(x), np.searchsorted(values, x, side="left"))


def test_a_rollout_without_resources_has_its_summary_and_share_dates(build):
    # Four units run at once after the phase "pre"; weights 3, 1, 2, 5 (total 11), so no
    # prefix of the finish order is exactly half. Checked against the units' own dates.
    weights = [3, 1, 2, 5]
    body = {
        "units": {"sites": [{"id": f"s{k}", "weight": w} for k, w in enumerate(weights)]},
        "initiatives": [{"id": "ini", "phases": [
            phase("pre", {"dist": "uniform", "min": 1, "max": 9}),
            phase("roll", {"dist": "uniform", "min": 5, "max": 30}, kind="innforing",
                  after=["pre"], rollout={"over": "sites"})]}],
        "milestones": [{"id": "half", "after": [{"id": "roll", "done": 0.5}]},
                       {"id": "all", "after": ["roll"]}],
    }
    sc = build(body)
    result, by_des = simulate(sc, 200, seed=4), simulate(sc, 200, seed=4, engine="des")
    net, s = result.network, result.schedule
    assert result.engine == "cpm"
    units = [net.index(f"roll/s{k}") for k in range(4)]
    start, finish = s.start[units], s.finish[units]
    assert np.ptp(finish, axis=0).min() > 0  # the units finish apart
    roll = net.index("roll")
    np.testing.assert_array_equal(s.start[roll], start.min(axis=0))
    np.testing.assert_array_equal(s.finish[roll], finish.max(axis=0))
    np.testing.assert_array_equal(s.driver[roll], np.array(units)[finish.argmax(axis=0)])
    half = net.index("roll@0.5")
    for r in range(200):
        live = 0
        for k in sorted(range(4), key=lambda k: (finish[k, r], k)):
            live += weights[k]
            if 2 * live > sum(weights):
                break
        assert s.start[half, r] == s.finish[half, r] == finish[k, r]
        assert s.driver[half, r] == units[k]
    np.testing.assert_array_equal(s.finish[net.index("half")], s.finish[half])
    for field in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(s, field), getattr(by_des.schedule, field))


def test_rescheduling_reads_only_rows_it_copied_or_recomputed(build, monkeypatch):
    """The exclusion ranking's rescheduling: phase a lengthens from 10 to 20 days. d (SS on
    c, FS on a) and f (SF on h, FF on a) are redone though a is not their first
    predecessor; they read c's and h's *start*, which must be copied from the run, as must
    the finishes asked for of e and c, which nothing redoes. Unwritten rows hold a date far
    past the horizon here, so reading one shows."""
    sc = build({"initiatives": [
        chain("x", phase("a", fixed(10))), chain("y", phase("c", fixed(4))),
        chain("z", phase("d", fixed(3), after=[{"id": "c", "type": "SS", "lag": 1}, "a"])),
        chain("u", phase("e", fixed(6))), chain("v", phase("h", fixed(8))),
        chain("w", phase("f", fixed(2), after=[{"id": "h", "type": "SF", "lag": 25},
                                               {"id": "a", "type": "FF", "lag": 0}]))]})
    result = simulate(sc, 3, seed=1)
    net, base = result.network, result.schedule
    empty = cpm.Schedule.empty

    def poisoned(m, n, durations=None, *, extra=False):
        out = empty(m, n, durations, extra=extra)
        out.start.fill(1e6)
        out.finish.fill(1e6)
        return out
    monkeypatch.setattr(cpm.Schedule, "empty", staticmethod(poisoned))
    cols = np.array([0, 2])
    durations = base.durations[:, cols].copy()
    durations[net.index("a")] = 20.0
    changed = np.zeros(net.size, dtype=bool)
    changed[net.index("a")] = True
    rows = np.array([net.index(k) for k in ("d", "e", "f", "a", "c")])
    got = cpm.rescheduled_finish(net, base, cols, durations, np.empty((0, 2)), changed, rows)
    # d: max(a's finish 20, c's start 0 + 1) + 3; f: finish >= max(20, h's start 0 + 25)
    np.testing.assert_array_equal(got, np.array([[23.0] * 2, [6.0] * 2, [25.0] * 2, [20.0] * 2,
                                                 [4.0] * 2]))
