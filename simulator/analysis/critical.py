"""Driving paths: which activities set a target's date, iteration by iteration."""

from __future__ import annotations

import numpy as np

from ..engines.cpm import NO_DRIVER, Schedule
from ..errors import suggest
from ..scenario.network import Network
from .pathcount import path_counts


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
    raise KeyError(f"`{target}` is not a milestone, phase or initiative{suggest(target, known)}")


def target_finish(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Finish time of ``target`` in every iteration."""
    return sched.finish[target_members(net, target)].max(axis=0)


def target_start(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Start time of ``target`` in every iteration."""
    return sched.start[target_members(net, target)].min(axis=0)


def _flat(rows: np.ndarray, n: int, cols: np.ndarray) -> np.ndarray:
    """Flat indices of ``(rows, cols)`` in an (activities x n) array, in 64 bits: drivers are
    int32, and activities x iterations can pass 2**31."""
    at = np.multiply(rows, n, dtype=np.int64)
    at += cols
    return at


def _latest(sched: Schedule, members: np.ndarray) -> np.ndarray:
    """The latest-finishing of ``members`` in every iteration (the first of them on a tie)."""
    return members[np.argmax(sched.finish[members], axis=0)]


def _walk(sched: Schedule, cur: np.ndarray, cols: np.ndarray):
    """Follow driving predecessors back from activity ``cur[p]`` in iteration ``cols[p]``, for
    every path ``p`` at once.

    Yields ``(cur, cols)`` at each step for the paths not yet ended. A path ends at an
    activity started by a date (no driver).
    """
    n = sched.finish.shape[1]
    drivers = sched.driver.reshape(-1)  # flat: a 1-d take is twice as fast as [rows, cols]
    for _ in range(sched.driver.shape[0]):
        yield cur, cols
        cur = drivers.take(_flat(cur, n, cols))
        keep = cur != NO_DRIVER
        if not keep.any():
            break
        cur, cols = cur[keep], cols[keep]


def _target_walk(net: Network, sched: Schedule, target: str):
    """:func:`_walk` along the driving path to ``target`` in every iteration."""
    n = sched.finish.shape[1]
    return _walk(sched, _latest(sched, target_members(net, target)), np.arange(n))


def driving_path(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Mark the activities on the driving path to ``target`` in each iteration.

    The path starts at the target's latest-finishing activity and follows each
    activity's driving predecessor back until an activity was started by a
    date (data date, not-before date or funding gate).

    Returns
    -------
    ndarray of bool, shape (activities, n)
    """
    on_path = np.zeros((net.size, sched.finish.shape[1]), dtype=bool)
    for cur, cols in _target_walk(net, sched, target):
        on_path[cur, cols] = True
    return on_path


def criticality(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Criticality index: the share of iterations in which each activity drives ``target``."""
    return criticality_counts(net, sched, target) / sched.finish.shape[1]


def criticality_counts(net: Network, sched: Schedule, target: str) -> np.ndarray:
    """Per activity, the iterations in which it drives ``target`` (int64)."""
    # a path visits an activity at most once per iteration, so the counts are those of
    # the (activities x n) mask of driving_path without building it
    members = np.asarray(target_members(net, target), np.int64)
    return path_counts(sched.driver, sched.finish, np.array([0, members.size], np.int64),
                       members, np.zeros(0, np.int64))


def initiative_criticality(net: Network, sched: Schedule) -> np.ndarray:
    """Criticality of each phase with respect to its own initiative's finish (NaN for milestones)."""
    return initiative_share(net, initiative_counts(net, sched), sched.finish.shape[1])


def initiative_share(net: Network, counts: np.ndarray, n: int) -> np.ndarray:
    """:func:`initiative_counts` as shares of ``n`` iterations, NaN for milestones."""
    out = np.full(net.size, np.nan)
    phases = np.zeros(net.size, dtype=bool)
    for members in net.initiative_members:
        phases[members] = True
    out[phases] = counts[phases] / n
    return out


def initiative_counts(net: Network, sched: Schedule) -> np.ndarray:
    """Per activity, the iterations in which it drives its own initiative's finish (int64).

    A path may leave its initiative and come back (a link through another initiative), so a
    visit counts only where the activity is one of the path's own initiative's.
    """
    owner = np.full(net.size, -1, np.int64)
    for j, members in enumerate(net.initiative_members):
        owner[members] = j
    sizes = [len(m) for m in net.initiative_members]
    ptr = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    members = np.concatenate([np.zeros(0, np.int64), *net.initiative_members]).astype(np.int64)
    return path_counts(sched.driver, sched.finish, ptr, members, owner)
