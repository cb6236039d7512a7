"""``--workers`` is capped at what the work and the machine can use, and the cap is said."""

from __future__ import annotations

import os

import numpy as np
import pytest

import simulator.parallel
from simulator import load_scenario, simulate
from simulator.cli import main
from simulator.sampling.streams import CHUNK


class _Pool:
    """Stands in for the process pool executor: records the size asked for, runs in this
    process."""

    sizes: list[int] = []

    def __init__(self, max_workers):
        _Pool.sizes.append(max_workers)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def map(self, fn, items):
        return map(fn, items)


@pytest.fixture
def pool(monkeypatch):
    _Pool.sizes = []
    monkeypatch.setattr(simulator.parallel, "make_executor", lambda workers, **kw: _Pool(workers))
    monkeypatch.setattr(simulator.parallel, "available_cpus", lambda: 4)
    return _Pool


def test_a_pool_is_never_larger_than_the_chunks_or_the_cpus(tiny_file, pool):
    sc = load_scenario(tiny_file)
    with pytest.warns(UserWarning, match="workers capped at 3: 24,576 iterations make 3 chunks"):
        simulate(sc, 3 * CHUNK, 1, workers=100_000)
    assert pool.sizes == [3]  # three chunks of work
    with pytest.warns(UserWarning, match="workers capped at 4: .* and 4 CPUs are available"):
        simulate(sc, 9 * CHUNK, 1, workers=100_000)
    assert pool.sizes == [3, 4]  # four CPUs
    with pytest.warns(UserWarning, match="workers capped at 1: 500 iterations make 1 chunk of"):
        simulate(sc, 500, 1, workers=100_000)
    assert pool.sizes == [3, 4]  # one chunk: no pool at all


def test_the_api_warns_only_when_it_caps(tiny_file, pool):
    """filterwarnings = error: a warning here would fail the test."""
    sc = load_scenario(tiny_file)
    simulate(sc, 3 * CHUNK, 1, workers=3)
    simulate(sc, 500, 1, workers=1)
    with pytest.warns(UserWarning) as seen:
        simulate(sc, 2 * CHUNK, 1, workers=3)
    assert [str(w.message) for w in seen] == [
        "workers capped at 2: 16,384 iterations make 2 chunks of up to 8,192, and 4 CPUs are available"]
    assert seen[0].filename == __file__  # points at the caller's line


def test_the_cli_says_when_it_caps_workers(tiny_file, pool, capsys):
    assert main(["run", str(tiny_file), "-n", "500", "--seed", "1", "--workers", "100000",
                 "--json"]) == 0
    err = capsys.readouterr().err
    assert "--workers 100000 capped at 1: 500 iterations make 1 chunk of up to 8,192, " \
           "and 4 CPUs are available" in err
    assert err.count("capped") == 1 and "Warning" not in err  # said once, by the CLI
    assert main(["run", str(tiny_file), "-n", "500", "--seed", "1", "--workers", "1",
                 "--json"]) == 0
    assert "capped" not in capsys.readouterr().err


def test_available_cpus_follows_the_affinity_mask():
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no affinity mask on this platform")
    assert simulator.parallel.available_cpus() == len(os.sched_getaffinity(0))


def _bytes(result):
    import dataclasses
    out = []
    for part in (result.draws, result.schedule):
        for f in dataclasses.fields(part):
            a = getattr(part, f.name)
            out.append(None if a is None else a.tobytes())
    return out


def test_forked_workers_write_into_shared_memory(tiny_file, monkeypatch):
    """Workers write their columns where the parent reads them: nothing is copied back."""
    import mmap

    if not simulator.parallel.can_fork():
        pytest.skip("processes cannot be forked here")
    monkeypatch.setattr(simulator.parallel, "available_cpus", lambda: 2)
    sc = load_scenario(tiny_file)
    one = simulate(sc, 2 * CHUNK + 11, 4)
    two = simulate(sc, 2 * CHUNK + 11, 4, workers=2)
    base = two.schedule.finish
    while isinstance(base, np.ndarray):
        base = base.base
    assert isinstance(base.obj, mmap.mmap)  # the memoryview numpy made of the shared block
    assert _bytes(one) == _bytes(two)
    # where fork is not available, the chunks come back by value: the same bytes
    monkeypatch.setattr(simulator.parallel, "can_fork", lambda: False)
    assert _bytes(simulate(sc, 2 * CHUNK + 11, 4, workers=2)) == _bytes(one)


