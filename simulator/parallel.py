"""Chunked sampling and scheduling, in one process or many, with the same bytes either way."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from .engines import cpm
from .sampling.draws import Draws, sample_chunk
from .sampling.streams import CHUNK
from .scenario.network import Network


def chunks(iterations: int) -> list[tuple[int, int]]:
    """``(chunk number, size)`` pairs covering the iterations; fixed by the count alone."""
    return [(c, min(CHUNK, iterations - c * CHUNK)) for c in range(-(-iterations // CHUNK))]


def run_chunk(net: Network, seed: int, chunk: int, n: int, method: str,
              out: tuple[Draws, cpm.Schedule] | None = None) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule one chunk, into ``out`` (views of the whole run's arrays) if given."""
    draws = sample_chunk(net, seed, chunk, n, method)
    if out is None:
        return draws, cpm.schedule(net, draws.durations(net), draws.gate_times)
    out_draws, out_sched = out
    out_draws.fill(draws)
    durations = draws.durations(net, out=out_sched.durations)
    cpm.schedule(net, durations, draws.gate_times, out=out_sched)
    return out


def _run_chunk_args(args) -> tuple[Draws, cpm.Schedule]:
    return run_chunk(*args)


def run_chunks(net: Network, seed: int, iterations: int, method: str, *, workers: int = 1,
               on_chunk: Callable[[int], None] | None = None) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule every chunk into arrays for the whole run.

    Parameters
    ----------
    net : Network
    seed : int
        Root seed; every chunk derives its own streams from it.
    iterations : int
    method : {"mc", "lhs"}
    workers : int
        Processes to use. The result does not depend on it: chunk ``c``
        always draws from the same streams and lands in the same columns.
    on_chunk : callable, optional
        Called with the number of iterations finished, after each chunk.
    """
    draws = Draws.empty(net, iterations)
    sched = cpm.Schedule.empty(net.size, iterations)
    plan = chunks(iterations)
    if workers <= 1 or len(plan) == 1:
        for c, n in plan:
            lo = c * CHUNK
            run_chunk(net, seed, c, n, method, out=(draws.columns(lo, lo + n),
                                                    sched.columns(lo, lo + n)))
            if on_chunk is not None:
                on_chunk(n)
        return draws, sched
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map yields in chunk order whatever order the workers finish in
        parts = pool.map(_run_chunk_args, [(net, seed, c, n, method) for c, n in plan])
        for (c, n), (part_draws, part_sched) in zip(plan, parts):
            lo = c * CHUNK
            draws.columns(lo, lo + n).fill(part_draws)
            sched.columns(lo, lo + n).fill(part_sched)
            if on_chunk is not None:
                on_chunk(n)
    return draws, sched


__all__ = ["chunks", "run_chunk", "run_chunks"]
