"""The capacity engine: hand-computed schedules, equality with cpm when capacity never
binds, and equality with the SimPy engine and an independent scalar reference
(``capacity_reference.py``) on random networks with limited resources.

Every hand-computed case runs on all three capacity schedulers (compiled, SimPy, reference).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest
import simpy
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from strategies import networks

from simulator import simulate
from simulator.errors import ScenarioError
from simulator.engines import capacity, cpm, des, des_capacity
from simulator.parallel import pick_engine
from simulator.sampling.draws import sample_chunk
from simulator.scenario.check import build_scenario
from simulator.scenario.compile import compile_scenario
from simulator.scenario.yamlio import SourceMap


def _load_reference():
    """The reference scheduler beside this file (``tests/`` alone is on the path)."""
    name = "capacity_reference"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ref = _load_reference()

START = dt.date(2024, 1, 1)


# --- helpers ---------------------------------------------------------------

def fixed(v):
    return {"dist": "fixed", "value": v}


def build(body: dict, unit: str = "days"):
    raw = {"scenario": {"name": "cap", "version": "1", "start": START,
                        "deadline": dt.date(2030, 1, 1), "unit": unit}, **body}
    return build_scenario(raw, SourceMap(), "<test>")[0]


def net_of(body: dict, unit: str = "days"):
    return compile_scenario(build(body, unit))


def solo(pid: str, d: float, ini: str | None = None, **more) -> dict:
    """An initiative holding one phase."""
    return {"id": ini or f"ini-{pid}", "phases": [{"id": pid, "kind": "utvikling",
                                                   "duration": fixed(d), **more}]}


def three_ways(net, n: int = 1, seed: int = 1):
    """Schedule ``n`` sampled iterations with the compiled, SimPy and reference schedulers;
    assert they agree to the bit and return the compiled engine's Schedule."""
    draws = sample_chunk(net, seed, 0, n)
    dur = draws.durations(net)
    a = capacity.schedule(net, dur, draws.gate_times)
    b = des.schedule(net, dur, draws.gate_times)
    s, f, drv = ref.schedule(net, dur, draws.gate_times)
    for name, x, y, z in (("start", a.start, b.start, s), ("finish", a.finish, b.finish, f),
                          ("driver", a.driver, b.driver, drv)):
        np.testing.assert_array_equal(x, y, err_msg=f"{name}: capacity vs des")
        np.testing.assert_array_equal(x, z, err_msg=f"{name}: capacity vs reference")
    return a


def at(net, sched, aid: str, col: int = 0) -> tuple[float, float]:
    i = net.index(aid)
    return float(sched.start[i, col]), float(sched.finish[i, col])


def driver_id(net, sched, aid: str) -> str | None:
    k = int(sched.driver[net.index(aid), 0])
    return None if k < 0 else net.ids[k]


# --- 1. two phases on one team ---------------------------------------------

D = 7.0


def two_on_one_team(priorities=None, first=("b", D), second=("a", D)):
    body = {"resources": [{"id": "team", "capacity": 1}],
            "initiatives": [solo(first[0], first[1], ini="I1", uses={"team": 1}),
                            solo(second[0], second[1], ini="I2", uses={"team": 1})]}
    if priorities:
        body["priorities"] = priorities
    return net_of(body)


def test_default_plan_order_breaks_ties_by_id_not_file_order():
    net = two_on_one_team()  # b is written first, a second; both planned to start at 0
    s = three_ways(net)
    assert at(net, s, "a") == (0.0, D)
    assert at(net, s, "b") == (D, 2 * D)
    assert driver_id(net, s, "b") == "a"
    assert driver_id(net, s, "a") is None


@pytest.mark.parametrize("order, first, second", [
    (["I1", "I2"], "b", "a"), (["I2", "I1"], "a", "b"),   # by initiative
    (["b"], "b", "a"), (["a"], "a", "b"),                  # by phase id
])
def test_priority_order_decides_who_waits(order, first, second):
    net = two_on_one_team({"order": order})
    s = three_ways(net)
    assert at(net, s, first) == (0.0, D)
    assert at(net, s, second) == (D, 2 * D)  # exactly 2d
    assert driver_id(net, s, second) == first


def test_shortest_first_puts_the_shorter_phase_first():
    # a (long) would go first by id; shortest-first lets the 3-day phase z go first
    body = lambda rule: {"resources": [{"id": "team", "capacity": 1}],  # noqa: E731
                         "priorities": {"rule": rule},
                         "initiatives": [solo("a", 10, uses={"team": 1}),
                                         solo("z", 3, uses={"team": 1})]}
    net = net_of(body("shortest-first"))
    s = three_ways(net)
    assert at(net, s, "z") == (0.0, 3.0)
    assert at(net, s, "a") == (3.0, 13.0)
    net = net_of(body("plan-order"))
    s = three_ways(net)
    assert at(net, s, "a") == (0.0, 10.0)
    assert at(net, s, "z") == (10.0, 13.0)


