"""The des engine gives the cpm engine's dates exactly, for identical Draws.

Both engines apply the same date rule, so this checks the wiring (event order, waits,
columns, the JSON), not the rule: the independent scalar reference in
test_cpm_reference.py judges the dates of both.
"""

from __future__ import annotations

import json

import numpy as np
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import compiled, networks

from simulator import load_scenario, simulate
from simulator.engines import cpm, des
from simulator.output import dumps


def _same(a: cpm.Schedule, b: cpm.Schedule) -> None:
    for field in ("start", "finish", "driver"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


@settings(max_examples=60, deadline=None)
@given(raw=networks(), seed=st.integers(0, 2**32 - 1))
def test_des_equals_cpm_on_random_networks(raw, seed):
    net = compiled(raw)
    rng = np.random.default_rng(seed)
    durations = rng.uniform(0, 40, size=(net.size, 12)).round(rng.integers(0, 4))
    # some gates never grant: inf must flow through both engines alike
    gates = np.where(rng.random((len(net.gates), 12)) < 0.2, np.inf,
                     rng.uniform(0, 400, size=(len(net.gates), 12)))
    _same(cpm.schedule(net, durations, gates), des.schedule(net, durations, gates))


def test_des_equals_cpm_on_the_default_scenario():
    sc = load_scenario(SCENARIOS / "veikart-22.1.yaml")
    a, b = simulate(sc, 300, 5), simulate(sc, 300, 5, engine="des")
    _same(a.schedule, b.schedule)
    ja, jb = json.loads(dumps(a.to_dict())), json.loads(dumps(b.to_dict()))
    # the default scenario holds vendor capacity, so the fast engine is the capacity engine
    assert (ja.pop("engine"), jb.pop("engine")) == ("capacity", "des")
    assert ja == jb
