"""The deterministic plan as a table: one row per phase, milestone and initiative, with dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..scenario.models import Scenario
from ..scenario.network import Network
from .critical import driving_path


def plan_table(scenario: Scenario | Network) -> pd.DataFrame:
    """The deterministic plan (most-likely durations, no risk fires, funding at the first
    decision, blackouts and not-before dates applied), as ``veikart validate`` shows it.

    Parameters
    ----------
    scenario : Scenario or Network

    Returns
    -------
    DataFrame
        Index ``id`` (phases and milestones in scenario order, then initiatives),
        columns ``element`` (phase, milestone, initiative), ``kind``,
        ``initiative``, ``name``, ``start`` and ``finish`` (in the scenario
        unit from its start; ``inf`` after the horizon), ``start_date`` and
        ``finish_date`` (NaT after the horizon; a start is never shown after
        its finish), ``driver`` (the predecessor that sets the start, or
        None) and ``critical`` (on the driving path to the scenario's target).
    """
    from ..api import plan
    from ..scenario.compile import compile_scenario
    net = compile_scenario(scenario) if isinstance(scenario, Scenario) else scenario
    sched = plan(net)
    start, finish = sched.start[:, 0], sched.finish[:, 0]
    members = net.initiative_members
    ini_start = np.array([start[m].min() for m in members])
    ini_finish = np.array([finish[m].max() for m in members])
    all_start, all_finish = np.concatenate([start, ini_start]), np.concatenate([finish, ini_finish])
    drv = sched.driver[:, 0]
    k = len(net.initiative_ids)
    frame = pd.DataFrame({
        "id": [*net.ids, *net.initiative_ids],
        "element": ["milestone" if x == "milestone" else "phase" for x in net.kinds] + ["initiative"] * k,
        "kind": [None if x == "milestone" else x for x in net.kinds] + [None] * k,
        "initiative": [net.initiative_ids[i] if i >= 0 else None for i in net.initiative_of]
                      + list(net.initiative_ids),
        "name": [*net.names, *net.initiative_names],
        "start": all_start, "finish": all_finish,
        "start_date": net.to_dates(all_start, until=all_finish),
        "finish_date": net.to_dates(all_finish, finish=True),
        "driver": [net.ids[d] if d >= 0 else None for d in drv] + [None] * k,
        "critical": np.concatenate([driving_path(net, sched, net.target)[:, 0], np.zeros(k, dtype=bool)]),
    })
    return frame.set_index("id")
