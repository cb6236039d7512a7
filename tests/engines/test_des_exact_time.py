"""The SimPy engines wake at exactly the date they ask for, to the last bit."""

from __future__ import annotations

import numpy as np
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.engines.des_capacity import at


def _times_seen(times):
    env = simpy.Environment()
    seen = []

    def proc():
        for t in times:
            yield at(env, t)
            seen.append(env.now)

    env.process(proc())
    env.run()
    return seen


def test_a_sum_that_cannot_round_to_the_date():
    # 7.152... + any delay rounds to 15.3126...97 or ...95, never ...96: a timeout misses it
    t = 15.312616506281396
    assert 7.152058997533222 + (t - 7.152058997533222) != t
    assert _times_seen([7.152058997533222, t]) == [7.152058997533222, t]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e4, allow_nan=False, allow_infinity=False), min_size=1, max_size=6))
def test_every_date_is_hit_exactly(times):
    times = sorted(times)
    assert _times_seen(times) == times
    assert all(isinstance(x, (float, np.floating)) for x in times)
