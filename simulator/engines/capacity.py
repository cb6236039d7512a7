"""The capacity engine: a non-preemptive priority list schedule, compiled with numba.

The rule (docs/design.md, "Capacity"), per iteration: an activity's dates are
decided once its predecessors' are. A task that holds no resource gets the cpm
dates. A task that holds resources becomes *ready* at its cpm start and then
waits: at each event time ``t`` (a ready time, a finish that frees units, a
capacity step), the ready tasks are taken in priority order and each starts
at ``t`` if every resource it claims has the units free; otherwise it waits.
Starts at ``t`` can make more tasks ready or free units at ``t`` (zero
durations), so the round repeats at ``t`` until nothing changes. A task that
starts later than its ready time has its dates moved (working time on its
calendar), and its driver is the task whose finish freed the units (the lowest
index on ties), or none when a capacity step did.

The SimPy engine (:mod:`.des`) implements the same rule with processes and is
the readable reference; the two agree to the bit.
"""

from __future__ import annotations

import numpy as np

from ..scenario.network import Network
from .kernel import run_all
from .cpm import Schedule, output_for
from .flat import static_arrays


def schedule(net: Network, durations: np.ndarray, gate_times: np.ndarray,
             out: Schedule | None = None) -> Schedule:
    """Schedule every iteration with limited resources (see the module docstring).

    Parameters
    ----------
    net : Network
    durations : ndarray, shape (activities, n)
    gate_times : ndarray, shape (gates, n)
    out : Schedule, optional
        Arrays to write into; ``out.ready`` and ``out.taken`` are filled when present.

    Returns
    -------
    Schedule
        With ``ready`` (cpm start) and ``taken`` (when resources were taken), unless
        ``out`` was made without them.
    """
    out = output_for(durations, out, extra=True)
    st, cap = static_arrays(net)
    # a Schedule made without them (a network without capacity) gets them as scratch only
    scratch = [np.empty_like(out.start) if a is None else a for a in (out.ready, out.taken)]
    run_all(st, cap, durations, gate_times, out.start, out.finish, *scratch, out.driver)
    return out
