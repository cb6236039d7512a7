"""Benefits in the scenario language: their reference rules and the rate each activity serves."""

from __future__ import annotations

import numpy as np

from ..errors import suggest
from . import models as m

Problems = list[tuple[tuple, str]]


def benefit_problems(sc: m.Scenario, horizon) -> Problems:
    """Problems of ``sc.benefits``: what each rate is `of`, and the horizon's date.

    Each rate is reported in a row keyed by its `of` (beside a row ``total``), so an
    element has at most one rate, and none of an element whose id is ``total``.

    Parameters
    ----------
    sc : Scenario
    horizon : date
        The scenario's last simulated date.
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
    first: dict[str, int] = {}
    for k, r in enumerate(b.rates):
        path = ("benefits", "rates", k, "of")
        if r.of not in known:
            out.append((path, f"`{r.of}` is not an initiative or a rollout phase{suggest(r.of, known)}"))
        elif r.of == "total":
            out.append((path, "`total` names the sum of the rates in the benefit tables; "
                              "a rate cannot be of an element with that id"))
        elif (j := first.setdefault(r.of, k)) != k:
            out.append((path, f"`{r.of}` has a rate already (rates[{j}]); give it one rate, "
                              "with the per_month of both"))
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
