"""Chunked sampling and scheduling, in one process or many, with the same bytes either way."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator

from .engines import cpm
from .sampling.draws import Draws, sample_chunk
from .sampling.streams import CHUNK
from .scenario.network import Network


def chunks(iterations: int) -> list[tuple[int, int]]:
    """``(chunk number, size)`` pairs covering the iterations; fixed by the count alone."""
    return [(c, min(CHUNK, iterations - c * CHUNK)) for c in range(-(-iterations // CHUNK))]


def run_chunk(net: Network, seed: int, chunk: int, n: int, method: str) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule one chunk."""
    draws = sample_chunk(net, seed, chunk, n, method)
    return draws, cpm.schedule(net, draws.durations(net), draws.gate_times)


def _run_chunk_args(args) -> tuple[Draws, cpm.Schedule]:
    return run_chunk(*args)


def run_chunks(net: Network, seed: int, iterations: int, method: str, *, workers: int = 1,
               on_chunk: Callable[[int], None] | None = None) -> tuple[Draws, cpm.Schedule]:
    """Sample and schedule every chunk, then join them in chunk order.

    Parameters
    ----------
    net : Network
    seed : int
        Root seed; every chunk derives its own streams from it.
    iterations : int
    method : {"mc", "lhs"}
    workers : int
        Processes to use. The result does not depend on it: chunk ``c``
        always draws from the same streams, and chunks are joined in order.
    on_chunk : callable, optional
        Called with the number of iterations finished, after each chunk.
    """
    plan = chunks(iterations)
    parts: list[tuple[Draws, cpm.Schedule]] = []
    for part, size in _execute(net, seed, plan, method, workers):
        parts.append(part)
        if on_chunk is not None:
            on_chunk(size)
    draws = Draws.concat([d for d, _ in parts]) if len(parts) > 1 else parts[0][0]
    sched = cpm.Schedule.concat([s for _, s in parts]) if len(parts) > 1 else parts[0][1]
    return draws, sched


def _execute(net, seed, plan, method, workers) -> Iterator[tuple[tuple[Draws, cpm.Schedule], int]]:
    if workers <= 1 or len(plan) == 1:
        for c, n in plan:
            yield run_chunk(net, seed, c, n, method), n
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # map keeps chunk order whatever order the workers finish in
        for (c, n), part in zip(plan, pool.map(_run_chunk_args,
                                               [(net, seed, c, n, method) for c, n in plan])):
            yield part, n


def available_workers() -> int:
    """Cores this process may use."""
    import os
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


__all__ = ["chunks", "run_chunk", "run_chunks", "available_workers"]