def test_shortest_first_puts_a_phase_the_plan_never_starts_last_without_a_warning():
    """Planned to start after the horizon, ``far`` has no planned length (inf - inf): numpy
    warned of an invalid value, and its priority was NaN. It goes last, as unplanned."""
    import warnings
    body = {"resources": [{"id": "team", "capacity": 1}], "priorities": {"rule": "shortest-first"},
            "initiatives": [solo("far", 2, uses={"team": 1}, not_before="2199-01-01"),
                            solo("a", 10, uses={"team": 1}), solo("z", 3, uses={"team": 1})]}
    from simulator.engines.priority import priority_positions
    net = net_of(body)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        position = priority_positions(net)
        s = three_ways(net)
    assert sorted(["far", "a", "z"], key=lambda pid: position[net.index(pid)]) == ["z", "a", "far"]
    assert at(net, s, "z") == (0.0, 3.0) and at(net, s, "a") == (3.0, 13.0)


def test_plan_order_follows_planned_start_before_id():
    # blk (named first in the order) holds the team until 20; then z and a both wait.
    # Plan order puts z (planned start 2) before a (planned start 5) although 'a' < 'z'.
    net = net_of({"resources": [{"id": "team", "capacity": 1}],
                  "priorities": {"order": ["blk"]},
                  "initiatives": [solo("a", 4, uses={"team": 1},
                                       not_before=START + dt.timedelta(5)),
                                  solo("z", 10, uses={"team": 1},
                                       not_before=START + dt.timedelta(2)),
                                  solo("blk", 20, uses={"team": 1})]})
    s = three_ways(net)
    assert at(net, s, "blk") == (0.0, 20.0)
    assert at(net, s, "z") == (20.0, 30.0)
    assert at(net, s, "a") == (30.0, 34.0)
    assert driver_id(net, s, "a") == "z"


def test_a_ready_task_does_not_wait_for_a_higher_priority_task_not_yet_ready():
    # no reservation: the low-priority task takes the free team at 0, the high-priority
    # one (ready at 3) waits for it
    net = net_of({"resources": [{"id": "team", "capacity": 1}],
                  "priorities": {"order": ["hi"]},
                  "initiatives": [solo("hi", 5, uses={"team": 1},
                                       not_before=START + dt.timedelta(3)),
                                  solo("lo", 10, uses={"team": 1})]})
    s = three_ways(net)
    assert at(net, s, "lo") == (0.0, 10.0)
    assert at(net, s, "hi") == (10.0, 15.0)


def test_units_claimed_must_all_be_free():
    # capacity 3: big (2 units) and small (1 unit) run together; a second big waits
    net = net_of({"resources": [{"id": "team", "capacity": 3}],
                  "initiatives": [solo("big1", 10, uses={"team": 2}),
                                  solo("big2", 4, uses={"team": 2}),
                                  solo("small", 6, uses={"team": 1})]})
    s = three_ways(net)
    assert at(net, s, "big1") == (0.0, 10.0)
    assert at(net, s, "small") == (0.0, 6.0)    # big2 does not fit at 0, small does
    assert at(net, s, "big2") == (10.0, 14.0)   # at 6 only 1 unit is free
    assert driver_id(net, s, "big2") == "big1"


def test_when_the_first_in_line_does_not_fit_the_next_that_fits_goes_first():
    # capacity 2, priority a, big, b, c: a takes one unit at 0; big (2 units) does not fit,
    # so b, the next in priority order that fits, takes the other; c waits for a
    net = net_of({"resources": [{"id": "team", "capacity": 2}],
                  "priorities": {"order": ["a", "big", "b", "c"]},
                  "initiatives": [solo("a", 10, uses={"team": 1}),
                                  solo("big", 4, uses={"team": 2}),
                                  solo("b", 6, uses={"team": 1}),
                                  solo("c", 3, uses={"team": 1})]})
    s = three_ways(net)
    assert at(net, s, "a") == (0.0, 10.0)
    assert at(net, s, "b") == (0.0, 6.0)
    assert at(net, s, "c") == (6.0, 9.0)       # the unit b frees; big still does not fit
    assert at(net, s, "big") == (10.0, 14.0)   # both units free once a and c are done
    assert driver_id(net, s, "c") == "b"


def test_selector_claims_and_the_scenario_picks_the_capacity_engine():
    body = {"resources": [{"id": "team", "capacity": 1, "applies_to": {"kinds": ["utvikling"]}}],
            "initiatives": [solo("a", 5), solo("b", 5)]}
    sc = build(body)
    net = compile_scenario(sc)
    assert pick_engine(net, None) == "capacity"
    with pytest.raises(ValueError):
        pick_engine(net, "cpm")
    res = simulate(sc, 4, seed=3)
    i, j = net.index("a"), net.index("b")
    assert np.all(res.schedule.finish[i] == 5.0) and np.all(res.schedule.finish[j] == 10.0)


def test_priority_order_by_tag():
    body = {"resources": [{"id": "team", "capacity": 1}],
            "priorities": {"order": ["urgent"]},
            "initiatives": [solo("a", 5, uses={"team": 1}),
                            {**solo("b", 5, uses={"team": 1}), "tags": ["urgent"]}]}
    net = net_of(body)
    s = three_ways(net)
    assert at(net, s, "b") == (0.0, 5.0)
    assert at(net, s, "a") == (5.0, 10.0)


