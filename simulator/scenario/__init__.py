"""The scenario language: models, safe YAML loading with positions, overlays, compiling."""

from __future__ import annotations

from pathlib import Path

from .check import build_scenario
from .models import Scenario
from .overlay import load_raw


def load_scenario(path: str | Path, *, warnings: list[str] | None = None,
                  allow_extends_outside: bool = False) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A scenario YAML file, or an overlay that ``extends:`` one.
    warnings : list, optional
        When given, warnings (valid but probably unintended input) are appended to it.
    allow_extends_outside : bool
        Let an overlay's ``extends:`` reach files outside the folder of ``path``
        and its subfolders; refused by default.

    Returns
    -------
    Scenario
        The frozen, validated scenario.

    Raises
    ------
    ScenarioError
        With file, line, column, field path and rule for every problem found.
    """
    raw, smap = load_raw(path, allow_extends_outside=allow_extends_outside)
    scenario, found = build_scenario(raw, smap, str(path))
    if warnings is not None:
        warnings.extend(found)
    return scenario


def derive(scenario: Scenario, changes: dict) -> Scenario:
    """A what-if variant of a scenario, from changes in the shape of an overlay file.

    Parameters
    ----------
    scenario : Scenario
        The base.
    changes : dict
        Like an overlay without ``extends``: ``scenario`` keys to replace,
        sections whose elements are merged by id (an existing id has the given
        keys replaced, a new id is added), and ``remove: [ids]``.

    Returns
    -------
    Scenario
        Validated like a file; a broken variant raises ScenarioError naming
        the field, with ``<derive>`` as the file.

    Examples
    --------
    >>> faster = derive(base, {"initiatives": [{"id": "sfm-dips", "phases": [
    ...     {"id": "sfm-dips-tilpasning", "duration": {"dist": "pert", "min": 3, "mode": 4, "max": 8}}]}]})
    """
    import copy

    from .frozen import thaw
    from .overlay import OVERLAY_KEYS, merge_into
    from .yamlio import SourceMap
    unknown = [k for k in changes if k not in OVERLAY_KEYS or k == "extends"]
    if unknown:
        raise ValueError(f"unknown keys in changes: {unknown}; use {list(OVERLAY_KEYS[1:])}")
    raw = thaw(scenario.model_dump(mode="python", by_alias=True, exclude_none=True))
    smap = SourceMap()
    merge_into(raw, thaw(copy.deepcopy(changes)), smap, "<derive>")  # a model's dump holds tuples
    return build_scenario(raw, smap, "<derive>")[0]


__all__ = ["Scenario", "derive", "load_scenario"]
