"""A run reduced as it goes: chunks are scheduled and reduced where they run, and only the
first chunk's arrays are kept.

The parent schedules the first chunk itself and keeps it whole (the risk ranking,
the cruciality and the per-initiative "why" use the first 8,192 iterations). The
other chunks go out in waves with the sketch's current bands (the first wave, while
the parent is at the first chunk, with none: those chunks set bands of their own,
see :meth:`~simulator.analysis.sketch.OrderSketch.merge`); each comes back as a
:class:`~simulator.analysis.tally.Part` of a few hundred kilobytes and is merged in
chunk order, so the tally, and every table read from it, is the same bytes for any
number of workers and equal to that of the run kept whole.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

import pandas as pd

from .analysis.extras import complete_extras, coverage_rows
from .analysis.tally import Tally, complete, layout, reduce_chunk, values
from .executors import Executor, make_executor
from .output import chunk_frame
from .parallel import BLOCK, can_fork, chunks, run_chunk, usable_workers
from .sampling.streams import CHUNK
from .scenario.network import Network

#: Chunks under way per worker: enough that none waits while the parent merges.
AHEAD = 2

#: (network, scenario, layout) of the run under way, inherited by forked workers, so
#: that a unit of work carries only its chunk and bands.
_JOB: tuple | None = None


def _job(job):
    return _JOB if job is None else job


def _part(args):
    job, seed, c, n, method, engine, bands, rows = args
    net, scenario, lay = _job(job)
    draws, sched = run_chunk(net, seed, c, n, method, engine)
    frame = chunk_frame(net, draws, sched, c * CHUNK) if rows else None
    return reduce_chunk(lay, net, scenario, sched, *bands), frame


def _rows(args):
    job, seed, c, n, method, engine, rows = args
    net, scenario, lay = _job(job)
    _, sched = run_chunk(net, seed, c, n, method, engine)
    return values(lay, net, scenario, sched)[rows]


def _coverage(args):
    job, seed, c, n, method, engine, rows = args
    net, _, lay = _job(job)
    _, sched = run_chunk(net, seed, c, n, method, engine)
    return coverage_rows(net, sched, lay.extras.times)[rows]


def stream_chunks(net: Network, scenario, seed: int, iterations: int, method: str, *,
                  engine: str = "cpm", workers: int = 1,
                  on_chunk: Callable[[int], None] | None = None,
                  executor: Executor | None = None, report: bool = False,
                  sink: Callable[[pd.DataFrame], None] | None = None,
                  compared: tuple[str, ...] = (), targets: tuple[str, ...] = ()):
    """Schedule a run chunk by chunk and reduce it as it goes.

    Parameters are those of :func:`simulator.parallel.run_chunks`, plus the
    ``scenario`` the network was compiled from (for its benefit rates),
    ``report``: reduce the report's extras too (:mod:`simulator.analysis.extras`),
    and ``sink``: given every chunk's :func:`simulator.output.chunk_frame`, in chunk
    order, where the chunk is merged (the rows are made where it was scheduled);
    ``compared`` and ``targets``: what a comparison needs of these elements, and a
    sensitivity to these targets (:func:`~.analysis.tally.layout`).

    Returns
    -------
    draws, schedule : Draws, Schedule
        The first chunk's.
    tally : Tally
    """
    global _JOB
    lay = layout(net, scenario, iterations, report=report, compared=compared, targets=targets)
    tally = Tally(lay)
    plan = chunks(iterations)
    rest = plan[1:]
    head = None

    def take_head():  # the first chunk, scheduled here and kept whole; its bands go out after it
        nonlocal head
        head = run_chunk(net, seed, 0, plan[0][1], method, engine, on_progress=on_chunk)
        tally.merge(reduce_chunk(lay, net, scenario, head[1], *tally.bands(), threads=threads))
        if sink is not None:
            sink(chunk_frame(net, *head, 0))
        tally.sketch.narrow()

    workers = usable_workers(workers, iterations)
    # the first chunk's rows are sorted on this machine's share of the run: its workers
    threads = workers if executor is None else 1
    forked = executor is None and workers > 1 and can_fork() and bool(rest)
    job = None if executor is None and (workers <= 1 or forked) else (net, scenario, lay)
    if executor is not None:
        job = executor.share(job)
    _JOB = (net, scenario, lay)
    try:
        if forked:
            _warm(net, scenario, lay, seed, method, engine)
        with (nullcontext(executor) if executor is not None else
              nullcontext(Executor()) if workers <= 1 else
              make_executor(workers, context="fork" if forked else None)) as pool:
            # with workers, the first of them start on their chunks while this process
            # schedules the first: cut with bands of their own (see OrderSketch.merge)
            together = pool.workers > 1 and bool(rest)
            if not together:
                take_head()

            def unit(i):  # the bands as they are when the chunk is sent out
                c, n = rest[i]
                return job, seed, c, n, method, engine, tally.bands(), sink is not None

            for part, frame in pool.imap(_part, unit, len(rest), AHEAD * max(1, pool.workers),
                                         meanwhile=take_head if together else None,
                                         first=pool.workers - 1):
                tally.merge(part)
                tally.sketch.narrow()
                if sink is not None:
                    sink(frame)
                if on_chunk is not None:
                    on_chunk(part.cut.seen)
            complete(tally, lambda rows: pool.map(_rows, [(job, seed, c, n, method, engine, rows)
                                                          for c, n in plan]))
            if tally.extras is not None:
                complete_extras(tally.extras, lambda rows: pool.map(
                    _coverage, [(job, seed, c, n, method, engine, rows) for c, n in plan]))
    finally:
        _JOB = None
    return head[0], head[1], tally


#: Iterations of the chunk :func:`_warm` schedules and reduces: more than one block of the
#: capacity engine (:data:`~simulator.parallel.BLOCK`), so that its arrays are views of the
#: same layout as a whole chunk's (a compiled function is loaded once per layout).
WARM = BLOCK + 1


def _warm(net: Network, scenario, lay, seed: int, method: str, engine: str) -> None:
    """Schedule and reduce a few iterations, the second time with bands, before workers
    are forked: the compiled code is then loaded from numba's cache once, in this
    process, and the workers inherit it instead of each loading it again (about half
    a second of CPU each on the default scenario)."""
    _, sched = run_chunk(net, seed, 0, min(WARM, lay.iterations), method, engine)
    tally = Tally(lay)
    tally.merge(reduce_chunk(lay, net, scenario, sched, *tally.bands()))
    reduce_chunk(lay, net, scenario, sched, *tally.bands())


__all__ = ["AHEAD", "stream_chunks"]
