"""Chunked sampling and scheduling, in one process or many, with the same bytes either way."""

from __future__ import annotations

import os
from contextlib import nullcontext
from typing import Callable

import numpy as np

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
    """The CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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

#: The des engine reports progress this many iterations at a time: it is slow enough to need it.
_DES_BLOCK = 256


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
    step = n if engine == "cpm" else _DES_BLOCK
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


__all__ = ["chunks", "pick_engine", "run_chunk", "run_chunks", "run_range", "usable_workers",
           "available_cpus"]
