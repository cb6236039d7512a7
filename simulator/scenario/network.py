"""The compiled Network: index arrays the sampler and engines run on, with no YAML or models left."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from ..sampling.distributions import DistTable

UNIT_DAYS = {"days": 1.0, "weeks": 7.0, "months": 365.25 / 12}
LINK_TYPES = ("FS", "SS", "FF", "SF")


def times_to_dates(t: np.ndarray, start: dt.date, unit_days: float, *,
                   finish: bool = False, until: np.ndarray | None = None) -> np.ndarray:
    """Times in a unit from ``start`` to ``datetime64[D]``; NaT where not finite.

    A start is reported on the day that begins at or contains it; a finish
    (``finish=True``) on the day whose end it is, as in planning tools, and
    never before the data date. Given ``until``, the finish times of the starts
    ``t``, a start is never reported after its finish: a zero-length activity
    (a milestone) at midnight is on the day whose end it is.
    """
    days = np.asarray(t, dtype=float) * unit_days
    eps = 1e-6  # absorbs rounding in the month conversion
    whole = np.maximum(np.ceil(days - eps) - 1, 0) if finish else np.floor(days + eps)
    if until is not None and not finish:
        end = np.maximum(np.ceil(np.asarray(until, dtype=float) * unit_days - eps) - 1, 0)
        whole = np.where(end < whole, end, whole)  # an infinite (or NaN) finish changes nothing
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    # beyond the calendar (year 9999) is far beyond any horizon: NaT, reported as after it
    first = np.datetime64(start, "D")
    low, high = (np.datetime64(d, "D") - first for d in ("0001-01-01", "9999-12-31"))
    ok = np.isfinite(whole) & (whole >= low.astype(float)) & (whole <= high.astype(float))
    out[ok] = np.datetime64(start, "D") + whole[ok].astype(np.int64)
    return out


@dataclass(frozen=True, eq=False)
class Driver:
    """A multiplicative (``impact``) or additive (``delay``) risk driver."""

    id: str
    category: str
    effect: str            # "impact" or "delay"
    probability: float
    row: int               # its row in ``Network.risk_dists``
    targets: np.ndarray    # activity indices it stretches
    stream: str = ""       # id its draws are keyed by: the risk's, or risk@initiative/unit

    @property
    def key(self) -> str:
        """The id its random streams are keyed by."""
        return self.stream or self.id


@dataclass(frozen=True, eq=False)
class Gate:
    """A funding gate: targets start no earlier than the first granting decision."""

    id: str
    category: str
    times: np.ndarray      # decision times, in the unit from start, increasing
    grant: np.ndarray      # probability each decision grants
    targets: np.ndarray

    @property
    def first(self) -> float:
        """The first decision's time (``inf`` when none falls within the horizon)."""
        return float(self.times[0]) if self.times.size else np.inf


@dataclass(frozen=True, eq=False)
class CorrelationGroup:
    """Phases whose durations share a one-factor Gaussian copula."""

    id: str
    members: np.ndarray
    rank_correlation: float

    @property
    def pearson(self) -> float:
        """Normal-scale correlation that gives the requested Spearman rank correlation."""
        return float(2 * np.sin(np.pi * self.rank_correlation / 6))


@dataclass(frozen=True, eq=False)
class Rollout:
    """A rollout phase: its summary activity and its units in rollout order."""

    id: str
    name: str
    index: int             # the summary activity
    units: np.ndarray      # activity indices of the units
    unit_ids: tuple[str, ...]
    weights: np.ndarray


