"""The outside view: each initiative's simulated ratio actual/planned beside a reference class.

A bottom-up simulation of a plan inherits the plan's optimism. The check is to
hold each initiative's simulated *ratio of actual to planned duration* against
the ratios comparable projects reached (the scenario's ``reference_class``).

Definitions (one per element, an initiative or a milestone):

- *planned start* ``ps``: the element's start in the deterministic plan (most-
  likely durations, no driver fires, funding at the first decision, capacity
  as in the run); for a milestone, the data date.
- *planned finish* ``pf``: the end of the element's ``planned:`` date when the
  scenario gives one (the roadmap's own date), else its finish in that plan.
- *ratio* in an iteration: ``(finish - ps) / (pf - ps)``. A wait for a
  predecessor counts as overrun, as it does for the projects of a reference
  class, whose planned and actual durations run from the decision to finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import datetime as dt

import numpy as np
import pandas as pd

from ..engines.cpm import Schedule
from ..sampling.distributions import DistTable
from ..sampling.draws import planned_draws
from ..scenario.network import Network
from . import critical

if TYPE_CHECKING:
    from .result import Result

#: Quantiles of the ratio that are compared, and the one that decides the flag.
QUANTILES = (0.5, 0.8, 0.9)
FLAG_AT = 0.8
#: Slip quantiles: P50/P85 are the convention of Norwegian state project governance (R-108).
SLIP_QUANTILES = (0.5, 0.85, 0.9)


def planned_schedule(net: Network) -> Schedule:
    """The deterministic plan, scheduled with the engine the run would pick.

    Unlike :func:`simulator.api.plan` (the forward pass without capacity, used
    for the critical path), work that holds resources waits for them here, so a
    plan of rollouts over scarce teams is not read as all areas at once.
    """
    from ..parallel import ENGINES, pick_engine  # parallel imports the engines: keep it lazy
    draws = planned_draws(net)
    return ENGINES[pick_engine(net, None)](net, draws.durations(net), draws.gate_times)


@dataclass(frozen=True)
class Planned:
    """What one element was planned to take."""

    id: str
    element: str          # "initiative" or "milestone"
    start: float          # planned start, in the unit from the start date
    finish: float         # planned finish
    source: str           # "scenario" (its `planned:` date) or "plan" (the deterministic plan)


def reference_elements(scenario) -> list[str]:
    """Ids the reference class is held against: its ``applies_to``, default every initiative."""
    rc = scenario.reference_class
    if rc is not None and rc.applies_to:
        return list(rc.applies_to)
    return [ini.id for ini in scenario.initiatives]


def planned_elements(net: Network, scenario, ids: list[str] | None = None,
                     plan: Schedule | None = None) -> list[Planned]:
    """Planned start and finish of each element in ``ids`` (default: see
    :func:`reference_elements`); see the module docstring for the rule."""
    ids = reference_elements(scenario) if ids is None else ids
    plan = planned_schedule(net) if plan is None else plan
    dates = {x.id: x.planned for x in (*scenario.initiatives, *scenario.milestones)}
    initiatives = {ini.id for ini in scenario.initiatives}
    out = []
    for x in ids:
        element = "initiative" if x in initiatives else "milestone"
        ps = float(critical.target_start(net, plan, x)[0]) if element == "initiative" else 0.0
        if dates.get(x) is not None:
            # a planned date means done by the end of that day
            pf, source = net.to_time(dates[x] + dt.timedelta(days=1)), "scenario"
        else:
            pf, source = float(critical.target_finish(net, plan, x)[0]), "plan"
        out.append(Planned(x, element, ps, pf, source))
    return out


def ratios(result: Result, planned: list[Planned]) -> np.ndarray:
    """Ratio actual/planned per element (rows) and iteration; NaN where nothing was
    planned to run (``pf <= ps``, or a plan itself after the horizon), ``inf`` where the
    element is after the horizon."""
    out = np.full((len(planned), result.iterations), np.nan)
    for k, p in enumerate(planned):
        if np.isfinite(p.finish) and p.finish > p.start:
            out[k] = (result.finish(p.id) - p.start) / (p.finish - p.start)
    return out


def reference_quantiles(scenario, qs=QUANTILES) -> np.ndarray:
    """Quantiles of the reference class's ratio (NaN without a reference class)."""
    rc = scenario.reference_class
    if rc is None:
        return np.full(len(qs), np.nan)
    return DistTable.from_models([rc.ratio]).ppf(np.array([qs], dtype=float))[0]


