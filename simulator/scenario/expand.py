"""The activity list of a Network: phases and milestones, then rollout units, then share nodes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import models as m
from .network import LINK_TYPES, Rollout
from .resolve import Activity, edges, readiness_edges, select
from .rollouts import SHARE, SUMMARY, TASK, UnitActivity, expand_units, matches, share_id, share_links


@dataclass
class Expanded:
    """Every activity the engines schedule, with links and selectors resolved to indices.

    Indices ``0 .. len(acts)-1`` are the phases and milestones (a rollout phase
    is its summary node), then come the rollout units, then the share nodes.
    """

    sc: m.Scenario
    n_acts: int
    units: list[UnitActivity]
    shares: list[tuple[str, float]]
    ids: list[str]
    index: dict[str, int]
    children: dict[int, list[int]]
    preds: list[list[tuple[int, int, float]]]

    @classmethod
    def build(cls, sc: m.Scenario, acts: list[Activity]) -> "Expanded":
        """Resolve the activities of ``sc`` (``acts`` from :func:`resolve.activities`)."""
        units = expand_units(sc, acts)
        shares = share_links(sc, acts)
        ids = [a.id for a in acts] + [u.id for u in units] + [share_id(p, x) for p, x in shares]
        index = {x: i for i, x in enumerate(ids)}
        children: dict[int, list[int]] = {}
        for j, u in enumerate(units, start=len(acts)):
            children.setdefault(u.parent, []).append(j)
        self = cls(sc, len(acts), units, shares, ids, index, children, [[] for _ in ids])
        self._links(acts)
        return self

    @property
    def size(self) -> int:
        return len(self.ids)

    def _pred(self, e) -> int:
        return self.index[share_id(e.pred, e.done) if e.done is not None else e.pred]

    def _links(self, acts: list[Activity]) -> None:
        for e in edges(self.sc):
            link = (self._pred(e), LINK_TYPES.index(e.type), e.lag)
            for j in self.children.get(self.index[e.succ], [self.index[e.succ]]):
                self.preds[j].append(link)
        for i, kids in self.children.items():
            phase = acts[i].model
            for r, rd in enumerate(phase.rollout.ready):
                links = [(self._pred(e), LINK_TYPES.index(e.type), e.lag)
                         for e in readiness_edges(self.sc, phase.id, rd, ())]
                for j in kids:
                    if matches(self.units[j - self.n_acts].unit, rd.when):
                        self.preds[j] += links
            # a summary node reads its units' dates: modelled as FS links for the order
            self.preds[i] = [(j, 0, 0.0) for j in kids]
        base = self.n_acts + len(self.units)
        for k, (pid, _) in enumerate(self.shares):
            self.preds[base + k] = [(j, 0, 0.0) for j in self.children.get(self.index[pid], [])]

    def select(self, sel: m.Selector) -> list[int]:
        """Activity indices a selector picks; a rollout phase stands for its units."""
        return [j for i in select(self.sc, sel) for j in self.children.get(i, [i])]

    def per_activity(self, values: list, empty) -> list:
        """Extend a per-phase list to every activity: units take their phase's value."""
        return (list(values) + [values[u.parent] for u in self.units]
                + [empty] * len(self.shares))

    def kind_of(self, acts: list[Activity], i: int) -> str:
        if i < self.n_acts:
            return acts[i].kind
        return "unit" if i < self.n_acts + len(self.units) else "share"

    def kinds(self, acts: list[Activity]) -> list[str]:
        return [self.kind_of(acts, i) for i in range(self.size)]

    def names(self, acts: list[Activity]) -> list[str]:
        out = [a.model.name or a.id for a in acts]
        out += [f"{out[u.parent]} – {u.unit.name or u.unit.id}" for u in self.units]
        out += [f"{out[self.index[p]]} {x:.0%}" for p, x in self.shares]
        return out

    def initiative(self, acts: list[Activity], i: int) -> str | None:
        if i < self.n_acts:
            return acts[i].initiative
        if i < self.n_acts + len(self.units):
            return acts[self.units[i - self.n_acts].parent].initiative
        return None

    @property
    def node(self) -> np.ndarray:
        out = np.full(self.size, TASK, dtype=np.int8)
        out[list(self.children)] = SUMMARY
        out[self.n_acts + len(self.units):] = SHARE
        return out

    @property
    def weight(self) -> np.ndarray:
        out = np.zeros(self.size)
        out[self.n_acts:self.n_acts + len(self.units)] = [u.unit.weight for u in self.units]
        return out

    @property
    def share_of(self) -> np.ndarray:
        """The weight a share node waits for: ``x`` of its rollout's total, less a relative
        1e-9 so that summing the weights in another order cannot miss a share of 100 %."""
        out = np.zeros(self.size)
        w = self.weight
        for k, (pid, x) in enumerate(self.shares):
            total = float(sum(w[j] for j in self.children.get(self.index[pid], [])))
            out[self.n_acts + len(self.units) + k] = x * total * (1 - 1e-9)
        return out

    @property
    def parent(self) -> np.ndarray:
        out = np.arange(self.size, dtype=np.int64)
        for j, u in enumerate(self.units, start=self.n_acts):
            out[j] = u.parent
        return out

    @property
    def position(self) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.int64)
        for j, u in enumerate(self.units, start=self.n_acts):
            out[j] = u.position
        return out

    def rollouts(self, acts: list[Activity]) -> tuple[Rollout, ...]:
        out = []
        for i, kids in self.children.items():
            us = [self.units[j - self.n_acts] for j in kids]
            out.append(Rollout(acts[i].id, acts[i].model.name or acts[i].id, i,
                               np.array(kids, dtype=np.int64), tuple(u.unit.id for u in us),
                               np.array([u.unit.weight for u in us], dtype=float)))
        return tuple(out)

    def priority_rank(self, sc: m.Scenario, acts: list[Activity]) -> np.ndarray:
        """Place of each activity in ``priorities.order``: its phase id, initiative id or a tag."""
        order = sc.priorities.order
        rank = np.full(self.size, len(order), dtype=np.int64)
        for i, a in enumerate(acts):
            hits = [k for k, x in enumerate(order) if x in (a.id, a.initiative) or x in a.tags]
            if hits:
                rank[i] = hits[0]
        rank[self.n_acts:self.n_acts + len(self.units)] = [rank[u.parent] for u in self.units]
        return rank

    def scope_groups(self, acts: list[Activity], scope: str, targets: np.ndarray):
        """``(key, targets)`` per independent draw of a driver with this scope."""
        if scope == "shared" or targets.size == 0:
            return [("", targets)]
        groups: dict[str, list[int]] = {}
        for j in targets:
            if scope == "initiative":
                key = self.initiative(acts, j) or self.ids[j]
            elif self.n_acts <= j < self.n_acts + len(self.units):
                # one draw per organisation: every rollout over the table reaches the same
                # unit; `table:unit` cannot clash with a phase id (ids have no `:`)
                u = self.units[j - self.n_acts]
                key = f"{u.table}:{u.unit.id}"
            else:
                key = self.ids[j]
            groups.setdefault(key, []).append(int(j))
        return [(k, np.array(v, dtype=np.int64)) for k, v in groups.items()]
