"""The vectorised forward pass against a plain scalar scheduler, on random networks.

The reference walks blackout windows one by one and finds finish-constrained
starts by bisection: a different method from the engine's working-time
mapping, so agreement is evidence, not a tautology.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from strategies import compiled, networks

from simulator import plan


def _windows(net, i):
    c = net.calendar_of[i]
    return [] if c < 0 else [tuple(w) for w in net.calendars[c]]


# Within this of a window's opening counts as on it, as in the engine: such differences
# are rounding in the unit conversion (weeks, months), not the plan.
TOL = 1e-9


def _finish(start, duration, windows):
    """Walk the windows: work pauses inside each one."""
    t, left = start, duration
    for a, b in windows:
        if b <= t:
            continue
        if a - TOL <= t < b:
            t = b
            continue
        if t + left <= a + TOL:
            break
        left -= a - t
        t = b
    return t + left


def _push(t, windows):
    for a, b in windows:
        if a - TOL <= t < b:
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
    net = compiled(raw)
    sched = plan(net)
    start, finish = reference(net)
    for i in range(net.size):
        assert abs(sched.start[i, 0] - start[i]) < 1e-6, (net.ids[i], sched.start[i, 0], start[i])
        assert abs(sched.finish[i, 0] - finish[i]) < 1e-6, (net.ids[i], sched.finish[i, 0], finish[i])
    assert np.all(sched.finish >= sched.start)