def test_uses_overrides_a_selector_claim_and_zero_frees_the_phase():
    # the selector gives every utvikling phase 2 of 2 units; a holds 1, c none
    net = net_of({"resources": [{"id": "team", "capacity": 2, "claim": 2,
                                 "applies_to": {"kinds": ["utvikling"]}}],
                  "initiatives": [solo("a", 10, uses={"team": 1}), solo("b", 10),
                                  solo("c", 10, uses={"team": 0}), solo("d", 4)]})
    s = three_ways(net)
    # 0: a takes 1, b (2) does not fit, c holds nothing, d (2) does not fit
    assert at(net, s, "a") == (0.0, 10.0)
    assert at(net, s, "c") == (0.0, 10.0)
    assert at(net, s, "b") == (10.0, 20.0)
    assert at(net, s, "d") == (20.0, 24.0)


def test_a_selector_on_a_rollout_phase_claims_per_unit():
    body = rollout_body(4, 1, 3.0)
    body["resources"] = [{"id": "teams", "capacity": 2, "applies_to": {"ids": ["roll"]}}]
    del body["initiatives"][0]["phases"][0]["uses"]
    body["initiatives"][0]["phases"][0]["rollout"]["order"] = ["u03", "u01"]  # those first
    net = net_of(body)
    s = three_ways(net)
    assert [at(net, s, f"roll/u{k:02d}") for k in (3, 1, 0, 2)] == [
        (0.0, 3.0), (0.0, 3.0), (3.0, 6.0), (3.0, 6.0)]


# --- 2. rollouts ------------------------------------------------------------

def rollout_body(n_units: int, teams: int, d: float, *, weights=None, share=None,
                 blackout=None, order="listed") -> dict:
    units = [{"id": f"u{k:02d}", **({"weight": weights[k]} if weights else {})}
             for k in range(n_units)]
    body = {"resources": [{"id": "teams", "capacity": teams}],
            "units": {"areas": units},
            "initiatives": [{"id": "ini", "phases": [
                {"id": "roll", "kind": "innforing", "duration": fixed(d),
                 "uses": {"teams": 1}, "rollout": {"over": "areas", "order": order}}]}],
            "milestones": [{"id": "all-live", "after": ["roll"]}]}
    if share is not None:
        body["milestones"].append({"id": "half", "after": [{"id": "roll", "done": share}]})
    if blackout is not None:
        body["blackouts"] = [{"id": "ferie", "window": {"from": blackout[0], "until": blackout[1]},
                              "applies_to": {"ids": ["roll"]}}]
    return body


@pytest.mark.parametrize("n_units, teams", [(1, 1), (5, 1), (5, 2), (6, 3), (7, 3), (4, 4),
                                            (3, 5), (10, 4)])
def test_rollout_waves_end_at_ceil_n_over_k_times_d(n_units, teams):
    d = 9.0
    net = net_of(rollout_body(n_units, teams, d, share=0.5))
    s = three_ways(net)
    assert at(net, s, "roll") == (0.0, math.ceil(n_units / teams) * d)
    assert at(net, s, "all-live")[0] == math.ceil(n_units / teams) * d
    # unit k (listed order) goes in wave k // teams
    for k in range(n_units):
        wave = k // teams
        assert at(net, s, f"roll/u{k:02d}") == (wave * d, (wave + 1) * d)
        # freed by the wave before: the lowest index of the units that finished then
        assert driver_id(net, s, f"roll/u{k:02d}") == (
            None if wave == 0 else f"roll/u{(wave - 1) * teams:02d}")
    # half is live once ceil(n/2) units are: in wave ceil(ceil(n/2) / k)
    assert at(net, s, "half")[0] == math.ceil(math.ceil(n_units / 2) / teams) * d


def test_weighted_share_and_weight_order():
    # weights 1, 1, 6, 2 (total 10), one team, heaviest first: u02 (6) reaches 50 % alone
    net = net_of(rollout_body(4, 1, 5.0, weights=[1, 1, 6, 2], share=0.5, order="weight"))
    s = three_ways(net)
    assert at(net, s, "roll/u02") == (0.0, 5.0)
    assert at(net, s, "roll/u03") == (5.0, 10.0)
    assert at(net, s, "half")[0] == 5.0
    assert driver_id(net, s, "half") == "roll@0.5"
    assert driver_id(net, s, "roll@0.5") == "roll/u02"
    net = net_of(rollout_body(4, 1, 5.0, weights=[1, 1, 6, 2], share=0.7, order="weight"))
    s = three_ways(net)
    assert at(net, s, "half")[0] == 10.0   # 6 + 2 = 8 >= 7


@pytest.mark.parametrize("teams, window, expected", [
    # window 01-15..01-24 is [14, 24) in days; work pauses inside it
    (1, ("01-15", "01-24"), [(0, 10), (10, 30), (30, 40)]),
    # window 01-11..01-20 is [10, 20): a start at 10 is moved to 20
    (1, ("01-11", "01-20"), [(0, 10), (20, 30), (30, 40)]),
    (2, ("01-11", "01-20"), [(0, 10), (0, 10), (20, 30)]),
    (2, ("01-06", "01-10"), [(0, 15), (0, 15), (15, 25)]),
])
def test_rollout_with_a_blackout(teams, window, expected):
    net = net_of(rollout_body(3, teams, 10.0, blackout=window, share=1.0))
    s = three_ways(net)
    got = [at(net, s, f"roll/u{k:02d}") for k in range(3)]
    assert got == [(float(a), float(b)) for a, b in expected]
    assert at(net, s, "all-live")[0] == expected[-1][1]
    assert at(net, s, "roll@1")[0] == expected[-1][1]


