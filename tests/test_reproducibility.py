"""Same seed, same bytes; stable streams per element id; worker count never matters."""

from __future__ import annotations

import json

import numpy as np
import pytest
from texts import TINY, chain, phase

from simulator import load_scenario, simulate
from simulator.output import dumps
from simulator.sampling.streams import CHUNK, root_seed


def _bytes(result) -> str:
    return dumps(result.to_dict())


@pytest.fixture
def two_cpus(monkeypatch):
    """A pool of two even on a one-CPU machine, where simulate would cap it (and warn)."""
    import simulator.parallel
    monkeypatch.setattr(simulator.parallel, "available_cpus", lambda: 2)


def test_same_seed_same_bytes_different_seed_differs(tiny_file):
    sc = load_scenario(tiny_file)
    a, b, c = simulate(sc, 3000, 7), simulate(sc, 3000, 7), simulate(sc, 3000, 8)
    assert _bytes(a) == _bytes(b)
    np.testing.assert_array_equal(a.schedule.finish, b.schedule.finish)
    assert _bytes(a) != _bytes(c)
    assert not np.array_equal(a.schedule.finish, c.schedule.finish)


@pytest.mark.slow
def test_workers_do_not_change_the_bytes(tiny_file, two_cpus):
    sc = load_scenario(tiny_file)
    n = 2 * CHUNK + 123  # several chunks, the last one partial
    one = simulate(sc, n, 99)
    two = simulate(sc, n, 99, workers=2)
    assert _bytes(one) == _bytes(two)
    np.testing.assert_array_equal(one.schedule.finish, two.schedule.finish)
    np.testing.assert_array_equal(one.draws.fired, two.draws.fired)


@pytest.mark.slow
def test_workers_do_not_change_the_bytes_of_a_capacity_run(two_cpus):
    from pathlib import Path
    sc = load_scenario(Path(__file__).parent.parent / "scenarios" / "examples" / "capacity.yaml")
    n = CHUNK + 77
    one, two = simulate(sc, n, 5), simulate(sc, n, 5, workers=2)
    assert one.engine == two.engine == "capacity"
    assert _bytes(one) == _bytes(two)  # rollouts and resources included
    for field in ("start", "finish", "driver", "ready", "taken"):
        np.testing.assert_array_equal(getattr(one.schedule, field), getattr(two.schedule, field))


def test_seed_types_are_normalised_once():
    assert root_seed(5) == 5
    assert root_seed(np.random.SeedSequence(5)) == 5
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    assert root_seed(g1) == root_seed(g2)
    assert isinstance(root_seed(None), int)
    with pytest.raises(ValueError):
        root_seed(-1)
    with pytest.raises(TypeError):
        root_seed(1.5)


def test_seed_is_recorded_and_reproduces_a_fresh_run(tiny_file):
    sc = load_scenario(tiny_file)
    fresh = simulate(sc, 500)  # entropy from the operating system
    again = simulate(sc, 500, fresh.seed)
    assert _bytes(fresh) == _bytes(again)
    assert json.loads(_bytes(fresh))["seed"] == fresh.seed


def test_adding_an_unrelated_element_leaves_other_draws_unchanged(build):
    body = {"initiatives": [chain("x", phase("a", {"dist": "pert", "min": 1, "mode": 4, "max": 9}),
                                  phase("b", {"dist": "uniform", "min": 2, "max": 3}))],
            "risks": [{"id": "r", "category": "vendor", "probability": 0.4,
                       "impact": {"dist": "triangular", "min": 1, "mode": 1.2, "max": 2},
                       "applies_to": {"ids": ["b"]}}]}
    before = simulate(build(body), CHUNK + 50, 5)
    body["initiatives"].insert(0, chain("new", phase("z", {"dist": "normal", "mean": 5, "sd": 1})))
    body["risks"].insert(0, {"id": "r0", "category": "other", "probability": 0.5,
                             "delay": {"dist": "uniform", "min": 1, "max": 2}, "applies_to": {"ids": ["z"]}})
    after = simulate(build(body), CHUNK + 50, 5)
    for pid in ("a", "b"):
        np.testing.assert_array_equal(before.draws.base[before.network.index(pid)],
                                      after.draws.base[after.network.index(pid)])
        np.testing.assert_array_equal(before.finish(pid), after.finish(pid))
    np.testing.assert_array_equal(before.draws.fired[0], after.draws.fired[1])
    np.testing.assert_array_equal(before.draws.factor[0], after.draws.factor[1])


def test_mc_draws_of_an_iteration_do_not_depend_on_the_iteration_count(tiny_file):
    sc = load_scenario(tiny_file)
    short, long = simulate(sc, 1000, 3), simulate(sc, CHUNK + 10, 3)
    np.testing.assert_array_equal(short.draws.base, long.draws.base[:, :1000])


def test_mitigated_values_are_used_only_when_asked(write):
    text = TINY.replace("    applies_to: {kinds: [utproving]}\n",
                        "    applies_to: {kinds: [utproving]}\n    mitigated: {probability: 0.0}\n")
    sc = load_scenario(write(text))
    pre, post = simulate(sc, 4000, 1), simulate(sc, 4000, 1, mitigated=True)
    assert pre.draws.fired[0].any() and not post.draws.fired[0].any()
    # common random numbers: the other driver fires in exactly the same iterations
    np.testing.assert_array_equal(pre.draws.fired[1], post.draws.fired[1])
    assert post.mitigated and not pre.mitigated


def test_api_misuse_raises_value_or_type_error(tiny_file):
    sc = load_scenario(tiny_file)
    for kwargs in ({"iterations": 1}, {"iterations": 10, "sampling": "sobol"},
                   {"iterations": 10, "workers": 0}, {"iterations": 10, "engine": "fast"}):
        with pytest.raises(ValueError):
            simulate(sc, **kwargs)
    with pytest.raises(TypeError):
        simulate("scenario.yaml", 10)
