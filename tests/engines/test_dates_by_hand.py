"""Dates and driving predecessors worked out by hand where the rules meet: ties between a link
and a date, finish links at a blackout's edges, windows that began before the start date."""

from __future__ import annotations

import numpy as np
import pytest
from texts import chain, phase

from simulator import compile_scenario, plan, simulate
from simulator.analysis.sensitivity import activity_sensitivity
from simulator.engines import cpm, des
from simulator.sampling.draws import planned_draws


def fixed(v):
    return {"dist": "fixed", "value": v}


def _both(net):
    """The plan by both engines; they must agree before either is checked."""
    d = planned_draws(net)
    a = cpm.schedule(net, d.durations(net), d.gate_times)
    b = des.schedule(net, d.durations(net), d.gate_times)
    for field in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    return a


def _times(net, sched, pid):
    i = net.index(pid)
    return float(sched.start[i, 0]), float(sched.finish[i, 0])


@pytest.mark.parametrize("date", ["not_before", "gate"])
def test_a_tie_between_a_link_and_a_date_goes_to_the_link(build, date):
    # a runs 0-10 (days); b may start at 10 both because of a and because of a date on day 10
    b = phase("b", fixed(5), after=["a"])
    body = {"initiatives": [chain("x", phase("a", fixed(10))), chain("y", b)],
            "milestones": [{"id": "m", "after": ["b"]}]}
    if date == "not_before":
        b["not_before"] = "2022-01-11"  # day 10
    else:
        body["risks"] = [{"id": "g", "category": "financing", "applies_to": {"ids": ["b"]},
                          "funding": {"decisions": {"dates": ["2022-01-11"]}, "grant_probability": 1.0}}]
    sc = build(body)
    net = compile_scenario(sc)
    s = _both(net)
    assert _times(net, s, "b") == (10, 15)
    assert s.driver[net.index("b"), 0] == net.index("a")
    # criticality follows the link: a drives m in every iteration
    table = activity_sensitivity(simulate(sc, 50, seed=1))
    assert list(table.loc[["a", "b", "m"], "criticality"]) == [1.0, 1.0, 1.0]


def test_a_date_later_than_every_link_drives_nothing(build):
    b = phase("b", fixed(5), after=["a"], not_before="2022-01-12")  # day 11 > 10
    net = compile_scenario(build({"initiatives": [chain("x", phase("a", fixed(10))), chain("y", b)]}))
    s = _both(net)
    assert _times(net, s, "b") == (11, 16)
    assert s.driver[net.index("b"), 0] == cpm.NO_DRIVER


def _ff_after_window(build, a_days):
    """b (5 days, blackout 1-31 July = days 181-212) must finish no earlier than a (no blackout)."""
    body = {"initiatives": [chain("x", phase("a", fixed(a_days))),
                            chain("y", phase("b", fixed(5), after=[{"id": "a", "type": "FF", "lag": 0}]))],
            "blackouts": [{"id": "ferie", "window": {"from": "07-01", "until": "07-31"},
                           "applies_to": {"ids": ["b"]}}]}
    net = compile_scenario(build(body))
    return _times(net, _both(net), "b")


def test_finish_link_met_as_a_window_opens_finishes_there(build):
    # a finishes on day 181 as the window opens: b works days 176-181 and is done as it opens
    assert _ff_after_window(build, 181) == (176, 181)


def test_finish_link_inside_a_window_is_met_as_the_window_ends(build):
    # a finishes on day 190, inside the window: b cannot finish there, so it finishes on day 212
    # (its work, days 176-181, is done before the window; the finish waits for the window's end)
    assert _ff_after_window(build, 190) == (176, 212)


def test_finish_link_just_after_a_window_shifts_the_work_back_across_it(build):
    # a finishes on day 214: b needs 5 working days ending then; 2 of them after the window
    # (212-214), 3 before it (178-181)
    assert _ff_after_window(build, 214) == (178, 214)


def test_window_that_began_the_year_before_the_start_still_holds(build):
    # Christmas 20 December - 3 January: a phase that could start on 1 January 2022 waits until
    # the 4th (day 3), and 10 days of work end on day 13
    body = {"initiatives": [chain("x", phase("a", fixed(10)))],
            "blackouts": [{"id": "jul", "window": {"from": "12-20", "until": "01-03"},
                           "applies_to": {"ids": ["a"]}}]}
    net = compile_scenario(build(body))
    assert _times(net, _both(net), "a") == (3, 13)


def test_blackout_includes_its_last_day(build):
    # 1-3 March blocked (days 59-61 inclusive, window [59, 62)): work from day 55 for 10 days
    body = {"initiatives": [chain("x", phase("a", fixed(10), not_before="2022-02-25"))],
            "blackouts": [{"id": "b", "window": {"from": "03-01", "until": "03-03"},
                           "applies_to": {"ids": ["a"]}}]}
    net = compile_scenario(build(body))
    assert _times(net, _both(net), "a") == (55, 68)


def test_window_counter_on_grids_that_round():
    """Window edges in weeks and months are not binary fractions, so a value can land in the
    next cell of the counter's grid; the corrections must still count it exactly."""
    from simulator.engines.calendar import SortedCounter
    rng = np.random.default_rng(7)
    for step in (1 / 3, 1 / 7, 1 / 30.4375, 0.1):
        for size in (2, 9, 40):
            for _ in range(400):  # about one draw in 200 lands a value across a cell edge
                values = np.unique(rng.integers(0, 3000, size) * step)
                counter = SortedCounter(values)
                x = np.concatenate([values, np.nextafter(values, np.inf), np.nextafter(values, -np.inf)])
                np.testing.assert_array_equal(counter.left(x), np.searchsorted(values, x, side="left"))
                np.testing.assert_array_equal(counter.right(x), np.searchsorted(values, x, side="right"))
