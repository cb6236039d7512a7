"""Compile a validated Scenario into a Network of index arrays."""

from __future__ import annotations

import datetime as dt
from graphlib import TopologicalSorter

import numpy as np

from ..errors import Problem, ScenarioError, format_path
from ..sampling.distributions import DistTable
from . import models as m
from .models import check_month_day
from .network import LINK_TYPES, CorrelationGroup, Driver, Gate, Network, UNIT_DAYS
from .benefit_rules import benefit_rates
from .expand import Expanded
from .resolve import activities
from .rollouts import Resource, capacity_steps, claims
from .rules import horizon, id_problems

_ZERO = m.Fixed(dist="fixed", value=0)


def _unique_ids(sc: m.Scenario, acts) -> None:
    """Refuse duplicate ids, which would merge elements silently (ids key streams and links).

    A validated Scenario cannot have them; one made with ``model_construct``
    (which skips validation) can, and this check costs little.
    """
    found, _ = id_problems(sc, acts)
    if found:
        raise ScenarioError(Problem("<scenario>", None, None, format_path(path), msg)
                            for path, msg in found)


def compile_scenario(sc: m.Scenario, *, mitigated: bool = False) -> Network:
    """Resolve ids, links, selectors and dates of a Scenario into a :class:`Network`.

    Parameters
    ----------
    sc : Scenario
        A validated scenario (from :func:`~simulator.load_scenario`).
    mitigated : bool
        Use the risks' ``mitigated:`` values where they are given.

    Returns
    -------
    Network
    """
    h = sc.scenario
    acts = activities(sc)
    _unique_ids(sc, acts)
    x = Expanded.build(sc, acts)
    unit_days = UNIT_DAYS[h.unit]
    to_time = lambda d: (d - h.start).days / unit_days  # noqa: E731
    end = horizon(h)

    ts = TopologicalSorter({i: [p for p, _, _ in ps] for i, ps in enumerate(x.preds)})
    order = np.fromiter(ts.static_order(), dtype=np.int64)
    ptr = np.zeros(x.size + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(ps) for ps in x.preds])
    flat = [e for ps in x.preds for e in ps]

    inis = sc.initiatives
    ini_index = {ini.id: k for k, ini in enumerate(inis)}
    drivers, gates, risk_models = _risks(sc, acts, x, mitigated, to_time, end)
    target = h.target or (sc.milestones[-1] if sc.milestones else sc.initiatives[-1]).id
    held = claims(sc, acts, x.units, x.select) + [{}] * len(x.shares)
    cptr = np.zeros(x.size + 1, dtype=np.int64)
    cptr[1:] = np.cumsum([len(c) for c in held])
    nb = [max(0.0, to_time(a.model.not_before)) if a.model.not_before else 0.0 for a in acts]
    models = [getattr(a.model, "duration", _ZERO) for a in acts]
    return Network(
        name=h.name, version=h.version, start=h.start, deadline=h.deadline, unit=h.unit,
        horizon=to_time(end),
        # a scenario's own percentiles add to the contract's P10/P50/P80/P90, never replace them
        percentiles=tuple(sorted({10.0, 50.0, 80.0, 90.0, *(float(p) for p in h.percentiles)})),
        target=target, mitigated=mitigated,
        ids=tuple(x.ids), names=tuple(x.names(acts)), kinds=tuple(x.kinds(acts)),
        initiative_of=np.array([ini_index.get(x.initiative(acts, i), -1) for i in range(x.size)],
                               dtype=np.int64),
        order=order, pred_ptr=ptr,
        pred_idx=np.array([p for p, _, _ in flat], dtype=np.int64),
        pred_type=np.array([t for _, t, _ in flat], dtype=np.int8),
        pred_lag=np.array([lag for _, _, lag in flat], dtype=float),
        durations=DistTable.from_models(x.per_activity(models, _ZERO)),
        not_before=np.array(x.per_activity(nb, 0.0), dtype=float),
        initiative_ids=tuple(ini.id for ini in inis),
        initiative_names=tuple(ini.name or ini.id for ini in inis),
        initiative_members=tuple(np.array([x.index[p.id] for p in ini.phases]) for ini in inis),
        drivers=drivers, gates=gates,
        risk_dists=DistTable.from_models(risk_models) if risk_models else DistTable.from_models([_ZERO]),
        **_calendars(sc, x, h, end, to_time),
        correlations=tuple(CorrelationGroup(c.id, np.array(
            [j for j in x.select(c.applies_to) if x.kind_of(acts, j) != "milestone"],
            dtype=np.int64),
            float(c.rank_correlation)) for c in sc.correlations),
        node=x.node, weight=x.weight, share=x.share_of,
        claim_ptr=cptr, claim_res=np.array([r for c in held for r in c], dtype=np.int64),
        claim_units=np.array([n for c in held for n in c.values()], dtype=np.int64),
        resources=tuple(Resource(r.id, r.name or r.id, *capacity_steps(r, to_time))
                        for r in sc.resources),
        rollouts=x.rollouts(acts),
        priority_rank=x.priority_rank(sc, acts), priority_rule=sc.priorities.rule,
        parent=x.parent, position=x.position,
        benefit_rate=benefit_rates(sc, [x.initiative(acts, i) for i in range(x.size)]),
    )


