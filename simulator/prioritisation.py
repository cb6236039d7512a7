"""The outcome of a prioritisation: ranked candidates, the recommended order and its gains."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from .analysis import selection as sel
from .analysis import stats
from .scenario.candidates import Candidate
from .scenario.models import Scenario
from .scenario.network import Network


@dataclass(eq=False)
class Arm:
    """A candidate order being evaluated: its scenario, network and metrics so far."""

    candidate: Candidate
    role: str                  # candidate, baseline, or candidate+baseline
    scenario: Scenario
    network: Network
    engine: str
    metrics: np.ndarray        # (4, iterations run so far); rows as selection.FINISH ...
    status: str = "finalist"

    @property
    def n(self) -> int:
        """Iterations run so far."""
        return self.metrics.shape[1]


@dataclass(frozen=True, eq=False)
class Prioritisation:
    """What :func:`simulator.prioritise` found.

    Attributes
    ----------
    objective : Objective
    seed : int
        The root seed every candidate ran with.
    iterations : int
        Iterations of every finalist.
    method : str
        ``every candidate`` or ``local search over swaps``.
    table : DataFrame
        One row per order evaluated, best first; see :func:`build_result`.
    best : Candidate
        The recommended order.
    gains : DataFrame
        The recommended order's paired gain over the scenario's own order and
        over plan-order, with 95 % intervals and a verdict.
    metrics : dict
        Per-iteration metrics of each order, by ``(order, rule)``.
    unit : str
        Unit of the objective: the benefits' unit, the scenario's time unit, or "" for P(target).
    """

    objective: sel.Objective
    seed: int
    iterations: int
    method: str
    table: pd.DataFrame
    best: Candidate
    gains: pd.DataFrame
    metrics: dict = field(repr=False)
    unit: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready object: plain numbers, ``null`` for what is not one."""
        def num(x):
            return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else x

        def cell(k, v):
            if k in ("rank", "iterations"):  # whole numbers; a rank is null for a dropped order
                return None if pd.isna(v) else int(v)
            return num(float(v)) if isinstance(v, (float, np.floating)) else v

        def rows(frame: pd.DataFrame) -> list[dict]:
            return [{k: cell(k, v) for k, v in r.items()} for r in frame.to_dict("records")]
        return {"objective": self.objective.name, "objective_label": self.objective.label,
                "unit": self.unit, "seed": self.seed, "iterations": self.iterations, "method": self.method,
                "recommended": {"name": self.best.label, "order": list(self.best.order),
                                "rule": self.best.rule},
                "gains": rows(self.gains), "candidates": rows(self.table)}


def _stat_interval(x: np.ndarray, obj: sel.Objective) -> tuple[float, float, float]:
    if obj.quantile is not None:
        est, lo, hi = stats.percentiles(x[None, :], (100 * obj.quantile,))[0, 0]
        return float(est), float(lo), float(hi)
    mean = float(x.mean())
    half = float(special.ndtri(0.5 + stats.LEVEL / 2) * x.std(ddof=1) / math.sqrt(x.size))
    return mean, mean - half, mean + half


def _gain(a: np.ndarray, b: np.ndarray, obj: sel.Objective, seed: int) -> tuple[float, float, float]:
    """Paired gain of ``a`` over ``b`` on the iterations both have."""
    n = min(a.size, b.size)
    a, b = a[:n], b[:n]
    boot = None
    if obj.quantile is not None:
        both = sel.resampled(np.array([a, b]), obj, sel.bootstrap_rng(seed))
        boot = (both[:, 0], both[:, 1])
    return sel.paired_gain(a, b, obj, boot=boot)


def build_result(arms: list[Arm], obj: sel.Objective, seed: int, iterations: int, method: str,
                 own_key: tuple, plan_key: tuple, unit: str = "") -> Prioritisation:
    """Rank the orders evaluated and state the recommended one's gains.

    The table has, per order: ``name``, ``order``, ``rule``, ``role``,
    ``iterations``, ``status``, ``objective`` with ``objective_lo`` and
    ``objective_hi`` (95 %), ``p_target`` (P(target by the deadline)),
    ``gain`` over the scenario's own order with ``gain_lo``, ``gain_hi`` and
    ``verdict`` (a gain is called one only when its interval excludes 0),
    ``p_best`` (bootstrap; 0 for an order dropped by racing) and ``rank``
    (1 + the number of finalists better than it with confidence; ties share).
    """
    by_key = {a.candidate.key: a for a in arms}
    own, plan = by_key[own_key], by_key[plan_key]
    finals = [a for a in arms if a.n == iterations and a.status == "finalist"]
    values = np.array([obj.value(a.metrics) for a in finals])
    boot = sel.resampled(values, obj, sel.bootstrap_rng(seed))
    p_best = sel.p_best(boot, obj)
    rank = sel.ranks(values, obj, boot if obj.quantile is not None else None)
    own_vals = obj.value(own.metrics)
    rows = []
    for a in arms:
        x = obj.value(a.metrics)
        est, lo, hi = _stat_interval(x, obj)
        g = (0.0, 0.0, 0.0) if a is own else _gain(x, own_vals, obj, seed)
        k = next((i for i, f in enumerate(finals) if f is a), None)
        rows.append({"_i": len(rows), "name": a.candidate.label, "order": " > ".join(a.candidate.order),
                     "rule": a.candidate.rule, "role": a.role, "iterations": a.n, "status": a.status,
                     "objective": est, "objective_lo": lo, "objective_hi": hi,
                     "p_target": float(a.metrics[sel.HIT].mean()),
                     "gain": g[0], "gain_lo": g[1], "gain_hi": g[2], "verdict": sel.verdict(g[1], g[2]),
                     "p_best": float(p_best[k]) if k is not None else 0.0,
                     "rank": int(rank[k]) if k is not None else np.nan})
    table = pd.DataFrame(rows)
    table["_key"] = [obj.sign * v if np.isfinite(v) else -np.inf for v in table["objective"]]
    table["_own"] = [a is not own for a in arms]  # on a tie, keep the scenario's own order
    table["_final"] = [a.status != "finalist" for a in arms]
    table = table.sort_values(["_final", "rank", "_key", "_own"], ascending=[True, True, False, True],
                              kind="stable").drop(columns=["_key", "_own", "_final"])
    best_arm = arms[int(table["_i"].iloc[0])]
    table = table.drop(columns="_i").reset_index(drop=True)
    bx = obj.value(best_arm.metrics)
    gains = []
    for name, base in (("scenario's order", own), ("plan-order", plan)):
        g = (0.0, 0.0, 0.0) if base is best_arm else _gain(bx, obj.value(base.metrics), obj, seed)
        gains.append({"over": name, "gain": g[0], "gain_lo": g[1], "gain_hi": g[2],
                      "verdict": sel.verdict(g[1], g[2])})
    metrics = {a.candidate.key: a.metrics for a in arms}
    return Prioritisation(obj, seed, iterations, method, table, best_arm.candidate,
                          pd.DataFrame(gains), metrics, unit)