def test_rollout_order_by_attribute_and_where():
    body = rollout_body(0, 1, 4.0)
    body["units"] = {"areas": [{"id": "x", "region": "vest", "epj": "dips"},
                               {"id": "y", "region": "midt", "epj": "epic"},
                               {"id": "z", "region": "nord", "epj": "dips"}]}
    body["initiatives"][0]["phases"][0]["rollout"] = {"over": "areas", "order": {"by": "region"},
                                                      "where": {"epj": ["dips", "epic"]}}
    net = net_of(body)
    s = three_ways(net)
    assert [at(net, s, f"roll/{u}") for u in "yzx"] == [(0.0, 4.0), (4.0, 8.0), (8.0, 12.0)]
    body["initiatives"][0]["phases"][0]["rollout"]["where"] = {"epj": ["dips"]}
    net = net_of(body)
    assert "roll/y" not in net.ids
    s = three_ways(net)
    assert at(net, s, "roll") == (0.0, 8.0)


# --- 3. per-unit readiness --------------------------------------------------

def readiness_body(teams: int) -> dict:
    return {"resources": [{"id": "teams", "capacity": teams}],
            "units": {"hf": [{"id": "e1", "epj": "epic"}, {"id": "n1", "epj": "dips"},
                             {"id": "n2", "epj": "dips"}, {"id": "e2", "epj": "epic"}]},
            "initiatives": [
                solo("approval", 15, ini="epic"),
                {"id": "half-phase", "phases": [{"id": "after-half", "kind": "utvikling",
                                                 "duration": fixed(1),
                                                 "after": [{"id": "roll", "done": 0.5}]}]},
                {"id": "pll", "phases": [
                    {"id": "roll", "kind": "innforing", "duration": fixed(10),
                     "uses": {"teams": 1},
                     "rollout": {"over": "hf", "ready": [{"when": {"epj": ["epic"]},
                                                          "after": ["approval"]}]}}]}]}


def test_readiness_with_free_capacity():
    net = net_of(readiness_body(10))
    s = three_ways(net)
    assert at(net, s, "roll/e1") == (15.0, 25.0)
    assert at(net, s, "roll/e2") == (15.0, 25.0)
    assert driver_id(net, s, "roll/e1") == "approval"
    assert at(net, s, "roll/n1") == (0.0, 10.0)
    assert at(net, s, "roll/n2") == (0.0, 10.0)
    assert at(net, s, "roll") == (0.0, 25.0)


def test_readiness_with_one_team():
    # 0: e1 not ready, n1 goes; 10: n2 goes (e1 still not ready); 20: e1 (first listed)
    net = net_of(readiness_body(1))
    s = three_ways(net)
    assert at(net, s, "roll/n1") == (0.0, 10.0)
    assert at(net, s, "roll/n2") == (10.0, 20.0)
    assert at(net, s, "roll/e1") == (20.0, 30.0)
    assert at(net, s, "roll/e2") == (30.0, 40.0)
    assert driver_id(net, s, "roll/e1") == "roll/n2"
    assert driver_id(net, s, "roll/e2") == "roll/e1"
    # half of the weight is live with the second unit to finish (n2), not the second listed
    assert at(net, s, "roll@0.5")[0] == 20.0
    assert driver_id(net, s, "roll@0.5") == "roll/n2"


# --- 4. capacity steps -------------------------------------------------------

def test_capacity_steps():
    # nothing before 01-11 (t=10), 1 unit from then, 2 from 01-16 (t=15)
    net = net_of({"resources": [{"id": "team", "capacity": [
                      {"from": dt.date(2024, 1, 11), "units": 1},
                      {"from": dt.date(2024, 1, 16), "units": 2}]}],
                  "initiatives": [solo(p, 10, uses={"team": 1}) for p in ("a", "b", "c")]})
    s = three_ways(net)
    assert at(net, s, "a") == (10.0, 20.0)
    assert driver_id(net, s, "a") is None   # a step, not a finish, let it start
    assert at(net, s, "b") == (15.0, 25.0)
    assert driver_id(net, s, "b") is None
    assert at(net, s, "c") == (20.0, 30.0)
    assert driver_id(net, s, "c") == "a"


def test_capacity_step_down_does_not_preempt():
    net = net_of({"resources": [{"id": "team", "capacity": [
                      {"from": dt.date(2024, 1, 1), "units": 2},
                      {"from": dt.date(2024, 1, 6), "units": 1}]}],
                  "initiatives": [solo(p, 10, uses={"team": 1}) for p in ("a", "b", "c", "d")]})
    s = three_ways(net)
    assert [at(net, s, p) for p in "abcd"] == [(0, 10), (0, 10), (10, 20), (20, 30)]
    assert [driver_id(net, s, p) for p in "abcd"] == [None, None, "a", "c"]  # a, b both free at 10


