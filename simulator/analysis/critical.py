"""Driving paths: which activities set a target's date, iteration by iteration."""

from __future__ import annotations

import numpy as np

from ..engines.cpm import NO_DRIVER, Schedule
from ..errors import suggest
from ..scenario.network import Network


def target_members(net: Network, target: str) -> np.ndarray:
    """Activity indices whose latest finish is the target's finish.

    A milestone or phase is its own target; an initiative finishes with the
    latest of its phases.
    """
    if target in net.initiative_ids:
        return net.initiative_members[net.initiative_ids.index(target)]
    if target in net.ids:
        return np.array([net.index(target)])
    known = [*net.ids, *net.initiative_ids]
    raise KeyError(f"`{target}` is not an activity or initiative{suggest(target, known)}")


def target_finish(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Finish time of ``target`` in every iteration."""
    return sched.finish[target_members(net, target)].max(axis=0)


def target_start(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Start time of ``target`` in every iteration."""
    return sched.start[target_members(net, target)].min(axis=0)


def driving_path(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Mark the activities on the driving path to ``target`` in each iteration.

    The path starts at the target's latest-finishing activity and follows each
    activity's driving predecessor back until an activity was started by a
    date (data date, not-before date or funding gate).

    Returns
    -------
    ndarray of bool, shape (activities, n)
    """
    members = target_members(net, target)
    n = sched.finish.shape[1]
    on_path = np.zeros((net.size, n), dtype=bool)
    cols = np.arange(n)
    cur = members[np.argmax(sched.finish[members], axis=0)]
    for _ in range(net.size):
        on_path[cur, cols] = True
        cur = sched.driver[cur, cols]
        keep = cur != NO_DRIVER
        if not keep.any():
            break
        cur, cols = cur[keep], cols[keep]
    return on_path


def criticality(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Criticality index: the share of iterations in which each activity drives ``target``."""
    return driving_path(net, sched, target).mean(axis=1)


def initiative_criticality(net: Network, sched: Schedule) -> np.ndarray:
    """Criticality of each phase with respect to its own initiative's finish (NaN for milestones)."""
    out = np.full(net.size, np.nan)
    for ini, members in zip(net.initiative_ids, net.initiative_members):
        out[members] = driving_path(net, sched, ini)[members].mean(axis=1)
    return out
