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


def test_a_containers_cgroup_limits_the_cpus_and_the_memory(monkeypatch):
    """A container's CPU quota and memory limit (cgroup version 2) bound what a run takes
    by default, below the host's CPUs and MemAvailable."""
    par = simulator.parallel
    files = {"cpu.max": "150000 100000", "memory.max": str(8 * 2**30),
             "memory.current": str(3 * 2**30)}
    monkeypatch.setattr(par, "_cgroup_file", lambda name: None)
    host = par.available_memory()
    monkeypatch.setattr(par, "_cgroup_file", files.get)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    assert par.available_cpus() == 2                      # 1.5 CPUs of quota: 2 processes
    left = 5 * 2**30                                      # 8 GiB limit, 3 GiB used
    near = 512 * 2**20  # MemAvailable moves between two reads
    got = par.available_memory()
    assert got == left if host is None or host > left + near else abs(got - min(host, left)) < near
    files.update({"cpu.max": "max 100000", "memory.max": "max"})
    assert par.available_cpus() == 64
    assert host is None and par.available_memory() is None or abs(par.available_memory() - host) < near


def _cgroups(tmp_path, monkeypatch, lines, files):
    """A fake /proc/self/cgroup with ``lines`` and cgroup files under a fake root."""
    par = simulator.parallel
    (tmp_path / "cgroup").write_text("".join(f"{line}\n" for line in lines))
    for rel, text in files.items():
        (tmp_path / "fs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / rel).write_text(f"{text}\n")
    monkeypatch.setattr(par, "PROC_CGROUP", str(tmp_path / "cgroup"))
    monkeypatch.setattr(par, "CGROUP_ROOT", str(tmp_path / "fs"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    return par


V1 = ["9:name=systemd:/", "4:memory:/box", "3:cpu,cpuacct:/box", "0::/"]


@pytest.mark.parametrize("folder", ["box/", ""])  # its group's folder; a container's root
def test_a_cgroup_v1_limits_the_cpus_and_the_memory(tmp_path, monkeypatch, folder):
    par = _cgroups(tmp_path, monkeypatch, V1, {
        f"memory/{folder}memory.limit_in_bytes": 6 * 2**30,
        f"memory/{folder}memory.usage_in_bytes": 5 * 2**30,
        f"cpu/{folder}cpu.cfs_quota_us": 250000, f"cpu/{folder}cpu.cfs_period_us": 100000})
    assert par._memory_left() == 2**30 and par._cpu_quota() == 2.5
    assert par.available_cpus() == 3
    assert par.available_memory() <= 2**30


def test_an_unlimited_cgroup_v1_leaves_the_host_figures(tmp_path, monkeypatch):
    par = _cgroups(tmp_path, monkeypatch, V1, {
        "memory/box/memory.limit_in_bytes": 9223372036854771712,
        "memory/box/memory.usage_in_bytes": 5 * 2**30,
        "cpu/box/cpu.cfs_quota_us": -1, "cpu/box/cpu.cfs_period_us": 100000})
    assert par._cpu_quota() is None and par.available_cpus() == 64
    assert par._memory_left() > 2**62


def test_cgroup_v2_is_read_before_v1(tmp_path, monkeypatch):
    par = _cgroups(tmp_path, monkeypatch, ["4:memory:/box", "0::/two"], {
        "two/memory.max": 4 * 2**30, "two/memory.current": 2**30, "two/cpu.max": "max 100000",
        "memory/box/memory.limit_in_bytes": 2**30, "memory/box/memory.usage_in_bytes": 0})
    assert par._memory_left() == 3 * 2**30 and par._cpu_quota() is None


def test_no_cgroup_files_mean_no_limits(tmp_path, monkeypatch):
    par = _cgroups(tmp_path, monkeypatch, ["0::/"], {})
    assert par._memory_left() is None and par._cpu_quota() is None
    monkeypatch.setattr(par, "PROC_CGROUP", str(tmp_path / "missing"))
    assert par._memory_left() is None and par.available_cpus() == 64


#: /proc/self/cgroup in a Docker container on a hybrid host: cpuset and cpuacct come before
#: the combined cpu,cpuacct line, at other paths, and the paths end with a slash.
HYBRID = ["12:cpuset:/", "11:cpuacct:/other/", "10:memory:/docker/abc/", "9:cpu,cpuacct:/docker/abc/",
          "1:name=systemd:/docker/abc", "0::/docker/abc"]


def test_a_controller_is_found_by_its_name_not_a_prefix(tmp_path, monkeypatch):
    """``cpu`` is read in the cpu,cpuacct group, not cpuset's nor cpuacct's; the host's
    root says no limit, as a v1 host does (-1, and 9223372036854771712 bytes)."""
    par = _cgroups(tmp_path, monkeypatch, HYBRID, {
        "cpu/cpu.cfs_quota_us": -1, "cpu/cpu.cfs_period_us": 100000,
        "cpu/other/cpu.cfs_quota_us": 400000, "cpu/other/cpu.cfs_period_us": 100000,
        "cpu/docker/abc/cpu.cfs_quota_us": 150000, "cpu/docker/abc/cpu.cfs_period_us": 100000,
        "memory/memory.limit_in_bytes": 9223372036854771712,
        "memory/memory.usage_in_bytes": 7 * 2**30,
        "memory/docker/abc/memory.limit_in_bytes": 3 * 2**30,
        "memory/docker/abc/memory.usage_in_bytes": 2**30})
    assert par._cpu_quota() == 1.5 and par.available_cpus() == 2
    assert par._memory_left() == 2 * 2**30