def test_a_worker_sends_back_only_its_count(tiny_file, monkeypatch):
    from simulator.scenario.compile import compile_scenario

    net = compile_scenario(load_scenario(tiny_file))
    draws, sched = simulator.parallel._shared(
        simulator.sampling.draws.Draws.empty(net, 100),
        simulator.engines.cpm.Schedule.empty(net.size, 100))
    monkeypatch.setattr(simulator.parallel, "_SHARED", (draws, sched))
    assert simulator.parallel._run_chunk_shared((net, 1, 0, 100, "mc", "cpm")) == 100
    alone = simulator.parallel.run_chunk(net, 1, 0, 100, "mc", "cpm")
    assert sched.finish.tobytes() == alone[1].finish.tobytes()


def test_without_a_count_every_cpu_is_used_as_far_as_the_memory_allows(tiny_file, pool,
                                                                        monkeypatch):
    """``workers=None`` (the command line's default): the CPUs, capped by the chunks and by
    the memory available at BASE_BYTES + CELL_BYTES per activity and iteration of a chunk
    for each process and this one; never a warning (filterwarnings = error)."""
    from simulator.scenario.compile import compile_scenario
    par = simulator.parallel
    sc = load_scenario(tiny_file)
    each = par.BASE_BYTES + par.CELL_BYTES * compile_scenario(sc).size * CHUNK
    monkeypatch.setattr(par, "available_memory", lambda: 100 * each)
    simulate(sc, 9 * CHUNK, 1, workers=None)
    simulate(sc, 2 * CHUNK, 1, workers=None)
    assert pool.sizes == [4, 2]  # the four CPUs; two chunks
    monkeypatch.setattr(par, "available_memory", lambda: 3 * each + each // 2)
    simulate(sc, 9 * CHUNK, 1, workers=None)
    assert pool.sizes[-1] == 2  # three fit, and this process is one of them
    monkeypatch.setattr(par, "available_memory", lambda: each // 2)
    simulate(sc, 9 * CHUNK, 1, workers=None)  # none fit: this process alone, no pool
    assert len(pool.sizes) == 3
    monkeypatch.setattr(par, "available_memory", lambda: None)  # unknown: the CPUs
    net = compile_scenario(sc)
    assert par.auto_workers(net) == 4 and par.auto_workers(net, 500) == 1


def test_available_memory_is_what_the_kernel_says_is_available():
    meminfo = "/proc/meminfo"
    if not os.path.exists(meminfo):
        pytest.skip("no /proc/meminfo here")
    with open(meminfo) as f:
        kib = next(int(line.split()[1]) for line in f if line.startswith("MemAvailable:"))
    assert abs(simulator.parallel.available_memory() - kib * 1024) < 256 * 2**20  # it moves


def test_the_cli_default_leaves_the_count_to_the_run_without_a_word(tiny_file, pool, capsys,
                                                                      monkeypatch):
    import simulator.commands
    asked = []

    def spy(*args, **kw):
        asked.append(kw["workers"])
        return simulate(*args, **kw)
    monkeypatch.setattr(simulator.commands, "simulate", spy)
    for n in (500, 3 * CHUNK):
        assert main(["run", str(tiny_file), "-n", str(n), "--seed", "1", "--json"]) == 0
        assert "capped" not in capsys.readouterr().err
    assert main(["run", str(tiny_file), "-n", "500", "--seed", "1", "--json", "--workers", "2"]) == 0
    assert asked == [None, None, 1]  # as many as the run allows; as asked, capped and said
    assert "--workers 2 capped at 1" in capsys.readouterr().err
