"""The outside-view variant of a scenario: its plan, stretched per initiative by the reference class.

Reference-class forecasting (Flyvbjerg) takes the plan and applies the
distribution of overruns that comparable projects had. Here:

- every phase gets its planning value (most likely) as a fixed duration;
- the risk drivers and correlation groups are dropped, since the reference
  class already holds what they model; funding gates grant at their first
  decision, as in the deterministic plan;
- one driver is added: with probability 1 it multiplies every phase of an
  initiative by a ratio drawn from ``reference_class.ratio``, one draw per
  initiative (``scope: initiative``), for the initiatives the class applies to.

Links, calendars, not-before dates, capacity and rollouts stay as they are, so
an initiative that waits for a late predecessor slips further than its ratio.
"""

from __future__ import annotations

from ..sampling.distributions import DistTable
from . import derive
from .models import Scenario

#: Id of the added driver (a suffix is added if the scenario already uses it).
DRIVER = "outside-view"


def outside_view(scenario: Scenario) -> Scenario:
    """The outside-view variant of ``scenario`` (see the module docstring).

    Raises
    ------
    ValueError
        The scenario has no ``reference_class``.
    """
    rc = scenario.reference_class
    if rc is None:
        raise ValueError("the scenario has no `reference_class:`, so there is no outside view")
    phases = [p for ini in scenario.initiatives for p in ini.phases]
    value = DistTable.from_models([p.duration for p in phases]).planned()
    fixed = dict(zip((p.id for p in phases), value))
    initiatives = [{"id": ini.id, "phases": [{"id": p.id, "duration": {
        "dist": "fixed", "value": float(fixed[p.id])}} for p in ini.phases]}
        for ini in scenario.initiatives]
    inis = {ini.id for ini in scenario.initiatives}
    targets = [x for x in (rc.applies_to or [ini.id for ini in scenario.initiatives]) if x in inis]
    gates = [{"id": r.id, "funding": {**r.funding.model_dump(mode="python", by_alias=True,
                                                              exclude_none=True),
                                      "grant_probability": 1.0}, "mitigated": None}
             for r in scenario.risks if r.funding is not None]
    used = {r.id for r in scenario.risks} | {x.id for x in scenario.initiatives}
    rid = DRIVER
    while rid in used:
        rid += "-"
    changes = {
        "scenario": {"name": f"{scenario.scenario.name} (utenfra: {rc.name})"},
        "initiatives": initiatives,
        "risks": gates + ([{
            "id": rid, "name": f"Referanseklasse: {rc.name}", "category": "other",
            "probability": 1.0, "impact": rc.ratio.model_dump(mode="python", by_alias=True),
            "applies_to": {"initiatives": targets}, "scope": "initiative"}] if targets else []),
        "remove": [r.id for r in scenario.risks if r.funding is None]
                  + [c.id for c in scenario.correlations],
    }
    return derive(scenario, changes)


__all__ = ["DRIVER", "outside_view"]
