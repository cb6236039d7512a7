"""Benefits in the scenario language: their reference rules and the rate each activity serves."""

from __future__ import annotations

import numpy as np

from ..errors import suggest
from . import models as m

Problems = list[tuple[tuple, str]]


def benefit_problems(sc: m.Scenario, horizon, warnings: list[str] | None = None) -> Problems:
    """Problems of ``sc.benefits``: what each rate is `of`, and the horizon's date.

    Parameters
    ----------
    sc : Scenario
    horizon : date
        The scenario's last simulated date.
    warnings : list of str, optional
        Appended to: a rate that repeats another's `of` and name, which is summed with it
        and reported as a second line of the same name (most likely a copy left in).
    """
    b = sc.benefits
    if b is None:
        return []
    out: Problems = []
    if b.horizon is not None and b.horizon <= sc.scenario.start:
        out.append((("benefits", "horizon"), f"{b.horizon} is not after start {sc.scenario.start}"))
    elif b.horizon is not None and b.horizon > horizon:
        out.append((("benefits", "horizon"), f"{b.horizon} is after the scenario's horizon {horizon}: "
                    "nothing is simulated beyond it (set scenario.horizon later)"))
    rollouts = [p.id for i in sc.initiatives for p in i.phases if p.rollout is not None]
    known = [i.id for i in sc.initiatives] + rollouts
    for k, r in enumerate(b.rates):
        if r.of not in known:
            out.append((("benefits", "rates", k, "of"),
                        f"`{r.of}` is not an initiative or a rollout phase{suggest(r.of, known)}"))
    first: dict[tuple, int] = {}
    for k, r in enumerate(b.rates):
        j = first.setdefault((r.of, r.name), k)
        if j != k and warnings is not None:
            named = f" named {r.name!r}" if r.name else " without a name"
            warnings.append(f"benefits.rates[{k}]: a second rate of `{r.of}`{named}, as rates[{j}]; "
                            "both are counted (give each its own name if that is meant)")
    return out


def initiative_of(sc: m.Scenario) -> dict[str, str]:
    """The initiative of every initiative and phase id."""
    out = {i.id: i.id for i in sc.initiatives}
    out |= {p.id: i.id for i in sc.initiatives for p in i.phases}
    return out


def benefit_rates(sc: m.Scenario, initiatives: list[str | None]) -> np.ndarray:
    """Benefit per month each activity's initiative brings at full use (0 for milestones).

    Parameters
    ----------
    sc : Scenario
    initiatives : list of str or None
        The initiative of each activity of the Network, None where it has none.

    Returns
    -------
    ndarray
        The sum of the ``per_month`` of every rate `of` the initiative or of
        one of its phases: what the ``benefit`` priority rule orders by.
    """
    per: dict[str, float] = {}
    if sc.benefits is not None:
        owner = initiative_of(sc)
        for r in sc.benefits.rates:
            ini = owner.get(r.of)
            if ini is not None:
                per[ini] = per.get(ini, 0.0) + float(r.per_month)
    return np.array([per.get(i, 0.0) if i is not None else 0.0 for i in initiatives], dtype=float)
