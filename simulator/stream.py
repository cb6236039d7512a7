"""A run reduced as it goes: chunks are scheduled and reduced where they run, and only the
first chunk's arrays are kept.

The parent schedules the first chunk itself and keeps it whole (the risk ranking,
the cruciality and the per-initiative "why" use the first 8,192 iterations). The
other chunks go out in waves with the sketch's current bands; each comes back as a
:class:`~simulator.analysis.tally.Part` of a few hundred kilobytes and is merged in
chunk order, so the tally, and every table read from it, is the same bytes for any
number of workers and equal to that of the run kept whole.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Callable

from .analysis.tally import Tally, complete, layout, reduce_chunk, values
from .executors import Executor, make_executor
from .parallel import chunks, run_chunk, usable_workers
from .scenario.network import Network

#: Chunks sent out per worker between two narrowings of the bands.
WAVE = 4


def _part(args):
    net, scenario, lay, seed, c, n, method, engine, bands = args
    _, sched = run_chunk(net, seed, c, n, method, engine)
    return reduce_chunk(lay, net, scenario, sched, bands)


def _rows(args):
    net, scenario, lay, seed, c, n, method, engine, rows = args
    _, sched = run_chunk(net, seed, c, n, method, engine)
    return values(lay, net, scenario, sched)[rows]


def stream_chunks(net: Network, scenario, seed: int, iterations: int, method: str, *,
                  engine: str = "cpm", workers: int = 1,
                  on_chunk: Callable[[int], None] | None = None,
                  executor: Executor | None = None):
    """Schedule a run chunk by chunk and reduce it as it goes.

    Parameters are those of :func:`simulator.parallel.run_chunks`, plus the
    ``scenario`` the network was compiled from (for its benefit rates).

    Returns
    -------
    draws, schedule : Draws, Schedule
        The first chunk's.
    tally : Tally
    """
    lay = layout(net, scenario, iterations)
    tally = Tally(lay)
    plan = chunks(iterations)
    head = run_chunk(net, seed, 0, plan[0][1], method, engine)
    tally.merge(reduce_chunk(lay, net, scenario, head[1], None))
    tally.sketch.narrow()
    if on_chunk is not None:
        on_chunk(plan[0][1])
    rest = plan[1:]
    workers = usable_workers(workers, iterations)
    local = executor is None and workers <= 1
    with (nullcontext(Executor()) if local else make_executor(workers) if executor is None
          else nullcontext(executor)) as pool:
        step = 1 if local else WAVE * max(1, pool.workers)
        for lo in range(0, len(rest), step):
            bands = tally.sketch.bands()
            wave = [(net, scenario, lay, seed, c, n, method, engine, bands)
                    for c, n in rest[lo:lo + step]]
            for part in pool.map(_part, wave):
                tally.merge(part)
                if on_chunk is not None:
                    on_chunk(part.cut.seen)
            tally.sketch.narrow()
        complete(tally, lambda rows: pool.map(_rows, [(net, scenario, lay, seed, c, n, method,
                                                       engine, rows) for c, n in plan]))
    return head[0], head[1], tally


__all__ = ["WAVE", "stream_chunks"]
