"""Rules a scenario must keep beyond its shape: supports, ids, references, selectors, cycles."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from ..errors import suggest
from . import models as m
from .benefit_rules import benefit_problems
from .capacity_rules import capacity_problems, network_problems
from .outside_rules import outside_view_problems
from .resolve import activities, edges, find_cycle, select

Problems = list[tuple[tuple, str]]


def _lowest(d) -> float:
    """Smallest value the distribution can take."""
    return {m.Fixed: lambda: d.value, m.Normal: lambda: 0.0,
            m.Lognormal: lambda: 0.0}.get(type(d), lambda: d.min)()


def dist_problems(d, path: tuple, *, floor: float, strict: bool, what: str) -> Problems:
    """The support rule, which depends on the use: values >= floor (or > floor when strict).

    The parameter rules (min < max, sd > 0, ...) are checked with the shape, in the models.
    """
    out: Problems = []
    low = _lowest(d)
    if low < floor or (strict and low <= floor and not isinstance(d, m.Lognormal)):
        rule = f"> {floor:g}" if strict else f">= {floor:g}"
        if isinstance(d, m.Normal):  # no key holds its lowest value: the truncation does
            out.append(((*path, "dist"), f"a normal is truncated at 0, so it can draw values down to 0, "
                        f"but {what} must be {rule}; use a lognormal, or a triangular or pert "
                        f"with min {rule}"))
        else:
            field = "value" if isinstance(d, m.Fixed) else "min"
            out.append(((*path, field), f"{low:g} is not allowed: {what} must be {rule}"))
    return out


def _header(h: m.Header) -> Problems:
    out = []
    if h.deadline <= h.start:
        out.append((("scenario", "deadline"), f"{h.deadline} is not after start {h.start}"))
    if h.horizon is not None and h.horizon <= h.deadline:
        out.append((("scenario", "horizon"), f"{h.horizon} is not after deadline {h.deadline}"))
    ps = list(h.percentiles)
    if not ps or any(not 0 < p < 100 for p in ps) or ps != sorted(set(ps)):
        out.append((("scenario", "percentiles"),
                    f"{ps} must be increasing, distinct, and each strictly between 0 and 100"))
    elif len({f"{p:g}" for p in ps}) < len(ps):  # each is reported under the key p{p:g}
        out.append((("scenario", "percentiles"),
                    f"{ps}: two give the same key; use at most 6 significant digits"))
    return out


#: Every date of a scenario lies in this range, so every date computed from one stays a real date.
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def date_range_problems(sc: m.Scenario, acts) -> Problems:
    """Dates (and decision years) outside DATE_MIN..DATE_MAX, where the calendar arithmetic ends."""
    h = sc.scenario
    found = [(("scenario", k), getattr(h, k)) for k in ("start", "deadline", "horizon")]
    found += [((*a.path, "not_before"), a.model.not_before) for a in acts]
    for i, r in enumerate(sc.risks):
        for where, f in ((("risks", i, "funding"), r.funding),
                         (("risks", i, "mitigated", "funding"), r.mitigated and r.mitigated.funding)):
            if f is not None:
                found.append(((*where, "decisions", "first"), f.decisions.first))
                found += [((*where, "decisions", "dates", j), d) for j, d in enumerate(f.decisions.dates)]
    out: Problems = []
    for path, value in found:
        year = value if isinstance(value, int) else getattr(value, "year", None)
        if year is not None and not DATE_MIN.year <= year <= DATE_MAX.year:
            out.append((path, f"{value} is outside the years {DATE_MIN.year}..{DATE_MAX.year} "
                              "that a scenario may use"))
    return out


def horizon(h: m.Header) -> dt.date:
    """Last simulated date: the header's, or 30 years after start."""
    return h.horizon or dt.date(h.start.year + 30, h.start.month, min(h.start.day, 28))


def _decides_in_horizon(f: m.Funding, h: m.Header) -> bool:
    end = horizon(h)
    if f.decisions.yearly is not None:
        return (f.decisions.first or h.start.year) <= end.year
    return any(d <= end for d in f.decisions.dates)  # a decision before the start counts at it


def _before_start(f: m.Funding, h: m.Header) -> int:
    """How many budget decisions fall before the data date: they count as made at it."""
    d = f.decisions
    if d.yearly is None:
        return sum(x < h.start for x in d.dates)
    month, day = m.check_month_day(d.yearly)
    first = d.first or h.start.year
    return max(0, h.start.year - first) + int(first <= h.start.year
                                              and (month, day) < (h.start.month, h.start.day))


