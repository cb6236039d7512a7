"""The vectorised forward pass against a plain scalar scheduler, on random networks.

The reference walks blackout windows one by one and finds finish-constrained
starts by bisection: a different method from the engine's working-time
mapping, so agreement is evidence, not a tautology.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import compile_scenario, plan
from simulator.scenario.check import build_scenario
from simulator.scenario.yamlio import SourceMap

START = dt.date(2022, 1, 1)


@st.composite
def networks(draw):
    n = draw(st.integers(2, 8))
    acts = []
    for i in range(n):
        after = []
        for p in draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []:
            after.append({"id": f"a{p}", "type": draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                          "lag": draw(st.integers(-5, 10))})
        acts.append({"id": f"a{i}", "kind": "innforing" if draw(st.booleans()) else "utvikling",
                     "duration": {"dist": "fixed", "value": draw(st.integers(0, 60))},
                     "after": after})
        if draw(st.booleans()):
            acts[-1]["not_before"] = START + dt.timedelta(days=draw(st.integers(0, 200)))
    windows = draw(st.lists(st.tuples(st.integers(1, 11), st.integers(1, 28), st.integers(1, 40)),
                            max_size=2))
    gated = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    unit = draw(st.sampled_from(["days", "weeks", "months"]))
    raw = {"scenario": {"name": "ref", "version": "1", "start": START, "deadline": dt.date(2030, 1, 1),
                        "unit": unit},
           "initiatives": [{"id": f"i{k}", "phases": [a]} for k, a in enumerate(acts)]}
    raw["blackouts"] = [{"id": f"b{k}", "window": {"from": f"{m:02d}-{d:02d}",
                                                   "until": _until(m, d, length)},
                         "applies_to": {"kinds": ["innforing"]}}
                        for k, (m, d, length) in enumerate(windows)]
    if not any(a["kind"] == "innforing" for a in acts):
        raw["blackouts"] = []
    if gated:
        raw["risks"] = [{"id": "gate", "category": "financing", "applies_to": {"ids": [f"a{i}" for i in gated]},
                         "funding": {"decisions": {"yearly": "03-15"}, "grant_probability": 1.0}}]
    return raw


def _until(month, day, length):
    end = dt.date(2023, month, day) + dt.timedelta(days=length - 1)
    return f"{end.month:02d}-{end.day:02d}"


def _windows(net, i):
    c = net.calendar_of[i]
    return [] if c < 0 else [tuple(w) for w in net.calendars[c]]


def _finish(start, duration, windows):
    """Walk the windows: work pauses inside each one."""
    t, left = start, duration
    for a, b in windows:
        if b <= t:
            continue
        if a <= t < b:
            t = b
            continue
        if t + left <= a:
            break
        left -= a - t
        t = b
    return t + left


def _push(t, windows):
    for a, b in windows:
        if a <= t < b:
            return b
    return t


def _start_for_finish(c, d, windows, lo):
    """Earliest start (to 1e-9) whose finish is not before c, by bisection."""
    if not windows:
        return c - d
    lo, hi = min(lo, c - d) - 1.0, c + 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if _finish(_push(mid, windows), d, windows) >= c:
            hi = mid
        else:
            lo = mid
    # rounding can leave hi an ulp before the window opening that is the true answer
    for a, _ in windows:
        if 0 < a - hi < 1e-7:
            hi = a
    return _push(hi, windows)


def reference(net):
    start, finish = {}, {}
    gates_of = {int(i): g for g in net.gates for i in g.targets}
    for i in net.order:
        w = _windows(net, i)
        d = net.durations.planned()[i]
        s = net.not_before[i]
        if i in gates_of:
            s = max(s, gates_of[i].times[0])
        for pos in net.preds(i):
            p, t, lag = net.pred_idx[pos], net.pred_type[pos], net.pred_lag[pos]
            ref = finish[p] if t in (0, 2) else start[p]
            c = ref + lag
            if t >= 2:
                c = _start_for_finish(c, d, w, s)
            s = max(s, c)
        s = _push(s, w)
        start[i], finish[i] = s, max(s, _finish(s, d, w))
    return start, finish


@settings(max_examples=300, deadline=None)
@given(raw=networks())
def test_forward_pass_matches_the_scalar_reference(raw):
    net = compile_scenario(build_scenario(raw, SourceMap(), "<test>")[0])
    sched = plan(net)
    start, finish = reference(net)
    for i in range(net.size):
        assert abs(sched.start[i, 0] - start[i]) < 1e-6, (net.ids[i], sched.start[i, 0], start[i])
        assert abs(sched.finish[i, 0] - finish[i]) < 1e-6, (net.ids[i], sched.finish[i, 0], finish[i])
    assert np.all(sched.finish >= sched.start)