def test_capacity_steps_in_months():
    # unit months: a step on 2024-07-01 is at 182 days / (365.25 / 12)
    net = net_of({"resources": [{"id": "team", "capacity": [
                      {"from": dt.date(2024, 1, 1), "units": 1},
                      {"from": dt.date(2024, 7, 1), "units": 2}]}],
                  "initiatives": [solo(p, 4, uses={"team": 1}) for p in ("a", "b", "c")]},
                 unit="months")
    s = three_ways(net)
    step = 182 / (365.25 / 12)
    assert at(net, s, "a") == (0.0, 4.0)
    assert at(net, s, "b") == (4.0, 8.0)
    assert at(net, s, "c") == (step, step + 4.0)   # 6.0 would be wrong: the step comes first


# --- 5. capacity that never comes -------------------------------------------

def never_body(cap, claim: int = 1) -> dict:
    return {"resources": [{"id": "team", "capacity": cap}],
            "initiatives": [{"id": "I", "phases": [
                {"id": "a", "kind": "utvikling", "duration": fixed(5)},
                {"id": "b", "kind": "utvikling", "duration": fixed(5), "uses": {"team": claim}},
                {"id": "c", "kind": "utvikling", "duration": fixed(5)}]},
                solo("free", 3)],
            "milestones": [{"id": "m", "after": ["I"]}]}


def _assert_b_never_starts(net, s):
    assert at(net, s, "a") == (0.0, 5.0)
    assert at(net, s, "free") == (0.0, 3.0)
    for x in ("b", "c", "m", "I" if "I" in net.ids else "m"):
        assert at(net, s, x) == (np.inf, np.inf)
    assert driver_id(net, s, "b") is None


@pytest.mark.parametrize("units", [0, 1])
def test_capacity_zero_forever_means_after_the_horizon(units):
    # the validator refuses such a scenario (see the next test), so the engine is fed a
    # network whose resource is swapped for 0 units (or 1 unit against a claim of 2)
    net = net_of(never_body(2, claim=1 + units))
    r = net.resources[0]
    net = dataclasses.replace(net, resources=(type(r)(r.id, r.name, np.array([-np.inf]),
                                                      np.array([units], dtype=np.int64)),))
    _assert_b_never_starts(net, three_ways(net, n=2))


@pytest.mark.parametrize("cap, claim", [(0, 1), (1, 2)])
def test_the_validator_refuses_a_claim_above_every_capacity(cap, claim):
    with pytest.raises(ScenarioError, match="could never start"):
        build(never_body(cap, claim))


def test_capacity_that_ends_before_the_task_is_ready_means_after_the_horizon():
    # one unit from the start, none from 01-03 (t=2); b is ready at 5
    net = net_of(never_body([{"from": dt.date(2024, 1, 1), "units": 1},
                             {"from": dt.date(2024, 1, 3), "units": 0}]))
    _assert_b_never_starts(net, three_ways(net))
    res = simulate(build(never_body([{"from": dt.date(2024, 1, 1), "units": 1},
                                     {"from": dt.date(2024, 1, 3), "units": 0}])), 3, seed=1)
    assert np.all(np.isinf(res.schedule.finish[net.index("m")]))


# --- 6. never-binding capacity equals cpm ------------------------------------

def _hold(raw: dict, holders: list[bool]) -> dict:
    """Give the chosen phases a resource of 10**4 units; links out of any phase at or
    after a holder become FS/SS with lag >= 0 (the documented rule)."""
    raw = {**raw, "resources": [{"id": "big", "capacity": 10**4}]}
    phases = [ini["phases"][0] for ini in raw["initiatives"]]
    below: set[str] = set()
    grew = True
    while grew:  # to a fixed point: the phases need not be listed in topological order
        grew = False
        for k, ph in enumerate(phases):
            preds = [ln["id"] for ln in ph["after"]]
            if ph["id"] not in below and (holders[k] or any(p in below for p in preds)):
                below.add(ph["id"])
                grew = True
    out = []
    for k, ph in enumerate(phases):
        ph = dict(ph)
        ph["after"] = [ln if ln["id"] not in below else
                       {**ln, "type": "FS" if ln["type"] in ("FS", "FF") else "SS",
                        "lag": abs(ln["lag"])} for ln in ph["after"]]
        if holders[k]:
            ph["uses"] = {"big": 1 + k % 3}
        out.append({"id": f"i{k}", "phases": [ph]})
    raw["initiatives"] = out
    return raw