def _risks(sc, acts, x, mitigated, to_time, end):
    drivers, gates, models = [], [], []
    for r in sc.risks:
        mit = r.mitigated if mitigated and r.mitigated is not None else None
        targets = np.array(x.select(r.applies_to), dtype=np.int64)
        if r.funding is not None:
            f = _pick(r, mit, "funding")
            times, grant = _decisions(f, sc.scenario.start, end, to_time)
            gates.append(Gate(r.id, r.category, times, grant, targets))
            continue
        effect = "impact" if r.impact is not None else "delay"
        prob = mit.probability if mit is not None and mit.probability is not None else r.probability
        for key, members in x.scope_groups(acts, r.scope, targets):
            drivers.append(Driver(r.id, r.category, effect, float(prob), len(models), members,
                                  "" if r.scope == "shared" else f"{r.id}@{key}"))
        models.append(_pick(r, mit, effect))
    return tuple(drivers), tuple(gates), models


def _pick(risk: m.Risk, mit: m.Mitigated | None, key: str):
    """The mitigated value of ``key`` where one is given and asked for, else the risk's own."""
    value = getattr(mit, key, None) if mit is not None else None
    return value if value is not None else getattr(risk, key)


def _decisions(f: m.Funding, start: dt.date, end: dt.date, to_time):
    d = f.decisions
    if d.yearly is not None:
        month, day = check_month_day(d.yearly)
        dates = []
        for year in range(d.first or start.year, end.year + 1):
            date = _month_day(year, month, day)
            if date <= end:  # a decision before the start is in the past: it counts at the start
                dates.append(date)
        grant = np.full(len(dates), float(f.grant_probability))
    else:
        keep = [i for i, date in enumerate(d.dates) if date <= end]
        dates = [d.dates[i] for i in keep]
        probs = f.grant_probability
        grant = np.array([probs[i] for i in keep] if isinstance(probs, tuple)
                         else [float(probs)] * len(keep), dtype=float)
    times = np.array([max(0.0, to_time(x)) for x in dates], dtype=float)
    return times, grant


def _month_day(year: int, month: int, day: int) -> dt.date:
    # 29 February falls on the 28th in other years
    return dt.date(year, month, min(day, 28) if month == 2 and day == 29 and year % 4 else day)


def _calendars(sc, x, h, end, to_time) -> dict:
    """Yearly blackout windows, merged per distinct set of blackouts an activity has."""
    member_of: list[set[int]] = [set() for _ in range(x.size)]
    for b, bo in enumerate(sc.blackouts):
        for j in x.select(bo.applies_to):
            member_of[j].add(b)
    keys, calendar_of = {}, []
    for s in member_of:
        if not s:
            calendar_of.append(-1)
            continue
        keys.setdefault(frozenset(s), len(keys))
        calendar_of.append(keys[frozenset(s)])
    calendars = [None] * len(keys)
    for key, c in keys.items():
        spans = [w for b in sorted(key) for w in _windows(sc.blackouts[b].window, h.start, end)]
        calendars[c] = _merge([(to_time(a), to_time(b)) for a, b in spans])
    return {"calendars": tuple(calendars), "calendar_of": np.array(calendar_of, dtype=np.int64)}


def _windows(w: m.Window, start: dt.date, end: dt.date):
    m1, d1 = check_month_day(w.start)
    m2, d2 = check_month_day(w.until)
    for year in range(start.year - 1, end.year + 1):
        a = _month_day(year, m1, d1)
        b = _month_day(year + ((m2, d2) < (m1, d1)), m2, d2) + dt.timedelta(days=1)
        if b > start and a <= end:
            yield max(a, start), b


def _merge(spans) -> np.ndarray:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return np.array(out, dtype=float).reshape(-1, 2)