def calibration(result: Result) -> pd.DataFrame:
    """Inside-view ratio quantiles per element beside the reference class's.

    Parameters
    ----------
    result : Result
        A run of a scenario; its ``reference_class`` (if any) gives the outside view.

    Returns
    -------
    DataFrame
        Indexed by element id, with ``element``, ``name``, ``planned_start_date``,
        ``planned_date`` and ``planned_from`` ("scenario": its own date, or "plan"),
        ``inside_p50/p80/p90``, ``reference_p50/p80/p90`` and ``optimistic``: the
        inside view's P80 ratio is below the reference class's (the flag).
    """
    net, sc, tally = result.network, result.scenario, result.tally
    planned = planned_elements(net, sc)
    at = {p.id: tally.layout.blocks["ratio"].start + k for k, p in enumerate(tally.layout.planned)}
    ref = reference_quantiles(sc)
    names = {x.id: x.name or x.id for x in (*sc.initiatives, *sc.milestones)}
    rows = []
    for p in planned:
        # order statistics, no interpolation: "after the horizon" (inf) stays inf
        inside = (tally.quantiles(at[p.id], QUANTILES) if p.id in at
                  else np.full(len(QUANTILES), np.nan))
        row = {"id": p.id, "element": p.element, "name": names[p.id],
               "planned_start_date": net.to_dates(np.array([p.start]))[0],
               "planned_date": net.to_dates(np.array([p.finish]), finish=True)[0],
               "planned_from": p.source}
        row.update({f"inside_p{round(q * 100)}": v for q, v in zip(QUANTILES, inside)})
        row.update({f"reference_p{round(q * 100)}": v for q, v in zip(QUANTILES, ref)})
        k80 = QUANTILES.index(FLAG_AT)
        row["optimistic"] = bool(inside[k80] < ref[k80])  # NaN on either side: not flagged
        rows.append(row)
    return pd.DataFrame(rows).set_index("id")


def planned_dates(result: Result) -> pd.DataFrame:
    """P(on or before each element's planned date) and the slip distribution.

    Elements: every initiative and every milestone with a ``planned:`` date.

    Returns
    -------
    DataFrame
        Indexed by id: ``planned_date``, ``planned_from``, ``prob_by_planned`` and
        ``slip_p50/p85/p90``: finish minus planned finish, in the scenario unit
        (negative is early; ``inf`` after the horizon).
    """
    net, sc, tally = result.network, result.scenario, result.tally
    lay, n = tally.layout, result.iterations
    slip_at = {p.id: lay.blocks["slip"].start + k for k, p in enumerate(lay.slips)}
    hit0 = len(lay.hit_rows) - len(lay.dated)  # the planned-date counts come last
    rows = []
    for k, p in enumerate(lay.dated):
        if p.id in slip_at:
            slip = tally.quantiles(slip_at[p.id], SLIP_QUANTILES)
        else:  # a plan itself after the horizon: finish - inf is -inf, or NaN where finish is inf
            never = tally.sketch.finite[lay.hit_rows[hit0 + k]] < n
            slip = np.full(len(SLIP_QUANTILES), np.nan if never else -np.inf)
        row = {"id": p.id, "element": p.element,
               "planned_date": net.to_dates(np.array([p.finish]), finish=True)[0],
               "planned_from": p.source,
               # as P(by deadline): a planned date counts to the end of its day
               "prob_by_planned": float(tally.hits[hit0 + k] / n)}
        row.update({f"slip_p{round(q * 100)}": v for q, v in zip(SLIP_QUANTILES, slip)})
        rows.append(row)
    return pd.DataFrame(rows).set_index("id")


__all__ = ["QUANTILES", "SLIP_QUANTILES", "Planned", "calibration", "planned_dates",
           "planned_elements", "planned_schedule", "ratios", "reference_elements",
           "reference_quantiles"]