@settings(max_examples=100, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(raw=networks(), holders=st.lists(st.booleans(), min_size=8, max_size=8),
       seed=st.integers(0, 2**32 - 1))
def test_never_binding_capacity_equals_cpm(raw, holders, seed):
    net = compile_scenario(build_scenario(_hold(raw, holders), SourceMap(), "<test>")[0])
    rng = np.random.default_rng(seed)
    dur = rng.uniform(0, 40, size=(net.size, 8)).round(rng.integers(0, 4))
    gates = rng.uniform(0, 400, size=(len(net.gates), 8))
    a = cpm.schedule(net, dur, gates)
    b = capacity.schedule(net, dur, gates)
    for name in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    np.testing.assert_array_equal(b.ready, a.start)
    np.testing.assert_array_equal(b.taken, a.start)


# --- 7. random limited networks: compiled == SimPy == reference --------------

@st.composite
def limited_networks(draw):
    n = draw(st.integers(3, 12))
    unit = draw(st.sampled_from(["days", "days", "weeks", "months"]))
    n_res = draw(st.integers(1, 2))
    resources, most = [], []
    for r in range(n_res):
        if draw(st.booleans()):
            cap = draw(st.integers(1, 3))
        else:
            days = sorted(draw(st.lists(st.integers(0, 120), min_size=1, max_size=3, unique=True)))
            cap = [{"from": START + dt.timedelta(days=x), "units": draw(st.integers(0, 3))}
                   for x in days]
            cap[-1]["units"] = max(cap[-1]["units"], 1)  # mostly finite schedules
        resources.append({"id": f"r{r}", "capacity": cap})
        most.append(cap if isinstance(cap, int) else max(x["units"] for x in cap))
    n_ini = draw(st.integers(1, min(4, n)))
    inis = [{"id": f"I{k}", "phases": []} for k in range(n_ini)]
    ids, tainted = [], {}   # tainted: holds units, or follows something that does
    for i in range(n):
        home = inis[draw(st.integers(0, n_ini - 1))]["phases"]
        after = []
        for p in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)) if ids else []:
            if tainted[p]:   # the documented rule between phases that wait for capacity
                after.append({"id": p, "type": draw(st.sampled_from(["FS", "SS"])),
                              "lag": draw(st.sampled_from([0, 0, 1, 2.5, 7]))})
            else:            # anything goes from a phase no capacity decision precedes
                after.append({"id": p, "type": draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                              "lag": draw(st.sampled_from([0, -3, 2.5]))})
        if draw(st.integers(0, 2)):   # fixed and alike, so finishes tie often
            dur = fixed(draw(st.sampled_from([0, 5, 5, 10])))
        else:
            lo = draw(st.integers(0, 5))
            dur = {"dist": "triangular", "min": lo, "mode": lo + 2, "max": lo + 9}
        ph = {"id": f"p{i}", "kind": draw(st.sampled_from(["utvikling", "innforing"])),
              "duration": dur, "after": after}
        if i == 0 or draw(st.integers(0, 9)) < 7:
            ph["uses"] = {f"r{r}": draw(st.integers(1, min(2, most[r])))
                          for r in draw(st.lists(st.integers(0, n_res - 1), min_size=1,
                                                 max_size=n_res, unique=True))}
        if draw(st.integers(0, 4)) == 0:
            ph["not_before"] = START + dt.timedelta(days=draw(st.integers(1, 60)))
        preds = [x["id"] for x in after] + ([home[-1]["id"]] if home else [])
        tainted[ph["id"]] = "uses" in ph or any(tainted[x] for x in preds)
        home.append(ph)
        ids.append(ph["id"])
    raw = {"scenario": {"name": "prop", "version": "1", "start": START,
                        "deadline": dt.date(2030, 1, 1), "unit": unit},
           "resources": resources,
           "initiatives": [x for x in inis if x["phases"]],
           "milestones": [{"id": "end", "after": ids[-2:]}]}
    if draw(st.booleans()):  # a small rollout
        k = draw(st.integers(1, 5))
        raw["units"] = {"areas": [{"id": f"u{j}", "weight": draw(st.integers(1, 3)),
                                   "grp": draw(st.sampled_from(["a", "b"]))} for j in range(k)]}
        gate_on = draw(st.sampled_from(ids))
        roll = {"id": "roll", "kind": "innforing",
                "duration": {"dist": "uniform", "min": 1, "max": 6},
                "after": [draw(st.sampled_from(ids))],
                "uses": {"r0": draw(st.integers(1, min(2, most[0])))},
                "rollout": {"over": "areas",
                            "order": draw(st.sampled_from(["listed", "weight"])),
                            "ready": [{"when": {"grp": ["a"]},
                                       "after": [{"id": gate_on, "type": "SS",
                                                  "lag": draw(st.sampled_from([0, 2]))}]}]}}
        raw["initiatives"].append({"id": "IR", "phases": [roll]})
        raw["milestones"].append({"id": "half", "after": [{"id": "roll", "done": 0.5}]})
        if draw(st.booleans()):
            raw["initiatives"].append({"id": "IA", "phases": [
                {"id": "after-half", "kind": "utvikling", "duration": fixed(2),
                 "after": ["half"], "uses": {"r0": 1}}]})
    has_innforing = "units" in raw or any(
        ph["kind"] == "innforing" for x in raw["initiatives"] for ph in x["phases"])
    if has_innforing and draw(st.booleans()):
        raw["blackouts"] = [{"id": "ferie", "window": {"from": "01-20", "until": "02-05"},
                             "applies_to": {"kinds": ["innforing"]}}]
    if draw(st.integers(0, 3)) == 0:   # a funding gate that may never grant: inf flows on
        raw["risks"] = [{"id": "budget", "category": "financing",
                         "applies_to": {"ids": draw(st.lists(st.sampled_from(ids), min_size=1,
                                                             max_size=2, unique=True))},
                         "funding": {"decisions": {"dates": [START + dt.timedelta(days=30),
                                                             START + dt.timedelta(days=90)]},
                                     "grant_probability": 0.4}}]
    names = [x["id"] for x in raw["initiatives"]] + ids
    raw["priorities"] = {"order": draw(st.lists(st.sampled_from(names), max_size=4, unique=True)),
                         "rule": draw(st.sampled_from(["plan-order", "shortest-first"]))}
    return raw


