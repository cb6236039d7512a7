"""Shared resolution of a Scenario: its activities, its links and what selectors pick."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from . import models as m


@dataclass(frozen=True)
class Activity:
    """A phase or milestone, with where it sits in the scenario."""

    id: str
    model: m.Phase | m.Milestone
    initiative: str | None
    path: tuple
    tags: frozenset[str]

    @property
    def kind(self) -> str:
        return getattr(self.model, "kind", "milestone")


@dataclass(frozen=True)
class Edge:
    """A resolved dependency: ``succ`` waits on ``pred``."""

    succ: str
    pred: str
    type: str
    lag: float
    path: tuple  # where the link is written, or the phase for an implicit link
    done: float | None = None  # on a rollout: the share of units it waits for


def activities(sc: m.Scenario) -> list[Activity]:
    """Every phase (initiative by initiative) then every milestone, in file order."""
    out = []
    for i, ini in enumerate(sc.initiatives):
        for j, ph in enumerate(ini.phases):
            out.append(Activity(ph.id, ph, ini.id, ("initiatives", i, "phases", j),
                                frozenset(ph.tags) | frozenset(ini.tags)))
    for k, ms in enumerate(sc.milestones):
        out.append(Activity(ms.id, ms, None, ("milestones", k), frozenset(ms.tags)))
    return out


def _link(item: m.AfterItem) -> m.Link:
    return m.Link(id=item) if isinstance(item, str) else item


def edges(sc: m.Scenario) -> Iterator[Edge]:
    """All links, the implicit ones included; references to initiatives are resolved.

    An initiative named in ``after`` stands for its last phase in FS and FF
    links and for its first phase in SS and SF links, since those are the
    ends whose dates the link type reads.
    """
    by_initiative = {ini.id: ini for ini in sc.initiatives}
    for act in activities(sc):
        explicit = [_link(x) for x in act.model.after]
        if act.initiative is not None:
            phases = by_initiative[act.initiative].phases
            j = act.path[3]
            if j > 0 and phases[j - 1].id not in {ln.id for ln in explicit}:
                yield Edge(act.id, phases[j - 1].id, "FS", 0.0, act.path)
        for n, ln in enumerate(explicit):
            yield Edge(act.id, link_pred(ln, by_initiative), ln.type, float(ln.lag),
                       (*act.path, "after", n), ln.done)


def link_pred(ln: m.Link, by_initiative: dict) -> str:
    """The activity a link reads: an initiative stands for the end its link type reads."""
    if ln.id in by_initiative:
        ends = by_initiative[ln.id].phases
        return ends[-1].id if ln.type in ("FS", "FF") else ends[0].id
    return ln.id


def readiness_edges(sc: m.Scenario, phase_id: str, rd: m.Readiness, path: tuple) -> Iterator[Edge]:
    """The links of one readiness rule of a rollout, as edges into the phase."""
    by_initiative = {ini.id: ini for ini in sc.initiatives}
    for n, item in enumerate(rd.after):
        ln = _link(item)
        yield Edge(phase_id, link_pred(ln, by_initiative), ln.type, float(ln.lag),
                   (*path, "after", n), ln.done)


def select(sc: m.Scenario, sel: m.Selector, acts: list[Activity] | None = None) -> list[int]:
    """Indices (into :func:`activities`) of the activities a selector picks, in order."""
    acts = activities(sc) if acts is None else acts
    ids, kinds, inis, tags = set(sel.ids), set(sel.kinds), set(sel.initiatives), set(sel.tags)
    inis |= {ini.id for ini in sc.initiatives if ini.id in ids}
    return [i for i, a in enumerate(acts)
            if a.id in ids or a.kind in kinds or a.initiative in inis or a.tags & tags]


def find_cycle(nodes: list[str], preds: dict[str, list[str]]) -> list[str] | None:
    """Return one dependency cycle as ``[a, b, ..., a]`` (each waits on the next), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    for root in nodes:
        if state.get(root):
            continue
        stack = [(root, iter(preds.get(root, ())))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(preds.get(nxt, ()))))
    return None
