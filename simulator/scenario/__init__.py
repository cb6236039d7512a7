"""The scenario language: models, safe YAML loading with positions, overlays, compiling."""

from __future__ import annotations

from pathlib import Path

from .check import build_scenario
from .models import Scenario
from .overlay import load_raw


def load_scenario(path: str | Path, *, warnings: list[str] | None = None) -> Scenario:
    """Load, merge and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A scenario YAML file, or an overlay that ``extends:`` one.
    warnings : list, optional
        When given, warnings (valid but probably unintended input) are appended to it.

    Returns
    -------
    Scenario
        The frozen, validated scenario.

    Raises
    ------
    ScenarioError
        With file, line, column, field path and rule for every problem found.
    """
    raw, smap = load_raw(path)
    scenario, found = build_scenario(raw, smap, str(path))
    if warnings is not None:
        warnings.extend(found)
    return scenario


__all__ = ["Scenario", "load_scenario"]