@dataclass(frozen=True, eq=False)
class Network:
    """Everything the sampler and the engines need, as arrays indexed by activity.

    Activities are the phases (initiative by initiative, in file order) then
    the milestones. Times are floats in ``unit``, counted from ``start``.
    Predecessors are stored CSR-style: those of activity ``i`` are
    ``pred_idx[pred_ptr[i]:pred_ptr[i+1]]``, with ``pred_type`` codes
    0=FS, 1=SS, 2=FF, 3=SF, and ``pred_lag``.
    """

    name: str
    version: str
    start: dt.date
    deadline: dt.date
    unit: str
    horizon: float
    percentiles: tuple[float, ...]
    target: str
    mitigated: bool
    ids: tuple[str, ...]
    names: tuple[str, ...]
    kinds: tuple[str, ...]              # phase kind, or "milestone"
    initiative_of: np.ndarray           # initiative index, -1 for milestones
    order: np.ndarray                   # a topological order
    pred_ptr: np.ndarray
    pred_idx: np.ndarray
    pred_type: np.ndarray
    pred_lag: np.ndarray
    durations: DistTable
    not_before: np.ndarray              # earliest start, 0 where none
    initiative_ids: tuple[str, ...]
    initiative_names: tuple[str, ...]
    initiative_members: tuple[np.ndarray, ...]
    drivers: tuple[Driver, ...]
    risk_dists: DistTable
    gates: tuple[Gate, ...]
    calendars: tuple[np.ndarray, ...]   # per calendar, (k, 2) windows [from, until) in time
    calendar_of: np.ndarray             # calendar index, -1 for none
    correlations: tuple[CorrelationGroup, ...]
    # capacity and rollouts (see scenario/rollouts.py); empty for a plain network
    node: np.ndarray                    # TASK, SUMMARY or SHARE per activity
    weight: np.ndarray                  # unit weight (units), else 0
    share: np.ndarray                   # weight a SHARE node waits for (see expand.py), else 0
    claim_ptr: np.ndarray               # CSR: resources held by activity i are
    claim_res: np.ndarray               #   claim_res[claim_ptr[i]:claim_ptr[i+1]]
    claim_units: np.ndarray
    resources: tuple                    # scenario.rollouts.Resource, in file order
    rollouts: tuple[Rollout, ...]
    priority_rank: np.ndarray           # place in `priorities.order` (len(order) if unnamed)
    priority_rule: str
    parent: np.ndarray                  # the rollout phase of a unit, else the activity itself
    position: np.ndarray                # a unit's place in its rollout order, else 0
    # benefit per month of each activity's initiative (scenario/benefit_rules.py); the `benefit` rule
    benefit_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def shown(self) -> np.ndarray:
        """Activities reported as phases and milestones (not units or share nodes)."""
        return np.array([k not in ("unit", "share") for k in self.kinds])

    @property
    def needs_capacity(self) -> bool:
        """Whether any activity holds a resource, so only a capacity engine can schedule it."""
        return bool(self.claim_ptr[-1])

    def risk_groups(self) -> list[tuple[str, list[int]]]:
        """Each risk's id with the indices of its driver instances (one, unless scoped)."""
        groups: dict[str, list[int]] = {}
        for k, d in enumerate(self.drivers):
            groups.setdefault(d.id, []).append(k)
        return list(groups.items())

    @property
    def size(self) -> int:
        """Number of activities."""
        return len(self.ids)

    @property
    def unit_days(self) -> float:
        """Days in one unit of time."""
        return UNIT_DAYS[self.unit]

    @property
    def deadline_time(self) -> float:
        """The end of the deadline day as a time: finishing at or before it is in time."""
        return self.to_time(self.deadline + dt.timedelta(days=1))

    def to_time(self, date: dt.date) -> float:
        """Convert a date (its first instant) to a time in the unit, counted from ``start``."""
        return (date - self.start).days / self.unit_days

    def to_dates(self, t: np.ndarray, *, finish: bool = False,
                 until: np.ndarray | None = None) -> np.ndarray:
        """Convert times to ``datetime64[D]``, NaT where not finite (after the horizon).

        A start is reported on the day that begins at or contains it. A finish
        is reported on the day whose end it is, as in planning tools: a
        one-day phase starting on 1 January finishes on 1 January. Starts given
        with their finishes (``until``) are never reported after them.
        """
        return times_to_dates(t, self.start, self.unit_days, finish=finish, until=until)

    def index(self, activity_id: str) -> int:
        """Index of an activity id."""
        try:
            return self.ids.index(activity_id)
        except ValueError:
            raise KeyError(f"no activity `{activity_id}`") from None

    def preds(self, i: int) -> range:
        """Positions in the CSR arrays of activity ``i``'s predecessors."""
        return range(self.pred_ptr[i], self.pred_ptr[i + 1])
