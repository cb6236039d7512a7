"""Driving paths and criticality against a plain walk, iteration by iteration, along the drivers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import SCENARIOS

from simulator import load_scenario, simulate
from simulator.analysis import critical
from simulator.engines.cpm import NO_DRIVER


def _walked(finish, driver, members, it) -> list[int]:
    """The driving path in iteration ``it``, walked one activity at a time."""
    latest = max(members, key=lambda a: (finish[a, it], -list(members).index(a)))
    path = [latest]
    while driver[path[-1], it] != NO_DRIVER:
        path.append(int(driver[path[-1], it]))
    return path


def _reference(net, sched):
    """Criticality of every activity to net.target, and of each phase to its initiative."""
    n = sched.finish.shape[1]
    crit = np.zeros(net.size)
    own = np.full(net.size, np.nan)
    for it in range(n):
        for a in _walked(sched.finish, sched.driver, critical.target_members(net, net.target), it):
            crit[a] += 1
    for members in net.initiative_members:
        hits = np.zeros(net.size)
        for it in range(n):
            for a in _walked(sched.finish, sched.driver, members, it):
                hits[a] += 1
        own[members] = hits[members]
    return crit / n, own / n


def _random(rng, size: int, n: int, *, linked: bool):
    """A random schedule over ``size`` activities: drivers earlier in a topological order when
    ``linked``, else earlier in a random order of each iteration (as a capacity's queue can
    be); every chain ends in an activity with no driver. Initiatives are scattered subsets
    (a path can leave one and come back); a few activities belong to none (milestones)."""
    order = rng.permutation(size)                   # the network's topological order
    driver = np.full((size, n), NO_DRIVER, dtype=np.int32)
    for it in range(n):
        seq = order if linked else rng.permutation(size)
        for k in range(1, size):
            if rng.random() < 0.8:                  # else started by a date
                driver[seq[k], it] = seq[rng.integers(max(0, k - 4), k)]
    finish = rng.integers(0, 4, (size, n)).astype(float)  # ties: the first member wins
    owner = rng.integers(-1, 4, size)
    members = tuple(np.flatnonzero(owner == j) for j in range(4) if (owner == j).any())
    ids = tuple(f"a{i}" for i in range(size))
    ini = tuple(f"i{j}" for j in range(len(members)))
    net = SimpleNamespace(size=size, ids=ids, index=ids.index, initiative_ids=ini,
                          initiative_members=members, order=order, needs_capacity=False,
                          target=ini[0])
    return net, SimpleNamespace(finish=finish, driver=driver)


@pytest.mark.parametrize("linked", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_criticality_equals_a_walk_per_iteration(seed, linked):
    net, sched = _random(np.random.default_rng(seed), 30, 200, linked=linked)
    crit, own = _reference(net, sched)
    np.testing.assert_array_equal(critical.criticality(net, sched, net.target), crit)
    np.testing.assert_array_equal(critical.initiative_criticality(net, sched), own)
    mask = critical.driving_path(net, sched, net.target)
    assert mask.dtype == bool and mask.shape == (30, 200)
    for it in range(0, 200, 17):
        path = _walked(sched.finish, sched.driver, critical.target_members(net, net.target), it)
        assert sorted(np.flatnonzero(mask[:, it])) == sorted(path)


def test_a_path_that_leaves_its_initiative_and_comes_back_counts_on_return():
    # a0 (i0) <- a1 (i1) <- a2 (i0): the path of i0 goes through i1 and back
    ids = ("a0", "a1", "a2")
    net = SimpleNamespace(size=3, ids=ids, index=ids.index, initiative_ids=("i0", "i1"),
                          initiative_members=(np.array([0, 2]), np.array([1])),
                          order=np.arange(3), needs_capacity=False, target="i0")
    sched = SimpleNamespace(finish=np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 0.5]]),
                            driver=np.array([[NO_DRIVER] * 2, [0, NO_DRIVER], [1, 1]], np.int32))
    # i0: iteration 0: a2 finishes last, path a2 a1 a0; iteration 1: a0 does, path a0
    # i1: a1 in both iterations (its own path, which goes on to a0 in iteration 0)
    np.testing.assert_array_equal(critical.initiative_criticality(net, sched), [1.0, 1.0, 0.5])
    np.testing.assert_array_equal(critical.criticality(net, sched, "i0"), [1.0, 0.5, 0.5])
    # the path through every activity is marked whole (as long as the network)
    np.testing.assert_array_equal(critical.driving_path(net, sched, "i0"),
                                  [[True, True], [True, False], [True, False]])


@pytest.mark.parametrize("name", ["veikart-22.1.yaml", "examples/capacity.yaml"])
def test_criticality_of_simulated_schedules_equals_the_walk(name):
    result = simulate(load_scenario(SCENARIOS / name), 60, seed=5)
    net, sched = result.network, result.schedule
    crit, own = _reference(net, sched)
    np.testing.assert_array_equal(critical.criticality(net, sched, net.target), crit)
    np.testing.assert_array_equal(critical.initiative_criticality(net, sched), own)
