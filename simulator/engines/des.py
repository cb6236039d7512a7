"""The des engine: one SimPy process per activity, on the same Draws as the cpm engine.

A discrete-event simulation is where limited capacities, rollout waves and
priority policies can later live: things a forward pass cannot express. The
scenario format has none of them yet, so this engine must give the cpm dates
exactly; it applies the date rule vectorised (:func:`~simulator.engines.cpm.activity_dates`,
the twin of the compiled pass's rule) at the moment an activity's predecessors have reached
the events it waits for.

The processes draw no random numbers: durations, driver outcomes and gate dates
are sampled before the run, which keeps the event order deterministic.
"""

from __future__ import annotations

import numpy as np
import simpy

from ..scenario.network import Network
from .cpm import Schedule, Scratch, activity_dates, output_for
from .des_capacity import run_iteration


def schedule(net: Network, durations: np.ndarray, gate_times: np.ndarray,
             out: Schedule | None = None) -> Schedule:
    """Simulate each iteration as a SimPy event run.

    Parameters
    ----------
    net : Network
    durations : ndarray, shape (activities, n)
        Durations with risk drivers applied.
    gate_times : ndarray, shape (gates, n)
    out : Schedule, optional
        Arrays to write into, as for :func:`simulator.engines.cpm.schedule`.

    Returns
    -------
    Schedule
        Equal, bit for bit, to the cpm engine's for the same inputs.
    """
    if net.needs_capacity:
        out = output_for(durations, out, extra=True)
        for r in range(durations.shape[1]):
            run_iteration(net, durations[:, r], gate_times[:, r], out.start[:, r],
                          out.finish[:, r], out.ready[:, r], out.taken[:, r], out.driver[:, r])
        return out
    out = output_for(durations, out)
    for r in range(durations.shape[1]):
        cols = slice(r, r + 1)
        one = Schedule(out.start[:, cols], out.finish[:, cols], out.driver[:, cols],
                       durations[:, cols])
        _run(net, one, gate_times[:, cols])
    return out


def _run(net: Network, one: Schedule, gate_times: np.ndarray) -> None:
    env = simpy.Environment()
    started = [env.event() for _ in range(net.size)]
    finished = [env.event() for _ in range(net.size)]
    scratch = Scratch.for_width(1)
    for i in range(net.size):
        env.process(_activity(env, net, i, one, gate_times, started, finished, scratch))
    env.run()


def _activity(env, net, i, one, gate_times, started, finished, scratch):
    # FS and FF links wait for the predecessor to finish, SS and SF for it to start
    waits = [finished[p] if t in (0, 2) else started[p]
             for p, t in zip(net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]],
                             net.pred_type[net.pred_ptr[i]:net.pred_ptr[i + 1]])]
    if waits:
        yield env.all_of(waits)
    activity_dates(net, i, one.durations, gate_times, one, scratch)
    # A start constrained by a finish link (FF, SF) can lie before now: durations are
    # known before the run, so its dates are too. Never-funded work (inf) waits for nothing.
    yield from _until(env, one.start[i, 0])
    started[i].succeed()
    yield from _until(env, one.finish[i, 0])
    finished[i].succeed()


def _until(env, t: float):
    if np.isfinite(t) and t > env.now:
        yield env.timeout(t - env.now)
