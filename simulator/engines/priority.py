"""Priority rules: who goes first when tasks wait for the same resource.

A rule maps the deterministic plan to one value per activity (smaller first).
The key of an activity is (its place in ``priorities.order``, the rule's value
for its phase, its place in its rollout's order, the plan order of its phase,
its index); rollout units share their phase's values. Keys are static: a
scheduler deciding who goes first knows the plan, not the durations to come.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Callable

import numpy as np

from ..scenario.network import Network

from ..scenario.rollouts import RULES


def register_rule(name: str, rule: Callable[[Network, np.ndarray, np.ndarray], np.ndarray]) -> None:
    """Add a priority rule that scenarios can name in ``priorities.rule``.

    Parameters
    ----------
    name : str
    rule : callable
        ``rule(network, planned_start, planned_finish)`` returning one value per
        activity; smaller goes first. It must be deterministic.
    """
    RULES[name] = rule
    priority_positions.cache_clear()


@lru_cache(maxsize=32)
def priority_positions(net: Network) -> np.ndarray:
    """Each activity's place in the priority order (0 goes first)."""
    from .cpm import schedule  # the plan is the cpm schedule of the planned draws
    from ..sampling.draws import planned_draws
    if net.priority_rule not in RULES:
        raise ValueError(f"unknown priority rule {net.priority_rule!r}; known: {sorted(RULES)}")
    draws = planned_draws(net)
    plan = schedule(net, draws.durations(net), draws.gate_times)
    s, f = plan.start[:, 0], plan.finish[:, 0]
    value = np.asarray(RULES[net.priority_rule](net, s, f), dtype=float)
    p = net.parent
    ids = np.array(net.ids)
    by_plan = np.lexsort((ids[p], s[p]))  # plan order of the phase, then its id
    plan_pos = np.empty(net.size, dtype=np.int64)
    plan_pos[by_plan] = np.arange(net.size)
    keys = np.lexsort((np.arange(net.size), plan_pos[p], net.position, value[p], net.priority_rank))
    pos = np.empty(net.size, dtype=np.int64)
    pos[keys] = np.arange(net.size)
    return pos
