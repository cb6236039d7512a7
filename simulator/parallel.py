"""Chunked sampling and scheduling, in one process or many, with the same bytes either way."""

from __future__ import annotations

import dataclasses
import math
import mmap
import multiprocessing
import os
import sys
import threading
from contextlib import nullcontext
from typing import Callable

import numpy as np

from . import cgroups
from .engines import capacity, cpm, des
from .executors import Executor, make_executor
from .sampling.draws import Draws, sample_chunk
from .sampling.streams import CHUNK
from .scenario.network import Network


def chunks(iterations: int) -> list[tuple[int, int]]:
    """``(chunk number, size)`` pairs covering the iterations; fixed by the count alone."""
    return [(c, min(CHUNK, iterations - c * CHUNK)) for c in range(-(-iterations // CHUNK))]


def usable_workers(requested: int, iterations: int) -> int:
    """The processes that can help: no more than the chunks of work, nor the CPUs this process may use.

    A pool larger than that only costs memory (each worker holds a copy of the network).
    """
    return max(1, min(requested, -(-iterations // CHUNK), available_cpus()))


def available_cpus() -> int:
    """The CPUs this process may run on: its affinity mask where the platform has one, and
    no more than its cgroup's CPU quota, as in a container."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    quota = cgroups.cpu_quota()
    return cpus if quota is None else min(cpus, max(1, math.ceil(quota)))


#: A process's resident memory before its chunk: the interpreter, numpy, numba, the network.
BASE_BYTES = 400 * 2**20
#: Bytes a process holds per activity and iteration of a chunk it schedules and reduces: the
#: draws, the dates, the chunk's table of values and their temporaries (about ten float64
#: arrays; measured peaks: 3.1 GB for 5,001 activities, under 0.5 GB for 257).
CELL_BYTES = 80


def available_memory() -> int | None:
    """Bytes of memory available now: Linux's MemAvailable, and no more than is left under
    this process's cgroup limit (version 2, else 1), as in a container; None where unknown."""
    free = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    free = int(line.split()[1]) * 1024
    except OSError:
        pass
    left = cgroups.memory_left()
    if left is not None:
        free = left if free is None else min(free, left)
    return free


def auto_workers(net: Network, iterations: int | None = None) -> int:
    """The processes to use when none were asked for: every CPU this process may use, no
    more than the run's chunks (unless ``iterations`` is None: the ranking's risks), and no
    more than fit in the memory available now with this process, at :data:`BASE_BYTES`
    plus :data:`CELL_BYTES` per activity and iteration of a chunk each."""
    cpus = available_cpus() if iterations is None else usable_workers(available_cpus(), iterations)
    free = available_memory()
    if free is None:
        return cpus
    each = BASE_BYTES + CELL_BYTES * net.size * CHUNK
    return max(1, min(cpus, free // each - 1))


#: The most a comparison's run may hold kept whole (:func:`fits_whole`).
WHOLE_BYTES = 2 * 2**30


def fits_whole(net: Network, iterations: int) -> bool:
    """Whether a run of ``iterations`` is small enough to keep whole: at :data:`CELL_BYTES`
    per activity and iteration, no more than :data:`WHOLE_BYTES` and a quarter of the
    memory available now. A short run kept whole is quicker than one reduced as it goes
    (no bands to cut); a long one is streamed so that its memory stays flat."""
    need = CELL_BYTES * net.size * iterations
    free = available_memory()
    return need <= WHOLE_BYTES and (free is None or need <= free // 4)


def capped(requested: int, iterations: int) -> tuple[int, str] | None:
    """The workers a run of ``iterations`` can use and why, when fewer than ``requested``.

    One sentence for the API's warning and the command line's message.

    Returns
    -------
    (int, str) or None
        The usable count (:func:`usable_workers`) and the reason, e.g. ``"500
        iterations make 1 chunk of up to 8,192, and 4 CPUs are available"``; None
        when the request is not capped.
    """
    used = usable_workers(requested, iterations)
    if used >= requested:
        return None
    chunks, cpus = -(-iterations // CHUNK), available_cpus()
    return used, (f"{iterations:,} iterations make {chunks} chunk{'s' if chunks != 1 else ''} of "
                  f"up to {CHUNK:,}, and {cpus} CPU{'s are' if cpus != 1 else ' is'} available")


#: The engines, by the name the CLI and the API use.
ENGINES = {"cpm": cpm.schedule, "capacity": capacity.schedule, "des": des.schedule}


def pick_engine(net: Network, engine: str | None) -> str:
    """The engine to run: ``engine`` if it can schedule ``net``, the fastest one if None.

    Raises
    ------
    ValueError
        ``cpm`` was asked for a network whose phases hold resources.
    """
    if engine is None:
        return "capacity" if net.needs_capacity else "cpm"
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {tuple(ENGINES)}, got {engine!r}")
    if engine == "cpm" and net.needs_capacity:
        raise ValueError("the cpm engine has no capacity: this scenario's phases hold resources; "
                         "use engine 'capacity' (the default) or 'des'")
    return engine

#: The capacity and des engines schedule a chunk this many iterations at a time, reporting
#: progress after each block: they are slow enough to need it.
BLOCK = 256


def run_chunk(net: Network, seed: int, chunk: int, n: int, method: str, engine: str = "cpm",
              out: tuple[Draws, cpm.Schedule] | None = None,
              on_progress: Callable[[int], None] | None = None) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule one chunk, into ``out`` (views of the whole run's arrays) if given."""
    draws = sample_chunk(net, seed, chunk, n, method)
    if out is None:
        out = (draws, cpm.Schedule.empty(net.size, n, extra=engine != "cpm" and net.needs_capacity))
    else:
        out[0].fill(draws)
    sched = out[1]
    draws.durations(net, out=sched.durations)
    step = n if engine == "cpm" else BLOCK
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        cols = sched.columns(lo, hi)
        ENGINES[engine](net, cols.durations, draws.gate_times[:, lo:hi], out=cols)
        if on_progress is not None:
            on_progress(hi - lo)
    return out


def run_range(net: Network, seed: int, lo: int, hi: int, engine: str = "cpm"
              ) -> tuple[Draws, cpm.Schedule]:
    """Sample (plain Monte Carlo) and schedule iterations ``lo`` to ``hi`` of a run.

    The range lies within one stream chunk. Its draws are those of the same
    iterations of a whole run: a chunk's first values do not depend on how many
    are drawn, so any cutting of a run into ranges gives the same bytes.
    """
    c = lo // CHUNK
    if not 0 <= lo < hi <= (c + 1) * CHUNK:
        raise ValueError(f"iterations {lo}:{hi} do not lie within one chunk of {CHUNK}")
    draws = sample_chunk(net, seed, c, hi - c * CHUNK, "mc").columns(lo - c * CHUNK, hi - c * CHUNK)
    sched = cpm.Schedule.empty(net.size, hi - lo, extra=engine != "cpm" and net.needs_capacity)
    draws.durations(net, out=sched.durations)
    ENGINES[engine](net, sched.durations, np.ascontiguousarray(draws.gate_times), out=sched)
    return draws, sched


def _run_chunk_args(args) -> tuple[Draws, cpm.Schedule]:
    return run_chunk(*args)


#: The whole run's arrays, in memory shared with the worker processes forked while a run
#: is under way; workers write their chunk's columns there and send back only its size.
_SHARED: tuple[Draws, cpm.Schedule] | None = None


def _run_chunk_shared(args) -> int:
    net, seed, c, n, method, engine = args
    draws, sched = _SHARED
    lo = c * CHUNK
    run_chunk(net, seed, c, n, method, engine,
              out=(draws.columns(lo, lo + n), sched.columns(lo, lo + n)))
    return n


def can_fork() -> bool:
    """Whether workers can be forked: they then inherit memory shared with this process.

    Not where the platform has no ``fork``, nor (from Python 3.12, which warns that a
    fork may then deadlock) while this process runs other threads.
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return sys.version_info < (3, 12) or threading.active_count() == 1


def _shared(draws: Draws, sched: cpm.Schedule) -> tuple[Draws, cpm.Schedule]:
    """Arrays shaped as these, in one block of anonymous memory shared with forked children.

    The block is unnamed (``mmap`` of no file), so nothing is left behind, in
    ``/dev/shm`` or elsewhere, whatever ends the run; it is freed with the last array
    that views it.
    """
    fields = [getattr(draws, f.name) for f in dataclasses.fields(draws)]
    fields += [getattr(sched, f.name) for f in dataclasses.fields(sched)]
    sizes = [0 if a is None else -(-a.nbytes // 64) * 64 for a in fields]  # 64-byte aligned
    block = mmap.mmap(-1, max(sum(sizes), 1))
    views, offset = [], 0
    for a, size in zip(fields, sizes):
        views.append(None if a is None else
                     np.frombuffer(block, dtype=a.dtype, count=a.size, offset=offset).reshape(a.shape))
        offset += size
    k = len(dataclasses.fields(draws))
    return Draws(*views[:k]), cpm.Schedule(*views[k:])


def run_chunks(net: Network, seed: int, iterations: int, method: str, *, engine: str = "cpm",
               workers: int = 1, on_chunk: Callable[[int], None] | None = None,
               executor: Executor | None = None) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule every chunk into arrays for the whole run.

    Parameters
    ----------
    net : Network
    seed : int
        Root seed; every chunk derives its own streams from it.
    iterations : int
    method : {"mc", "lhs"}
    workers : int
        Processes to use, capped by :func:`usable_workers`. The result does
        not depend on it: chunk ``c`` always draws from the same streams and
        lands in the same columns.
    engine : {"cpm", "des"}
    on_chunk : callable, optional
        Called with the number of iterations finished, as they finish.
    executor : Executor, optional
        Where the chunks run (see :mod:`simulator.executors`); default a pool
        of ``workers`` processes. The result does not depend on it either.
    """
    draws = Draws.empty(net, iterations)
    sched = cpm.Schedule.empty(net.size, iterations,
                               extra=engine != "cpm" and net.needs_capacity)
    plan = chunks(iterations)
    workers = usable_workers(workers, iterations)
    if executor is None and (workers <= 1 or len(plan) == 1):
        for c, n in plan:
            lo = c * CHUNK
            run_chunk(net, seed, c, n, method, engine,
                      out=(draws.columns(lo, lo + n), sched.columns(lo, lo + n)),
                      on_progress=on_chunk)
        return draws, sched
    if executor is None and can_fork():
        return _run_shared(net, seed, plan, method, engine, workers, on_chunk, draws, sched)
    with make_executor(workers) if executor is None else nullcontext(executor) as pool:
        # map yields in chunk order whatever order the workers finish in
        parts = pool.map(_run_chunk_args, [(net, seed, c, n, method, engine) for c, n in plan])
        for (c, n), (part_draws, part_sched) in zip(plan, parts):
            lo = c * CHUNK
            draws.columns(lo, lo + n).fill(part_draws)
            sched.columns(lo, lo + n).fill(part_sched)
            if on_chunk is not None:
                on_chunk(n)
    return draws, sched


def _run_shared(net: Network, seed: int, plan: list[tuple[int, int]], method: str, engine: str,
                workers: int, on_chunk: Callable[[int], None] | None, draws: Draws,
                sched: cpm.Schedule) -> tuple[Draws, cpm.Schedule]:
    """Run the chunks on forked workers that write into shared memory: nothing is copied back.

    Copying each chunk's arrays back to this process (pickled, then filled into the
    whole run's arrays) took most of the time of a run on two workers.
    """
    global _SHARED
    draws, sched = _shared(draws, sched)
    _SHARED = (draws, sched)
    try:
        with make_executor(workers, context="fork") as pool:
            for n in pool.map(_run_chunk_shared, [(net, seed, c, n, method, engine)
                                                  for c, n in plan]):
                if on_chunk is not None:
                    on_chunk(n)
    finally:
        _SHARED = None
    return draws, sched


__all__ = ["capped", "can_fork", "chunks", "pick_engine", "run_chunk", "run_chunks", "run_range",
           "usable_workers", "available_cpus"]
