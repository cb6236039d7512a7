"""Rollouts, resources and priorities of a Scenario, resolved into activities and index arrays.

A rollout phase compiles into one activity per unit (id ``phase/unit``), each
with the phase's links and duration distribution, plus the phase itself as a
*summary* node (start of its first unit, finish of its last). A link with
``done: x`` points at a *share* node: the time the weighted share ``x`` of the
units is live. Both node kinds are ordinary activities to the rest of the
house; only the date rule treats them differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from . import models as m
from .resolve import Activity

#: Node kinds of a Network's activities.
TASK, SUMMARY, SHARE = 0, 1, 2

#: Priority rules by name: rule(network, planned_start, planned_finish) -> value per activity,
#: smaller first (see engines/priority.py, where more can be registered).
RULES = {
    "plan-order": lambda net, s, f: s,
    # a phase the plan never starts (inf - inf) goes last, as it would unplanned
    "shortest-first": lambda net, s, f: np.subtract(f, s, out=np.full_like(f, np.inf),
                                                    where=np.isfinite(s)),
    # highest benefit per month first (the `benefits:` rates of the activity's initiative)
    "benefit": lambda net, s, f: -net.benefit_rate if net.benefit_rate.size else np.zeros(net.size),
}


@dataclass(frozen=True)
class UnitActivity:
    """One unit of a rollout phase, as an extra activity."""

    id: str
    parent: int          # index of the rollout phase in the activity list
    unit: m.Unit
    position: int        # place in the rollout's order
    table: str           # the unit table it comes from


def unit_id(phase_id: str, unit: str) -> str:
    """Activity id of a rollout unit; ``/`` never occurs in scenario ids."""
    return f"{phase_id}/{unit}"


def share_id(phase_id: str, share: float) -> str:
    """Activity id of the moment a share of a rollout is live."""
    return f"{phase_id}@{share:g}"


def matches(unit: m.Unit, where: dict[str, list[str]]) -> bool:
    """Whether every attribute named in ``where`` has one of the listed values."""
    return all(unit.attributes.get(k) in set(v) for k, v in where.items())


def rollout_units(sc: m.Scenario, phase: m.Phase) -> list[m.Unit]:
    """The units a rollout phase reaches, in its rollout order."""
    r = phase.rollout
    units = [u for u in sc.units.get(r.over, []) if matches(u, r.where)]
    if r.order == "weight":
        return sorted(units, key=lambda u: -u.weight)  # stable: listed order breaks ties
    if isinstance(r.order, Mapping):
        attr = r.order["by"]
        values = [u.attributes.get(attr, "") for u in units]
        if all(_number(v) is not None for v in values):  # "9" before "10"
            return sorted(units, key=lambda u: _number(u.attributes.get(attr, "")))
        return sorted(units, key=lambda u: u.attributes.get(attr, ""))
    if isinstance(r.order, tuple):
        first = {x: i for i, x in enumerate(r.order)}
        return sorted(units, key=lambda u: first.get(u.id, len(first)))
    return units


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def expand_units(sc: m.Scenario, acts: list[Activity]) -> list[UnitActivity]:
    """Every rollout unit of every rollout phase, in activity order."""
    out = []
    for i, a in enumerate(acts):
        if isinstance(a.model, m.Phase) and a.model.rollout is not None:
            out += [UnitActivity(unit_id(a.id, u.id), i, u, k, a.model.rollout.over)
                    for k, u in enumerate(rollout_units(sc, a.model))]
    return out


def share_links(sc: m.Scenario, acts: list[Activity]) -> list[tuple[str, float]]:
    """Distinct ``(rollout phase id, share)`` pairs that links wait for, in file order."""
    seen: dict[tuple[str, float], None] = {}
    for a in acts:
        items = list(a.model.after)
        if isinstance(a.model, m.Phase) and a.model.rollout is not None:
            items += [x for rd in a.model.rollout.ready for x in rd.after]
        for x in items:
            if isinstance(x, m.Link) and x.done is not None:
                seen[(x.id, float(x.done))] = None
    return list(seen)


@dataclass(frozen=True, eq=False)
class Resource:
    """A compiled resource: its capacity as steps in time."""

    id: str
    name: str
    times: np.ndarray      # step starts, increasing; the first is -inf
    units: np.ndarray      # units from each step on

    def at(self, t: float) -> int:
        """Capacity at time ``t``."""
        return int(self.units[np.searchsorted(self.times, t, side="right") - 1])


def capacity_steps(res: m.Resource, to_time) -> tuple[np.ndarray, np.ndarray]:
    """Step times (first ``-inf``) and units of a resource's capacity."""
    if isinstance(res.capacity, int):
        return np.array([-np.inf]), np.array([res.capacity], dtype=np.int64)
    times = [-np.inf] + [to_time(s.start) for s in res.capacity]
    units = [0] + [s.units for s in res.capacity]  # nothing before the first step
    return np.array(times, dtype=float), np.array(units, dtype=np.int64)


def claims(sc: m.Scenario, acts: list[Activity], units: list[UnitActivity],
           select) -> list[dict[int, int]]:
    """Units of each resource each activity holds while it runs.

    ``select`` resolves a selector to activity indices, a rollout phase to its
    units. A phase's own ``uses`` overrides a selector's claim; on a rollout
    phase it is what each unit holds. Summary nodes hold nothing.
    """
    index = {r.id: k for k, r in enumerate(sc.resources)}
    held: list[dict[int, int]] = [{} for _ in range(len(acts) + len(units))]
    for k, r in enumerate(sc.resources):
        if r.applies_to is not None:
            for j in select(r.applies_to):
                held[j][k] = r.claim
    children: dict[int, list[int]] = {}
    for j, u in enumerate(units, start=len(acts)):
        children.setdefault(u.parent, []).append(j)
    for i, a in enumerate(acts):
        for rid, n in getattr(a.model, "uses", {}).items():
            for j in children.get(i, [i]):
                held[j][index[rid]] = n
    return [{r: n for r, n in sorted(h.items()) if n > 0} for h in held]