# Hypothesis' explain phase has crashed inside its own shrinker here; the failing example
# itself is what a reader needs
NO_EXPLAIN = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]


def _compile(raw):
    net = compile_scenario(build_scenario(raw, SourceMap(), "<test>")[0])
    assert net.needs_capacity
    return net


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow], phases=NO_EXPLAIN)
@given(raw=limited_networks(), seed=st.integers(0, 2**16))
def test_capacity_equals_the_reference_on_random_networks(raw, seed):
    net = _compile(raw)
    draws = sample_chunk(net, seed, 0, 4)
    dur = draws.durations(net)
    a = capacity.schedule(net, dur, draws.gate_times)
    s, f, drv = ref.schedule(net, dur, draws.gate_times)
    for name, x, y in (("start", a.start, s), ("finish", a.finish, f), ("driver", a.driver, drv)):
        np.testing.assert_array_equal(x, y, err_msg=f"{name}: capacity vs reference")
    # the rule itself, beyond agreement: units are never over-committed
    for r_idx, res in enumerate(net.resources):
        _check_never_overcommitted(net, a, r_idx, res)
    ok = np.isfinite(a.start)
    assert np.all(a.finish[ok] >= a.start[ok])
    assert np.all(a.taken[ok] >= a.ready[ok])
    event("some task waits" if np.any(a.taken[ok] > a.ready[ok]) else "no task waits")
    event("a rollout" if net.rollouts else "no rollout")
    event("never starts" if not ok.all() else "all start")
    event("a start moved past a blackout" if np.any(a.start[ok] > a.taken[ok])
          else "no blackout move")


@settings(max_examples=80, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=limited_networks(), seed=st.integers(0, 2**16))
def test_capacity_equals_simpy_on_random_networks(raw, seed):
    # the SimPy engine's `at` is swapped for an exact one, so this checks its rounds,
    # priorities, releases and drivers; the `at` rounding bug has its own test below
    net = _compile(raw)
    three_ways(net, n=2, seed=seed)


def test_simpy_lands_exactly_on_a_capacity_step():
    # weeks: steps at 29/7 and 100/7; from now = 29/7 no float delay gives now + delay == 100/7
    net = net_of({"resources": [{"id": "r0", "capacity": [
                      {"from": dt.date(2024, 1, 30), "units": 0},
                      {"from": dt.date(2024, 4, 10), "units": 1}]}],
                  "initiatives": [solo("p0", 1, uses={"r0": 1})]}, unit="weeks")
    draws = sample_chunk(net, 0, 0, 1)
    dur = draws.durations(net)
    a = capacity.schedule(net, dur, draws.gate_times)
    assert a.start[0, 0] == 100 / 7 == net.resources[0].times[2]
    b = des.schedule(net, dur, draws.gate_times)
    assert b.start[0, 0] == a.start[0, 0]   # SimPy gives 14.285714285714288


def _check_never_overcommitted(net, s, r_idx, res):
    holders = [(i, int(net.claim_units[q])) for i in range(net.size)
               for q in range(net.claim_ptr[i], net.claim_ptr[i + 1]) if net.claim_res[q] == r_idx]
    for col in range(s.start.shape[1]):
        events = sorted({float(s.taken[i, col]) for i, _ in holders
                         if np.isfinite(s.taken[i, col])})
        for t in events:
            used = sum(u for i, u in holders if s.taken[i, col] <= t < s.finish[i, col])
            assert used <= res.at(t), (net.ids, r_idx, t, used)


# --- 8. driver scope ---------------------------------------------------------

N_SCOPE = 20_000


def scope_body(scope: str, units=("a", "b", "c"), targets=("p1", "p2")) -> dict:
    return {"units": {"areas": [{"id": u} for u in units]},
            "initiatives": [
                {"id": "I1", "phases": [{"id": "p1", "kind": "utvikling", "duration": fixed(10)}]},
                {"id": "I2", "phases": [
                    {"id": "p2", "kind": "utvikling", "duration": fixed(10)},
                    {"id": "roll", "kind": "innforing",
                     "duration": {"dist": "uniform", "min": 1, "max": 3},
                     "rollout": {"over": "areas"}}]}],
            "risks": [{"id": "vendor", "category": "vendor", "probability": 0.4,
                       "impact": {"dist": "uniform", "min": 1.2, "max": 2.0},
                       "applies_to": {"ids": list(targets)}, "scope": scope}]}


def _fired(net, seed):
    draws = sample_chunk(net, seed, 0, N_SCOPE)
    dur = draws.durations(net)
    f1, f2 = dur[net.index("p1")] / 10, dur[net.index("p2")] / 10
    return f1, f2


