"""The cpm engine: the forward pass, compiled (:func:`.kernel.forward`), and its date rule
vectorised over the iterations (:func:`activity_dates`), which the SimPy engine applies."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..scenario.network import Network
from ..scenario.rollouts import SUMMARY, TASK
from .calendar import Calendar
from .flat import node_arrays, rule_arrays
from .kernel import forward

#: ``driver`` value of an activity started by the data date, a not-before date or a gate.
NO_DRIVER = -1


@dataclass(frozen=True, eq=False)
class Schedule:
    """Start and finish times per activity (rows) and iteration (columns).

    ``driver[i, r]`` is the predecessor whose link set activity ``i``'s start
    in iteration ``r``, or :data:`NO_DRIVER`. ``inf`` marks activities that
    cannot start or finish within the horizon (a funding gate that never granted,
    work that a blackout never lets progress, or that simply ends later).
    """

    start: np.ndarray
    finish: np.ndarray
    driver: np.ndarray
    durations: np.ndarray
    #: capacity engines only: the cpm start (when logic allows it) and when units were taken
    ready: np.ndarray | None = None
    taken: np.ndarray | None = None

    @staticmethod
    def empty(m: int, n: int, durations: np.ndarray | None = None, *,
              extra: bool = False) -> "Schedule":
        """Uninitialised dates for ``m`` activities and ``n`` iterations (and durations,
        unless given); with ``extra``, the capacity engines' ``ready`` and ``taken`` too."""
        more = (np.empty((m, n)), np.empty((m, n))) if extra else (None, None)
        return Schedule(np.empty((m, n)), np.empty((m, n)), np.empty((m, n), dtype=np.int32),
                        np.empty((m, n)) if durations is None else durations, *more)

    def columns(self, lo: int, hi: int) -> "Schedule":
        """A view of iterations ``lo:hi``."""
        cut = lambda a: None if a is None else a[:, lo:hi]  # noqa: E731
        return Schedule(cut(self.start), cut(self.finish), cut(self.driver),
                        cut(self.durations), cut(self.ready), cut(self.taken))

    def fill(self, other: "Schedule") -> None:
        """Copy ``other`` into this (a view of) the same shape."""
        for name in ("start", "finish", "driver", "durations", "ready", "taken"):
            if getattr(self, name) is not None:
                getattr(self, name)[...] = getattr(other, name)


@lru_cache(maxsize=32)
def _prepared(net: Network) -> tuple[list[np.ndarray], list[Calendar | None], np.ndarray]:
    """Per activity: its gates, its calendar, and whether it has a finish link (FF, SF),
    as the compiled rule reads them (:func:`.flat.rule_arrays`)."""
    gate_ptr, gate_idx, finish_link = (rule_arrays(net)[k] for k in (5, 6, 8))
    gates_of = [gate_idx[gate_ptr[i]:gate_ptr[i + 1]] for i in range(net.size)]
    calendars = [Calendar.from_windows(w) for w in net.calendars]
    return gates_of, [calendars[c] if c >= 0 else None for c in net.calendar_of], finish_link


def output_for(durations: np.ndarray, out: Schedule | None, *, extra: bool = False) -> Schedule:
    """``out`` holding ``durations``, or a new Schedule for them (with ``ready`` and
    ``taken`` when ``extra``)."""
    if out is None:
        return Schedule.empty(*durations.shape, durations=durations, extra=extra)
    if out.durations is not durations:
        out.durations[...] = durations
    return out


def calendar_of(net: Network, i: int) -> Calendar | None:
    """The blackout calendar of activity ``i``, or None."""
    return _prepared(net)[1][i]


def schedule(net: Network, durations: np.ndarray, gate_times: np.ndarray,
             out: Schedule | None = None) -> Schedule:
    """Forward pass: earliest start and finish of every activity in every iteration.

    Parameters
    ----------
    net : Network
    durations : ndarray, shape (activities, n)
        Durations with risk drivers already applied (``Draws.durations``).
    gate_times : ndarray, shape (gates, n)
        Time each funding gate grants (``inf`` for never).
    out : Schedule, optional
        Arrays to write into (rows need only be contiguous, so column
        slices of larger arrays work); ``out.durations`` must be ``durations``
        or is filled from it.

    Returns
    -------
    Schedule

    Notes
    -----
    A link constrains the start (FS: pred finish + lag, SS: pred start + lag)
    or the finish (FF: pred finish + lag, SF: pred start + lag); a finish
    constraint becomes the latest start that still meets it, since phases
    here have fixed work content. The start is the maximum over the data date,
    ``not_before``, funding gates and links, then moved past any blackout
    window it falls in; the finish is the start plus the duration in working
    time. On ties the link wins over the date, so criticality follows links.
    """
    out = output_for(durations, out)
    _forward(net, net.order, durations, gate_times, out)
    return out