def id_problems(sc: m.Scenario, acts) -> tuple[Problems, dict[str, str]]:
    """Ids used more than once, and the kind of each activity and initiative id."""
    places = [(a.id, (*a.path, "id")) for a in acts]
    places += [(ini.id, ("initiatives", i, "id")) for i, ini in enumerate(sc.initiatives)]
    for section in ("risks", "blackouts", "correlations", "resources"):
        places += [(el.id, (section, i, "id")) for i, el in enumerate(getattr(sc, section))]
    counts = Counter(x for x, _ in places)
    out = [(path, f"`{x}` is used more than once; ids must be unique across the scenario")
           for x, path in places if counts[x] > 1]
    kinds = {a.id: "activity" for a in acts} | {ini.id: "initiative" for ini in sc.initiatives}
    return out, kinds


def _selector(sc, sel: m.Selector, path, acts, kinds) -> Problems:
    out = []
    for field, names, ok in (("ids", sel.ids, ("activity", "initiative")),
                             ("initiatives", sel.initiatives, ("initiative",))):
        pool = [k for k, v in kinds.items() if v in ok]
        out += [((*path, field, i), f"`{x}` is not a known {' or '.join(ok)}{suggest(x, pool)}")
                for i, x in enumerate(names) if kinds.get(x) not in ok]
    known_tags = set().union(*(a.tags for a in acts)) if acts else set()
    out += [((*path, "tags", i), f"no activity has tag `{t}`{suggest(t, known_tags)}")
            for i, t in enumerate(sel.tags) if t not in known_tags]
    if not out and not select(sc, sel, acts):
        out.append((path, "selects no activity (a selector must match at least one)"))
    return out


def _risk(r: m.Risk, path: tuple) -> Problems:
    given = [k for k in ("impact", "delay", "funding") if getattr(r, k) is not None]
    if len(given) != 1:
        return [(path, f"needs exactly one of `impact`, `delay` or `funding`, has {given or 'none'}")]
    out = _effect(r.probability, r.impact, r.delay, r.funding, path, required=True)
    if r.mitigated is not None:
        mit = r.mitigated
        wrong = [k for k in ("impact", "delay", "funding")
                 if getattr(mit, k) is not None and getattr(r, k) is None]
        out += [((*path, "mitigated", k), f"the risk has no `{k}` to mitigate") for k in wrong]
        if given[0] == "funding" and mit.probability is not None:
            out.append(((*path, "mitigated", "probability"),
                        "a funding gate has no `probability`; mitigate `funding.grant_probability`"))
        out += _effect(mit.probability, mit.impact, mit.delay, mit.funding,
                       (*path, "mitigated"), required=False)
    return out


def _effect(prob, impact, delay, funding, path, *, required: bool) -> Problems:
    out: Problems = []
    if funding is not None:
        if prob is not None and required:
            out.append(((*path, "probability"), "a funding gate has no `probability`; "
                        "each decision grants with `funding.grant_probability`"))
        out += _funding(funding, (*path, "funding"))
    elif prob is None and required:
        out.append(((*path, "probability"), "required with `impact` or `delay`"))
    if prob is not None and not 0 <= prob <= 1:
        out.append(((*path, "probability"), f"{prob:g} is not within [0, 1]"))
    if impact is not None:
        out += dist_problems(impact, (*path, "impact"), floor=0, strict=True, what="an impact factor")
    if delay is not None:
        out += dist_problems(delay, (*path, "delay"), floor=0, strict=False, what="a delay")
    return out


def _funding(f: m.Funding, path) -> Problems:
    d, out = f.decisions, []
    if (d.yearly is None) == (not d.dates):
        out.append(((*path, "decisions"), "needs exactly one of `yearly` or `dates`"))
    if d.first is not None and d.yearly is None:
        out.append(((*path, "decisions", "first"), "`first` goes with `yearly`"))
    if d.dates and list(d.dates) != sorted(set(d.dates)):
        out.append(((*path, "decisions", "dates"), "dates must be increasing and distinct"))
    probs = f.grant_probability if isinstance(f.grant_probability, tuple) else [f.grant_probability]
    out += [((*path, "grant_probability"), f"{p:g} is not within [0, 1]")
            for p in probs if not 0 <= p <= 1]
    if isinstance(f.grant_probability, tuple) and len(probs) != len(d.dates):
        out.append(((*path, "grant_probability"),
                    f"has {len(probs)} values for {len(d.dates)} decision dates; give one per date"))
    return out


def _links(sc, acts, kinds) -> Problems:
    out = []
    for act in acts:
        for n, item in enumerate(act.model.after):
            ref = item if isinstance(item, str) else item.id
            if ref == act.id or ref == act.initiative:
                out.append(((*act.path, "after", n), f"`{ref}` cannot depend on itself"))
            elif ref not in kinds:
                out.append(((*act.path, "after", n),
                            f"`{ref}` is not a known phase, milestone or initiative"
                            f"{suggest(ref, kinds)}"))
    if out:
        return out
    preds: dict[str, list[str]] = {}
    for e in edges(sc):
        preds.setdefault(e.succ, []).append(e.pred)
    cycle = find_cycle([a.id for a in acts], preds)
    if cycle:
        act = next(a for a in acts if a.id == cycle[0])
        flow = " -> ".join(reversed(cycle))
        out.append(((*act.path, "after"), f"dependency cycle: {flow} (each is a predecessor of the next)"))
    return out


