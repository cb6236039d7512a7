"""Candidate priority orders for a prioritisation: explicit orders, or the items to permute.

A candidates file is YAML, either a list of orders::

    candidates:
      - [legemiddelliste, kritisk-info]            # a priorities.order
      - {name: ki-first, order: [kritisk-info], rule: shortest-first}

or a search space, the orders of some items::

    permute: [legemiddelliste, kritisk-info, epic]
    rule: plan-order                                # optional: the scenario's own rule

Items are initiative or phase ids, or tags, as in ``priorities.order``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import Problem, ScenarioError, format_path, suggest
from . import models as m
from .rollouts import RULES
from .yamlio import load_yaml


@dataclass(frozen=True)
class Candidate:
    """A priority order to try: ``priorities.order`` and ``priorities.rule``."""

    order: tuple[str, ...]
    rule: str
    name: str = ""

    @property
    def label(self) -> str:
        """Its name, or its order written out."""
        return self.name or (" > ".join(self.order) if self.order else "(no order)")

    @property
    def key(self) -> tuple:
        """Candidates with the same key schedule alike."""
        return self.order, self.rule


@dataclass(frozen=True)
class Permutations:
    """The orders of ``items`` (every one when few, else a local search; see prioritise)."""

    items: tuple[str, ...]
    rule: str


def orderable(sc: m.Scenario) -> list[str]:
    """Names a priority order may hold: initiative and phase ids, and tags."""
    names = [i.id for i in sc.initiatives] + [p.id for i in sc.initiatives for p in i.phases]
    tags = sorted({t for i in sc.initiatives for t in i.tags}
                  | {t for i in sc.initiatives for p in i.phases for t in p.tags})
    return names + tags


def contended(sc: m.Scenario, net) -> tuple[str, ...]:
    """Initiatives with a phase that holds a resource: what a priority order decides between."""
    held = np.flatnonzero(np.diff(net.claim_ptr) > 0) if net.claim_ptr.size else []
    seen = {int(net.initiative_of[i]) for i in held if net.initiative_of[i] >= 0}
    return tuple(net.initiative_ids[k] for k in sorted(seen))


def load_candidates(path: str | Path, sc: m.Scenario) -> list[Candidate] | Permutations:
    """Read a candidates file (see the module docstring) against a scenario.

    Raises
    ------
    ScenarioError
        Naming the file, line and field of every problem.
    """
    data, smap = load_yaml(path)
    name = str(path)
    problems: list[Problem] = []

    def bad(container, key, message: str, path_parts: tuple) -> None:
        mark = smap.items.get((id(container), key)) if container is not None else None
        problems.append(Problem(name, mark.line if mark else None, mark.col if mark else None,
                                format_path(path_parts), message))

    known = orderable(sc)
    default_rule = sc.priorities.rule

    def ids(container, key, value, where: tuple) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(x, str) for x in value):
            bad(container, key, "must be a non-empty list of initiative or phase ids, or tags", where)
            return ()
        for n, x in enumerate(value):
            if x not in known:
                bad(value, n, f"`{x}` is not a phase, initiative or tag{suggest(x, known)}", (*where, n))
        if len(set(value)) < len(value):
            bad(container, key, "names an item more than once", where)
        return tuple(value)

    def rule(container, value, where) -> str:
        if value is None:
            return default_rule
        if value not in RULES:
            bad(container, "rule", f"`{value}` is not a priority rule{suggest(str(value), RULES)}", where)
        return value

    out: list[Candidate] | Permutations = []
    if not isinstance(data, dict) or len(set(data) & {"candidates", "permute"}) != 1:
        raise ScenarioError.single(name, "must be a mapping with either `candidates:` (a list of "
                                   "orders) or `permute:` (items whose orders to try)")
    unknown = [k for k in data if k not in ("candidates", "permute", "rule")]
    for k in unknown:
        bad(data, k, f"unknown key `{k}`", (k,))
    if "permute" in data:
        items = ids(data, "permute", data["permute"], ("permute",))
        out = Permutations(items, rule(data, data.get("rule"), ("rule",)))
    elif not isinstance(data["candidates"], list) or not data["candidates"]:
        bad(data, "candidates", "must be a non-empty list of orders", ("candidates",))
    else:
        for n, item in enumerate(data["candidates"]):
            where = ("candidates", n)
            if isinstance(item, dict):
                for k in item:
                    if k not in ("name", "order", "rule"):
                        bad(item, k, f"unknown key `{k}` (name, order, rule)", (*where, k))
                order = ids(item, "order", item.get("order"), (*where, "order"))
                out.append(Candidate(order, rule(item, item.get("rule"), (*where, "rule")),
                                     str(item.get("name", ""))))
            else:
                out.append(Candidate(ids(data["candidates"], n, item, where), default_rule))
    if problems:
        raise ScenarioError(problems)
    return out


__all__ = ["Candidate", "Permutations", "contended", "load_candidates", "orderable"]