def rescheduled_finish(net: Network, base: Schedule, cols: np.ndarray, durations: np.ndarray,
                       gate_times: np.ndarray, changed: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The finish of activities ``rows`` in iterations ``cols`` of ``base``, rescheduled with
    new inputs that differ only for the ``changed`` activities.

    Parameters
    ----------
    net : Network
    base : Schedule
        The schedule as simulated.
    cols : ndarray of int
        Its iterations to reschedule.
    durations, gate_times : ndarray
        As for :func:`schedule`, for iterations ``cols``; they may differ from ``base``'s
        inputs only for the ``changed`` activities.
    changed : ndarray of bool, shape (activities,)
    rows : ndarray of int

    Returns
    -------
    ndarray, shape (rows, cols)
        Equal to ``schedule(net, durations, gate_times).finish[rows]``: the changed activities
        and everything downstream of them are recomputed; of the rest only the rows that
        the recomputed ones read, and ``rows``, are copied from ``base``.
    """
    dirty = changed.copy()
    for i in net.order:
        if not dirty[i]:
            dirty[i] = dirty[net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]].any()
    read = net.pred_idx[dirty[np.repeat(np.arange(net.size), np.diff(net.pred_ptr))]]
    copied = np.unique(np.concatenate([read, rows]))
    copied = copied[~dirty[copied]]
    # rows neither copied nor recomputed are never written, so their pages are never touched
    out = Schedule.empty(net.size, len(cols), durations)
    where = np.ix_(copied, cols)
    out.start[copied], out.finish[copied] = base.start[where], base.finish[where]
    _forward(net, net.order[dirty[net.order]], durations, gate_times, out)
    return out.finish[rows]


def _forward(net: Network, order: np.ndarray, durations: np.ndarray, gate_times: np.ndarray,
             out: Schedule) -> None:
    """Compute the rows ``order`` (topologically sorted) of ``out`` in place: the compiled
    twin of :func:`activity_dates` in a loop."""
    longest = int(np.diff(net.pred_ptr).max(initial=0))
    forward(rule_arrays(net), node_arrays(net), order.astype(np.int64, copy=False), durations,
            gate_times, out.start, out.finish, out.driver, np.empty(longest),
            np.empty(longest, np.int64))


@dataclass(frozen=True, eq=False)
class Scratch:
    """Buffers one activity's date rule reuses, so the hot loop allocates nothing."""

    constraint: np.ndarray
    mask: np.ndarray
    finish_by: np.ndarray

    @classmethod
    def for_width(cls, n: int) -> "Scratch":
        """Buffers for ``n`` iterations."""
        return cls(np.empty(n), np.empty(n, dtype=bool), np.empty(n))


def activity_dates(net: Network, i: int, durations: np.ndarray, gate_times: np.ndarray,
                   out: Schedule, scratch: Scratch) -> None:
    """The date rule of activity ``i``: its start, finish and driver in ``out``, from its
    predecessors' dates already there, vectorised over the iterations. The SimPy engine
    applies it; the compiled pass applies its scalar twin (:func:`.kernel.logic_dates`),
    the same floating-point operations in the same order, so they agree to the bit."""
    gates_of, calendars, finish_link = _prepared(net)
    start, finish, driver = out.start, out.finish, out.driver
    if net.node[i] != TASK:
        _derived_dates(net, i, out)
        return
    s, drv, d, cal = start[i], driver[i], durations[i], calendars[i]
    mask, finish_by = scratch.mask, scratch.finish_by
    s.fill(net.not_before[i])
    drv.fill(NO_DRIVER)
    finish_by.fill(-np.inf)
    for g in gates_of[i]:
        np.maximum(s, gate_times[g], out=s)
    for pos in range(net.pred_ptr[i], net.pred_ptr[i + 1]):
        p, t, lag = net.pred_idx[pos], net.pred_type[pos], net.pred_lag[pos]
        ref = finish[p] if t in (0, 2) else start[p]
        c = scratch.constraint
        if t >= 2:  # FF, SF: the finish must not be earlier than ref + lag
            np.add(ref, lag, out=c)
            np.maximum(finish_by, c, out=finish_by)
            c[:] = cal.start_for_finish(c, d) if cal else c - d
        elif lag:
            np.add(ref, lag, out=c)
        else:
            c = ref  # the common FS/SS link without lag needs no copy
        np.greater_equal(c, s, out=mask)
        np.maximum(s, c, out=s)
        np.copyto(drv, p, where=mask)
    if cal is not None:
        s[:], finish[i] = cal.start_and_finish(s, d)
    else:
        np.add(s, d, out=finish[i])
    if finish_link[i]:
        # The start met the finish constraint in working time; in calendar time a
        # constraint inside a blackout window is met only as the window ends. Without a
        # calendar this only absorbs rounding in (c - d) + d.
        floor = cal.finish_floor(finish_by) if cal is not None else finish_by
        np.maximum(finish[i], floor, out=finish[i])
    # Nothing is simulated past the end of the horizon day: work that would end later (a
    # blackout that never lets it progress, a late start) is "after the horizon", inf, as
    # work whose funding never comes, never a date beyond the horizon.
    np.greater(finish[i], net.horizon + 1.0 / net.unit_days, out=mask)
    if mask.any():
        finish[i][mask] = np.inf
        s[s > net.horizon + 1.0 / net.unit_days] = np.inf


def _derived_dates(net: Network, i: int, out: Schedule) -> None:
    """Dates of a node that reads its rollout units: a summary (first start, last finish,
    driven by the last unit) or a share (the finish that brings the live weight to the
    share, driven by that unit; units in finish order, ties in rollout order)."""
    members = net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]
    fin = out.finish[members]
    cols = np.arange(fin.shape[1])
    if net.node[i] == SUMMARY:
        out.start[i] = out.start[members].min(axis=0)
        last = np.argmax(fin, axis=0)
        out.finish[i] = fin[last, cols]
        out.driver[i] = members[last]
        return
    order = np.argsort(fin, axis=0, kind="stable")
    reached = np.argmax(np.cumsum(net.weight[members][order], axis=0) >= net.share[i], axis=0)
    k = order[reached, cols]
    out.start[i] = out.finish[i] = fin[k, cols]
    out.driver[i] = members[k]
