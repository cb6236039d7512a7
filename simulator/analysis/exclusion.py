"""A run's own draws rescheduled with one risk switched off at a time: the exclusion ranking's
work, in this process or spread over forked worker processes with the same bytes.

Each driver (a scoped risk's draws together) and each funding gate is one unit of work: the
iterations it can have changed are rescheduled with it removed, and the target finishes give
P50, P80 and P(by deadline). Units are independent and each is computed by the same code
wherever it runs, so the outcome does not depend on the number of workers. Workers are forked
so that they find the run's arrays in the memory they inherit instead of being sent them.
"""

from __future__ import annotations

import numpy as np

from ..engines import capacity, cpm
from ..executors import fork_map, shared
from ..sampling.draws import Draws
from ..sampling.streams import CHUNK
from . import critical, stats
from .result import Result


def excluded_outlooks(result: Result, targets: list[str], workers: int = 1
                      ) -> tuple[np.ndarray, np.ndarray]:
    """P50, P80 and P(by deadline) of each target with each driver, then each gate, switched
    off alone.

    The same draws are rescheduled (common random numbers), chunk by chunk so
    that only one chunk's schedule is held at a time; one rescheduling serves
    every target. A driver that never fired leaves the schedule as it is, so
    its row is the baseline exactly.

    Parameters
    ----------
    result : Result
    targets : list of str
    workers : int
        Processes to spread the risks over (forked, where the platform can);
        the result does not depend on it.

    Returns
    -------
    before : ndarray, shape (targets, 3)
        As simulated.
    after : ndarray, shape (targets, drivers + gates, 3)
    """
    net, sched = result.network, result.whole("the exclusion ranking").schedule
    members = [critical.target_members(net, t) for t in targets]
    base = np.array([critical.target_finish(net, sched, t) for t in targets])
    before = stats.outlook(base, net.deadline_time)
    out = np.empty((len(targets), len(net.risk_groups()) + len(net.gates), 3))
    out[:] = before[:, None, :]
    # the largest first, so that the processes finish together; each row lands in its place
    tasks = sorted(_tasks(result), key=lambda task: -task[3].size)
    rows = fork_map(_redo, tasks, workers, (result, members, base))
    for (row, *_), outlook in zip(tasks, rows):
        out[:, row] = outlook
    return before, out


def _tasks(result: Result) -> list[tuple[int, str, int, np.ndarray]]:
    """``(row, "risk" or "gate", index, iterations it can have changed)`` per unit of work."""
    net, draws, sched = result.network, result.draws, result.schedule
    groups = net.risk_groups()
    tasks = []
    for k, (_, ks) in enumerate(groups):
        # only iterations where it fired can change; a scoped risk's draws go off together
        fired = np.flatnonzero(draws.fired[ks].any(axis=0))
        if fired.size:
            tasks.append((k, "risk", k, fired))
    for g, gate in enumerate(net.gates):
        # A gate can move a target only where a date, not a link, set that target's start
        # (ties go to links), and the gate was later than the target's not-before date.
        # Elsewhere the targets' dates by logic, and so everything after, are the same
        # without it, with capacity too: the gate's date enters nothing else.
        set_by_date = sched.driver[gate.targets] == cpm.NO_DRIVER
        if net.needs_capacity:
            # a task that waited for units has the task that freed them as its driver, not
            # the one its logic had: count it as possibly held by the gate
            set_by_date = set_by_date | (True if sched.taken is None else
                                         sched.taken[gate.targets] != sched.ready[gate.targets])
        held = (set_by_date & (draws.gate_times[g] > net.not_before[gate.targets, None])).any(axis=0)
        bound = np.flatnonzero(held)
        if bound.size:
            tasks.append((len(groups) + g, "gate", g, bound))
    return tasks


def _redo(task: tuple[int, str, int, np.ndarray]) -> np.ndarray:
    """The targets' outlook, shape (targets, 3), with one risk or gate removed."""
    _, kind, k, cols = task
    result, members, base = shared()  # (result, members of each target, finishes as simulated)
    net, draws, sched = result.network, result.draws, result.schedule
    if kind == "risk":
        ks = net.risk_groups()[k][1]
        off = set(ks)

        def durations(c):
            return Draws(draws.base[:, c], draws.fired[:, c], draws.factor[:, c],
                         draws.gate_times[:, c]).durations(net, off=off)

        def gates(c):
            return draws.gate_times[:, c]
        # only activities downstream of its targets can move
        rows = np.concatenate([net.drivers[j].targets for j in ks])
    else:
        def durations(c):
            return sched.durations[:, c]

        def gates(c):
            times = draws.gate_times[:, c]
            times[k] = 0.0  # the data date: no activity starts earlier anyway
            return times
        rows = net.gates[k].targets
    mask = np.zeros(net.size, dtype=bool)
    mask[rows] = True
    finish = base.copy()
    every = np.concatenate(members)
    at = np.cumsum([0] + [mem.size for mem in members])  # each target's rows in ``every``
    for part in (cols[lo:lo + CHUNK] for lo in range(0, cols.size, CHUNK)):
        d = durations(part)
        if net.needs_capacity:  # capacity couples every task: redo the iterations whole
            f = capacity.schedule(net, d, gates(part)).finish[every]
        else:
            f = cpm.rescheduled_finish(net, sched, part, d, gates(part), mask, every)
        for j in range(len(members)):
            finish[j, part] = f[at[j]:at[j + 1]].max(axis=0)
    return stats.outlook(finish, net.deadline_time)
