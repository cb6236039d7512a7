"""The JSON object of the CLI contract, built from a Result with plain Python values."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from .analysis.result import Result

#: How a date after the horizon is written: never as a number.
AFTER_HORIZON = "after-horizon"


def _number(x: float) -> float | None:
    """A finite float, or None (JSON null) for a value that is not a number."""
    x = float(x)
    return x if math.isfinite(x) else None


def _date(d) -> str:
    return AFTER_HORIZON if pd.isna(d) else pd.Timestamp(d).date().isoformat()


def result_to_dict(result: "Result") -> dict:
    """Build the ``--json`` object described in DESIGN.md.

    Times are in the scenario unit from the start date. A statistic that is
    not a finite number (the element may never start within the horizon) is
    ``null``, and such a date is ``"after-horizon"``.
    """
    net = result.network
    wide = result.summary("wide")
    keys = [f"p{p:g}" for p in net.percentiles]
    # column by column, not row by row: a wide plan has thousands of elements
    col = {c: wide[c].tolist() for c in ["element", "kind", "finish_mean", "finish_std",
                                         "prob_by_deadline", *(f"finish_{k}" for k in keys),
                                         *(f"finish_date_{k}" for k in keys)]}
    activities = []
    for j, element_id in enumerate(wide.index):
        finish = {"mean": _number(col["finish_mean"][j]), "std": _number(col["finish_std"][j])}
        finish |= {k: _number(col[f"finish_{k}"][j]) for k in keys}
        kind = col["kind"][j]
        activities.append({
            "id": element_id,
            "element": col["element"][j],
            "kind": None if pd.isna(kind) else kind,
            "finish": finish,
            "finish_date": {k: _date(col[f"finish_date_{k}"][j]) for k in keys},
            "prob_by_deadline": float(col["prob_by_deadline"][j]),
        })
    out = {
        "scenario": {"name": net.name, "version": net.version, "start": net.start.isoformat(),
                     "deadline": net.deadline.isoformat(), "unit": net.unit},
        "iterations": result.iterations,
        "seed": result.seed,
        "engine": result.engine,
        "sampling": result.sampling,
        "mitigated": result.mitigated,
        "activities": activities,
    }
    from .analysis.benefits import benefits_dict
    return out | _capacity(result) | benefits_dict(result) | _outside_view(result, activities)


def _capacity(result: "Result") -> dict:
    """``rollouts`` and ``resources`` (docs/outputs-capacity.md), each only when the run
    has them."""
    from .analysis import rollouts as ro
    net, out = result.network, {}
    keys = [f"p{p:g}" for p in net.percentiles]
    if net.rollouts:
        table = ro.coverage_summary(result)
        out["rollouts"] = [{
            "id": rid,
            "name": row["name"],
            "units": int(row["units"]),
            "time_to_coverage": {
                f"{x * 100:g}": {k: _number(row[f"time_to_{x * 100:g}_{k}"]) for k in keys}
                | {f"date_{k}": _date(row[f"time_to_{x * 100:g}_date_{k}"]) for k in keys}
                for x in ro.TIME_LEVELS},
            "prob_coverage_by_deadline": {
                f"{x * 100:g}": float(row[f"prob_{x * 100:g}_by_deadline"]) for x in ro.PROB_LEVELS},
        } for rid, row in table.iterrows()]
    waits = ro.waiting(result).resources
    if len(waits):
        out["resources"] = [{"id": rid, "name": row["name"], "mean_wait": _number(row["mean_wait"]),
                             "mean_wait_days": _number(row["mean_wait_days"]),
                             "peak_mean_busy": _number(row["peak_mean_busy"])}
                            for rid, row in waits.iterrows()]
    return out


def _outside_view(result: "Result", activities: list[dict]) -> dict:
    """Add ``planned`` to each initiative (and each milestone with a ``planned:`` date), in
    place, and return ``reference_class`` when the scenario has one (docs/design.md)."""
    from .analysis import calibrate as cal
    table = cal.planned_dates(result)
    ratio = cal.calibration(result)
    for act in activities:
        if act["id"] not in table.index:
            continue
        row = table.loc[act["id"]]
        act["planned"] = {
            "date": _date(row["planned_date"]), "from": row["planned_from"],
            "prob_by_planned": float(row["prob_by_planned"]),
            "slip": {f"p{round(q * 100)}": _number(row[f"slip_p{round(q * 100)}"])
                     for q in cal.SLIP_QUANTILES}}
        if act["id"] in ratio.index:
            r = ratio.loc[act["id"]]
            act["planned"]["ratio"] = {f"p{round(q * 100)}": _number(r[f"inside_p{round(q * 100)}"])
                                       for q in cal.QUANTILES}
            act["planned"]["optimistic"] = bool(r["optimistic"])
    rc = result.scenario.reference_class
    if rc is None:
        return {}
    ref = cal.reference_quantiles(result.scenario)
    return {"reference_class": {"name": rc.name, "source": rc.source,
                                "ratio": {f"p{round(q * 100)}": float(v)
                                          for q, v in zip(cal.QUANTILES, ref)}}}