def test_scope_initiative_draws_each_initiative_independently(seed):
    net = net_of(scope_body("initiative"))
    assert sorted(d.key for d in net.drivers) == ["vendor@I1", "vendor@I2"]
    f1, f2 = _fired(net, seed)
    on1, on2 = f1 > 1, f2 > 1
    se = 1 / math.sqrt(N_SCOPE)
    assert abs(np.corrcoef(on1, on2)[0, 1]) < 5 * se
    for on in (on1, on2):   # each still fires with its probability
        assert abs(on.mean() - 0.4) < 5 * math.sqrt(0.4 * 0.6 / N_SCOPE)
    assert abs(np.corrcoef(f1, f2)[0, 1]) < 5 * se
    assert not np.array_equal(f1[on1 & on2], f2[on1 & on2])


def test_scope_shared_gives_one_draw_to_every_target(seed):
    net = net_of(scope_body("shared"))
    assert [d.key for d in net.drivers] == ["vendor"]
    f1, f2 = _fired(net, seed)
    np.testing.assert_array_equal(f1, f2)
    assert np.corrcoef(f1 > 1, f2 > 1)[0, 1] == pytest.approx(1.0)
    assert abs((f1 > 1).mean() - 0.4) < 5 * math.sqrt(0.4 * 0.6 / N_SCOPE)


def test_scope_unit_draws_per_rollout_unit_and_streams_are_stable():
    targets = ("p1", "roll")
    net = net_of(scope_body("unit", targets=targets))
    by_key = {d.key: [net.ids[i] for i in d.targets] for d in net.drivers}
    assert by_key == {"vendor@p1": ["p1"], "vendor@areas:a": ["roll/a"],
                      "vendor@areas:b": ["roll/b"], "vendor@areas:c": ["roll/c"]}
    # a phase that is no rollout is its own unit; a unit is keyed by its table and id
    wider = net_of(scope_body("unit", units=("a", "new", "b", "c"), targets=targets))
    assert len(wider.drivers) == 5
    n = 500
    d0, d1 = sample_chunk(net, 7, 0, n), sample_chunk(wider, 7, 0, n)
    for i, aid in enumerate(net.ids):
        j = wider.index(aid)
        np.testing.assert_array_equal(d0.base[i], d1.base[j], err_msg=aid)
    rows = {d.key: k for k, d in enumerate(wider.drivers)}
    for k, drv in enumerate(net.drivers):
        np.testing.assert_array_equal(d0.fired[k], d1.fired[rows[drv.key]], err_msg=drv.key)
        np.testing.assert_array_equal(d0.factor[k], d1.factor[rows[drv.key]], err_msg=drv.key)
    # and so are the realised durations of the units both have
    u0, u1 = d0.durations(net), d1.durations(wider)
    for aid in ("roll/a", "roll/b", "roll/c", "p1"):
        np.testing.assert_array_equal(u0[net.index(aid)], u1[wider.index(aid)], err_msg=aid)
    # the units' draws are not one shared draw
    fired = d1.fired[[rows[f"vendor@areas:{u}"] for u in "abc"]]
    assert 0 < fired.mean() < 1 and not np.all(fired == fired[0])


def test_scope_unit_keeps_a_phase_apart_from_a_unit_of_the_same_name():
    body = scope_body("unit", units=("vest", "nord"), targets=("vest", "roll"))
    body["initiatives"][0]["phases"][0]["id"] = "vest"     # phase `vest`, not a rollout
    net = net_of(body)
    groups = sorted(sorted(net.ids[i] for i in d.targets) for d in net.drivers)
    assert groups == [["roll/nord"], ["roll/vest"], ["vest"]]


# --- the example scenario ------------------------------------------------------

def test_the_capacity_example_agrees_across_the_three_schedulers():
    from conftest import SCENARIOS
    from simulator import load_scenario

    sc = load_scenario(SCENARIOS / "examples" / "capacity.yaml")
    res = simulate(sc, 120, seed=5)
    assert res.engine == "capacity"
    sim = simulate(sc, 120, seed=5, engine="des")
    for name in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(res.schedule, name), getattr(sim.schedule, name),
                                      err_msg=name)
    net = compile_scenario(sc)
    s, f, drv = ref.schedule(net, res.schedule.durations, sample_chunk(net, 5, 0, 120).gate_times)
    np.testing.assert_array_equal(res.schedule.start, s)
    np.testing.assert_array_equal(res.schedule.finish, f)
    np.testing.assert_array_equal(res.schedule.driver, drv)
    # the shared team is binding: some tilpasning waits in some iteration
    sched = res.schedule
    assert np.any(sched.taken > sched.ready)


def test_the_capacity_engine_asked_for_a_network_without_capacity_gives_the_cpm_dates(tiny_file):
    """``--engine capacity`` on a scenario that holds no resources: the run's arrays have no
    ready or taken dates, and the engine schedules it to the cpm engine's dates."""
    from simulator import load_scenario
    sc = load_scenario(tiny_file)
    assert not compile_scenario(sc).needs_capacity
    by_cpm, by_capacity = simulate(sc, 300, 4), simulate(sc, 300, 4, engine="capacity")
    assert by_capacity.engine == "capacity" and by_capacity.schedule.ready is None
    for name in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(by_capacity.schedule, name),
                                      getattr(by_cpm.schedule, name))
