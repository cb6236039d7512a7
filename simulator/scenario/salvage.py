"""The valid part of a broken scenario, so its other rules can be checked in the same run.

A file with a structural problem (an unknown key, a bad parameter) cannot become
a Scenario. Its elements that are valid on their own still can, and the rules
about ids, references, selectors and cycles can be checked on them: the user
then sees every problem of the file at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ValidationError

from . import models as m
from .frozen import FrozenMap

_SECTIONS = {"milestones": m.Milestone, "risks": m.Risk, "blackouts": m.Blackout,
             "correlations": m.Correlation, "resources": m.Resource}


@dataclass
class Salvage:
    """A Scenario of the valid elements, and how to map its paths back to the file's."""

    scenario: m.Scenario
    kept: dict[str, list[int]]          # section -> file indices of the kept elements
    kept_phases: list[list[int]]        # per kept initiative, file indices of its kept phases
    dropped_ids: set[str]

    def file_path(self, path: tuple) -> tuple:
        """Translate a path in the salvaged scenario to the same element's path in the file."""
        if len(path) < 2 or path[0] not in self.kept:
            return path
        out = list(path)
        out[1] = self.kept[path[0]][path[1]]
        if path[0] == "initiatives" and len(path) >= 4 and path[2] == "phases":
            out[3] = self.kept_phases[path[1]][path[3]]
        return tuple(out)


def _valid(model: type[BaseModel], raw: object) -> BaseModel | None:
    try:
        return model.model_validate(raw)
    except ValidationError:
        return None


def salvage(raw: dict) -> Salvage | None:
    """The valid elements of ``raw`` as a Scenario, or None when even the header is broken."""
    header = _valid(m.Header, raw.get("scenario"))
    if header is None:
        return None
    kept: dict[str, list[int]] = {"initiatives": []}
    kept_phases: list[list[int]] = []
    dropped: set[str | None] = set()
    initiatives = []
    for i, ini in enumerate(_items(raw, "initiatives")):
        phases, kept_here = [], []
        for j, ph in enumerate(_items(ini, "phases")):
            model = _valid(m.Phase, ph)
            if model is None:
                dropped.add(_id(ph))
            else:
                phases.append(model)
                kept_here.append(j)
        rest = {k: v for k, v in ini.items() if k != "phases"} if isinstance(ini, dict) else None
        model = _valid(m.Initiative, {**rest, "phases": phases}) if rest is not None and phases else None
        if model is None:
            dropped |= {_id(ini), *(p.id for p in phases)}
            continue
        initiatives.append(model)
        kept["initiatives"].append(i)
        kept_phases.append(kept_here)
    sections = {}
    for name, model_type in _SECTIONS.items():
        sections[name], kept[name] = [], []
        for k, item in enumerate(_items(raw, name)):
            model = _valid(model_type, item)
            if model is None:
                dropped.add(_id(item))
            else:
                sections[name].append(model)
                kept[name].append(k)
    if not initiatives:
        return None
    dropped.discard(None)
    sections["priorities"] = _valid(m.Priorities, raw.get("priorities", {})) or m.Priorities()
    sections["units"] = FrozenMap(_units(raw.get("units")))
    sections = {k: tuple(v) if isinstance(v, list) else v for k, v in sections.items()}
    return Salvage(m.Scenario.model_construct(scenario=header, initiatives=tuple(initiatives),
                                              **sections),
                   kept, kept_phases, dropped)  # type: ignore[arg-type]


def _units(tables: object) -> dict:
    """Each unit table with its valid units (a table's bad rows are reported on their own)."""
    if not isinstance(tables, dict):
        return {}
    out = {}
    for name, table in tables.items():
        if isinstance(table, list):
            out[name] = tuple(u for u in (_valid(m.Unit, x) for x in table) if u is not None)
        elif (unit_file := _valid(m.UnitFile, table)) is not None:
            out[name] = unit_file
    return out


def _items(container: object, key: str) -> list:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def _id(item: object) -> str | None:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None