def _unit_cycle(sc, acts) -> Problems:
    """A cycle that only the rollouts' units close: a ``ready:`` rule that waits on work
    which itself waits on the rollout (the phases' own links have none, see :func:`_links`)."""
    from .expand import Expanded
    x = Expanded.build(sc, acts)
    cycle = find_cycle(x.ids, {x.ids[i]: [x.ids[p] for p, _, _ in ps] for i, ps in enumerate(x.preds)})
    if not cycle:
        return []
    units = {u.id: u.parent for u in x.units}
    phase = acts[next((units[i] for i in cycle if i in units), x.index[cycle[0]])]
    flow = " -> ".join(reversed(cycle))
    return [((*phase.path, "rollout", "ready"),
             f"dependency cycle through the rollout's units: {flow} (each is a predecessor of the next)")]


def semantic_problems(sc: m.Scenario) -> tuple[Problems, list[str]]:
    """Check every rule beyond the models' shape.

    Returns
    -------
    problems : list of (path, message)
    warnings : list of str
    """
    acts = activities(sc)
    dated = date_range_problems(sc, acts)
    if dated:  # the other rules compute dates from these, which would overflow
        return dated, []
    out, kinds = id_problems(sc, acts)
    out += _header(sc.scenario)
    warnings: list[str] = []
    for a in acts:
        if isinstance(a.model, m.Phase):
            out += dist_problems(a.model.duration, (*a.path, "duration"), floor=0, strict=False,
                                 what="a duration")
        nb = a.model.not_before
        if nb is not None and nb <= sc.scenario.start:
            warnings.append(f"{a.id}: not_before {nb} is on or before the start date; it has no effect")
    out += _links(sc, acts, kinds)
    for i, r in enumerate(sc.risks):
        out += _risk(r, ("risks", i))
        out += _selector(sc, r.applies_to, ("risks", i, "applies_to"), acts, kinds)
        grants = () if r.funding is None else (
            r.funding.grant_probability if isinstance(r.funding.grant_probability, tuple)
            else (r.funding.grant_probability,))
        if r.funding is not None and not _decides_in_horizon(r.funding, sc.scenario):
            warnings.append(f"{r.id}: no budget decision falls between the start and the horizon; "
                            "the phases it gates never start")
        elif grants and not any(grants):
            warnings.append(f"{r.id}: grant_probability is 0 at every budget decision; "
                            "the phases it gates never start")
        elif r.funding is not None and (past := _before_start(r.funding, sc.scenario)):
            warnings.append(f"{r.id}: {past} budget decision{'s' if past > 1 else ''} before the start "
                            f"date {sc.scenario.start} count{'' if past > 1 else 's'} as made at the "
                            "start: a grant there means the funding is in place from the start")
    for i, b in enumerate(sc.blackouts):
        out += _selector(sc, b.applies_to, ("blackouts", i, "applies_to"), acts, kinds)
    out += _correlations(sc, acts, kinds, warnings)
    out += capacity_problems(sc, acts, kinds,
                             lambda sel, path: _selector(sc, sel, path, acts, kinds), warnings)
    out += benefit_problems(sc, horizon(sc.scenario))
    if not out and sc.units:
        out += _unit_cycle(sc, acts)
    if not out and (sc.resources or sc.units):
        from .compile import compile_scenario  # compiling needs a valid scenario
        out += network_problems(compile_scenario(sc), sc, acts)
    out += outside_view_problems(sc, dist_problems)
    target = sc.scenario.target
    if target is not None and target not in {ms.id for ms in sc.milestones} | {
            ini.id for ini in sc.initiatives}:
        pool = [ms.id for ms in sc.milestones] + [ini.id for ini in sc.initiatives]
        out.append((("scenario", "target"),
                    f"`{target}` is not a milestone or initiative{suggest(target, pool)}"))
    return out, warnings


def _correlations(sc, acts, kinds, warnings) -> Problems:
    out: Problems = []
    owner: dict[int, str] = {}
    for i, c in enumerate(sc.correlations):
        path = ("correlations", i)
        if not 0 <= c.rank_correlation < 1:
            out.append(((*path, "rank_correlation"), f"{c.rank_correlation:g} is not within [0, 1)"))
        sel = _selector(sc, c.applies_to, (*path, "applies_to"), acts, kinds)
        out += sel
        if sel:
            continue
        members = [j for j in select(sc, c.applies_to, acts) if acts[j].kind != "milestone"]
        for j in members:
            if j in owner:
                out.append(((*path, "applies_to"),
                             f"`{acts[j].id}` is already in correlation group `{owner[j]}`; "
                             "a phase may be in one group only"))
            owner[j] = c.id
        if len(members) < 2:
            warnings.append(f"correlation `{c.id}` has fewer than two phases; it has no effect")
    return out
