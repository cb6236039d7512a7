"""Rules for resources, priorities, unit tables and rollouts, beyond the models' shape."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..errors import suggest
from . import models as m
from .resolve import Activity
from .rollouts import RULES, SUMMARY, rollout_units

Problems = list[tuple[tuple, str]]


def capacity_problems(sc: m.Scenario, acts: list[Activity], kinds: dict,
                      selector, warnings: list[str]) -> Problems:
    """Problems of the capacity part of ``sc``; ``selector`` checks a Selector at a path."""
    out: Problems = []
    res_ids = [r.id for r in sc.resources]
    used: set[str] = set()
    for k, r in enumerate(sc.resources):
        path = ("resources", k)
        if r.applies_to is not None:
            out += selector(r.applies_to, (*path, "applies_to"))
            used.add(r.id)
        if isinstance(r.capacity, tuple):
            days = [s.start for s in r.capacity]
            if not days or days != sorted(set(days)):
                out.append(((*path, "capacity"), "steps must have increasing, distinct `from` dates"))
    for name, table in sc.units.items():
        if isinstance(table, m.UnitFile):
            out.append((("units", name), "unit files are read when a scenario file is loaded; "
                        "in derive(), give the units inline"))
            continue
        seen: set[str] = set()
        for j, u in enumerate(table):
            if u.id in seen:
                out.append((("units", name, j, "id"), f"`{u.id}` is used more than once in `{name}`"))
            seen.add(u.id)
            if u.weight <= 0:
                out.append((("units", name, j, "weight"), f"{u.weight:g} is not positive"))
    rollouts = {a.id for a in acts if getattr(a.model, "rollout", None) is not None}
    for a in acts:
        for rid in getattr(a.model, "uses", {}):
            used.add(rid)
            if rid not in res_ids:
                out.append(((*a.path, "uses", rid),
                            f"`{rid}` is not a known resource{suggest(rid, res_ids)}"))
        ro = getattr(a.model, "rollout", None)
        if ro is not None:
            out += _rollout(sc, a, ro, kinds)
        for n, item in enumerate(a.model.after):
            if isinstance(item, m.Link) and item.done is not None:
                out += _done(item, (*a.path, "after", n), rollouts)
    for r in sc.resources:
        if r.id not in used:
            warnings.append(f"resource `{r.id}` is used by no phase; it has no effect")
    out += _priorities(sc, acts)
    return out


def _done(ln: m.Link, path: tuple, rollouts: set[str]) -> Problems:
    if not 0 < ln.done <= 1:
        return [((*path, "done"), f"{ln.done:g} is not within (0, 1]")]
    if ln.id not in rollouts:
        return [((*path, "done"), f"`{ln.id}` is not a rollout phase; `done` waits for a share "
                 "of a rollout's units")]
    if ln.type != "FS":
        return [((*path, "type"), f"{ln.type} cannot go with `done`: a share of units live is a "
                 "moment, read as finish-to-start")]
    return []


def _rollout(sc, a: Activity, ro: m.Rollout, kinds: dict) -> Problems:
    path = (*a.path, "rollout")
    if a.kind != "innforing":
        return [(path, f"only an innforing phase can be a rollout; `{a.id}` is {a.kind}")]
    if ro.over not in sc.units:
        return [((*path, "over"), f"`{ro.over}` is not a unit table{suggest(ro.over, sc.units)}")]
    table = sc.units[ro.over]
    if isinstance(table, m.UnitFile):
        return []
    out: Problems = []
    attrs = set().union(*(u.attributes for u in table)) if table else set()
    for key in ro.where:
        if key not in attrs:
            out.append(((*path, "where", key), f"no unit of `{ro.over}` has attribute `{key}`"
                        f"{suggest(key, attrs)}"))
    if isinstance(ro.order, Mapping) and "by" not in ro.order:
        out.append(((*path, "order"), "an empty mapping; give `{by: attribute}`"))
    elif isinstance(ro.order, Mapping) and ro.order["by"] not in attrs:
        out.append(((*path, "order", "by"), f"no unit of `{ro.over}` has attribute "
                    f"`{ro.order['by']}`{suggest(ro.order['by'], attrs)}"))
    if isinstance(ro.order, tuple):
        ids = [u.id for u in table]
        out += [((*path, "order", n), f"`{x}` is not a unit of `{ro.over}`{suggest(x, ids)}")
                for n, x in enumerate(ro.order) if x not in ids]
    for k, rd in enumerate(ro.ready):
        for key in rd.when:
            if key not in attrs:
                out.append(((*path, "ready", k, "when", key),
                            f"no unit of `{ro.over}` has attribute `{key}`{suggest(key, attrs)}"))
        for n, item in enumerate(rd.after):
            ref = item if isinstance(item, str) else item.id
            if ref == a.id or ref == a.initiative:
                out.append(((*path, "ready", k, "after", n),
                            f"`{ref}` cannot be waited for by its own rollout's units"))
            elif ref not in kinds:
                out.append(((*path, "ready", k, "after", n),
                            f"`{ref}` is not a known phase, milestone or initiative"
                            f"{suggest(ref, kinds)}"))
    if not out and not rollout_units(sc, a.model):
        out.append((path, f"selects no unit of `{ro.over}`"))
    return out


def _priorities(sc, acts) -> Problems:
    p, out = sc.priorities, []
    if p.rule not in RULES:
        out.append((("priorities", "rule"), f"`{p.rule}` is not a priority rule{suggest(p.rule, RULES)}"
                    f" (known: {', '.join(sorted(RULES))})"))
    names = {a.id for a in acts} | {ini.id for ini in sc.initiatives}
    tags = set().union(*(a.tags for a in acts)) if acts else set()
    out += [(("priorities", "order", n), f"`{x}` is not a phase, initiative or tag"
             f"{suggest(x, names | tags)}") for n, x in enumerate(p.order) if x not in names | tags]
    return out


def network_problems(net, sc: m.Scenario, acts: list[Activity]) -> Problems:
    """Rules that need the compiled Network: work that can never get its units, and links
    whose reading would make a capacity decision depend on a later one."""
    out: Problems = []
    if not net.needs_capacity:
        return out
    path_of = {a.id: a.path for a in acts}
    where = lambda i: path_of.get(net.ids[net.parent[i]], ())  # noqa: E731
    for k, r in enumerate(net.resources):
        most = int(r.units.max())
        for i in range(net.size):
            lo, hi = net.claim_ptr[i], net.claim_ptr[i + 1]
            for q in range(lo, hi):
                if net.claim_res[q] == k and net.claim_units[q] > most:
                    out.append((where(i), f"`{net.ids[i]}` needs {net.claim_units[q]} units of "
                                f"`{r.id}`, which never has more than {most}: it could never start"))
    claims = np.diff(net.claim_ptr) > 0
    after = claims.copy()          # holds units, or follows something that does
    for i in net.order:
        ps = net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]
        after[i] |= bool(after[ps].any()) if ps.size else False
    before = claims.copy()         # holds units, or precedes something that does
    for i in net.order[::-1]:
        ps = net.pred_idx[net.pred_ptr[i]:net.pred_ptr[i + 1]]
        before[ps] |= before[i]
    said: set[tuple[int, int]] = set()
    for i in range(net.size):
        if not before[i] or net.node[i] == SUMMARY:
            continue
        for pos in range(net.pred_ptr[i], net.pred_ptr[i + 1]):
            p, t, lag = net.pred_idx[pos], net.pred_type[pos], net.pred_lag[pos]
            late = t >= 2 or lag < 0 or (net.node[p] == SUMMARY and t in (1, 3))
            if late and after[p] and (net.parent[i], p) not in said:
                said.add((net.parent[i], p))
                what = ("a link to a rollout's first start" if net.node[p] == SUMMARY and t in (1, 3)
                        else "an FF or SF link" if t >= 2 else "a negative lag")
                out.append((where(i), f"`{net.ids[i]}` has {what} from `{net.ids[p]}`, between "
                            "phases that wait for capacity: such a date can lie before the moment "
                            "it is known. Use FS or SS links with lag >= 0 there (for a rollout's "
                            "start, `{id: ..., done: 0.01}`)"))
    return out
