"""Benefits of a run: value realised by the deadline and its present value, per iteration.

A rate ``r`` (value per month) of an initiative flows from the iteration's
finish of the initiative; of a rollout phase, unit ``j`` of weight ``w_j``
brings ``r w_j / W`` from its own finish, so the benefit grows with the
weighted coverage curve. With a ramp-up of ``R`` months each flow rises
linearly from 0 to its full rate over ``R`` months. Work that never finishes
within the horizon brings nothing.

Discounting is continuous at the real yearly rate ``d``: value at time ``t``
(years from the start date) counts ``(1 + d) ** -t``. The *present value*
sums the flow up to the end of the benefits' horizon; the value *by the
deadline* sums it, undiscounted, up to the end of the deadline day. Both are
closed forms (:func:`flow_value`).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from . import stats

if TYPE_CHECKING:
    from ..engines.cpm import Schedule
    from ..scenario.models import Scenario
    from ..scenario.network import Network
    from .result import Result

MONTH_DAYS = 365.25 / 12
#: Percentiles of the benefit tables.
PERCENTILES = (10.0, 50.0, 90.0)


def flow_value(start: np.ndarray, end: float, per_month: float, k: float, ramp: float) -> np.ndarray:
    """Value of a flow of ``per_month`` from ``start`` (months) to ``end``, discounted.

    Parameters
    ----------
    start : ndarray
        Months from the data date when the flow begins (``inf``: never).
    end : float
        Months from the data date when valuing stops.
    per_month : float
        Full rate.
    k : float
        Continuous discount rate per month, ``ln(1 + d) / 12`` (0: undiscounted).
    ramp : float
        Months to reach the full rate, linearly from 0.

    Returns
    -------
    ndarray
        ``per_month * ∫_start^end ramp(t) exp(-k t) dt``.
    """
    if k < _TINY:  # below this the discount changes no digit that matters: no underflow games
        k = 0.0
    a = np.minimum(np.asarray(start, dtype=float), end)  # inf and late starts bring nothing
    if ramp <= 0:
        return per_month * _step(a, end, k)
    # a linear ramp is the average of steps starting over [a, a + ramp]
    span = np.minimum(ramp, end - a)  # not (a + ramp) - a: a tiny ramp would lose its digits
    return per_month * _step_integral(a, span, end, k) / ramp


#: Monthly discount rates below this count as 0 (relative effect < 1e-9 over 1,000 years).
_TINY = 1e-13


def _step(a: np.ndarray, h: float, k: float) -> np.ndarray:
    """∫_a^h exp(-k t) dt for a <= h."""
    if k == 0:
        return h - a
    return np.exp(-k * a) * -np.expm1(-k * (h - a)) / k


def _phi1(x: np.ndarray) -> np.ndarray:
    """(1 - e^-x) / x, 1 at 0."""
    safe = np.where(x > 0, x, 1.0)
    return np.where(x > 0, -np.expm1(-safe) / safe, 1.0)


def _psi(x: np.ndarray) -> np.ndarray:
    """(e^-x - 1 + x) / x², 1/2 at 0; by its series where the direct form would cancel."""
    safe = np.where(x > 1e-3, x, 1.0)
    direct = (np.expm1(-safe) + safe) / safe ** 2
    series = 0.5 - x / 6 + x ** 2 / 24 - x ** 3 / 120
    return np.where(x > 1e-3, direct, series)


def _step_integral(a: np.ndarray, span: np.ndarray, h: float, k: float) -> np.ndarray:
    """∫_a^(a + span) _step(u, h) du for a + span <= h.

    With ``L = span`` and ``M = h - a`` it is ``e^(-ka) L (M φ1(kM) - L ψ(kL))``,
    which has no cancellation as ``k`` goes to 0 (where it is ``L (M - L/2)``).
    """
    rest = h - a
    if k == 0:
        return span * (rest - span / 2)
    return np.exp(-k * a) * span * (rest * _phi1(k * rest) - span * _psi(k * span))


@dataclass(frozen=True)
class BenefitSamples:
    """Per-iteration benefits of a run, one row per rate of ``benefits.rates``."""

    ids: tuple[str, ...]          # the `of` of each rate
    names: tuple[str, ...]
    unit: str
    by_deadline: np.ndarray       # (rates, iterations), undiscounted, to the end of the deadline day
    present_value: np.ndarray     # (rates, iterations), discounted to the start date, to the horizon
    horizon: dt.date
    discount_rate: float
    note: str | None = None       # where the rates come from (``benefits.note``), shown with them

    @property
    def total_by_deadline(self) -> np.ndarray:
        """The sum over rates, per iteration."""
        return self.by_deadline.sum(axis=0)

    @property
    def total_present_value(self) -> np.ndarray:
        """The sum over rates, per iteration."""
        return self.present_value.sum(axis=0)


def _in_use(net: "Network", sched: "Schedule", of: str) -> tuple[np.ndarray, np.ndarray]:
    """Go-live times (rows) and their weights (summing to 1) of an initiative or rollout."""
    for r in net.rollouts:
        if r.id == of:
            return sched.finish[r.units], r.weights / r.weights.sum()
    k = net.initiative_ids.index(of)
    return sched.finish[net.initiative_members[k]].max(axis=0)[None, :], np.ones(1)


def benefit_samples(scenario: "Scenario", net: "Network", sched: "Schedule") -> BenefitSamples | None:
    """Benefits per rate and iteration, or None when the scenario has no ``benefits:``.

    Parameters
    ----------
    scenario : Scenario
        Its ``benefits:`` section.
    net : Network
        The network the schedule was made on.
    sched : Schedule
    """
    from ..scenario.rules import horizon as scenario_horizon
    b = scenario.benefits
    if b is None:
        return None
    horizon = b.horizon or scenario_horizon(scenario.scenario)
    months = net.unit_days / MONTH_DAYS
    end = min(net.to_time(horizon + dt.timedelta(days=1)), net.horizon) * months
    deadline = net.deadline_time * months
    k = float(np.log1p(b.discount_rate)) / 12
    n = sched.finish.shape[1]
    by_deadline, pv = np.zeros((len(b.rates), n)), np.zeros((len(b.rates), n))
    for row, rate in enumerate(b.rates):
        times, weights = _in_use(net, sched, rate.of)
        for t, w in zip(times * months, weights):
            by_deadline[row] += w * flow_value(t, deadline, rate.per_month, 0.0, rate.ramp_up)
            pv[row] += w * flow_value(t, end, rate.per_month, k, rate.ramp_up)
    return BenefitSamples(tuple(r.of for r in b.rates), tuple(r.name or r.of for r in b.rates),
                          b.unit, by_deadline, pv, horizon, float(b.discount_rate), b.note)


def result_benefits(result: "Result") -> BenefitSamples | None:
    """:func:`benefit_samples` of a finished run that kept every iteration."""
    if result.scenario.benefits is None:
        return None
    return benefit_samples(result.scenario, result.network,
                           result.whole("per-iteration benefits").schedule)


def _about(result: "Result") -> BenefitSamples | None:
    """What a run's benefits are (rates, unit, discounting, note), with no samples."""
    empty = result.schedule.columns(0, 0)
    return benefit_samples(result.scenario, result.network, empty)


def benefit_table(result: "Result") -> pd.DataFrame | None:
    """:func:`benefit_summary` of a run, from its tally (so for a run that kept only its
    first iterations too); None without ``benefits:``."""
    if result.scenario.benefits is None:
        return None
    about = _about(result)
    tally, n = result.tally, result.iterations
    block = tally.layout.blocks["benefit"]
    rows = np.arange(block.start, block.stop)
    mean, std = tally.mean_std(rows)
    pct = tally.percentiles(rows, PERCENTILES)
    z = special.ndtri(0.5 + stats.LEVEL / 2)
    ids = [*about.ids, "total"]
    names = [*about.names, "Total"]
    out = []
    for q, quantity in enumerate(("by_deadline", "present_value")):
        for k, (i, nm) in enumerate(zip(ids, names)):
            r = q * len(ids) + k
            half = float(z * std[r] / np.sqrt(n))
            row = {"id": i, "quantity": quantity, "name": nm, "mean": float(mean[r]),
                   "mean_lo": float(mean[r]) - half, "mean_hi": float(mean[r]) + half}
            for p, (est, lo, hi) in zip(PERCENTILES, pct[r]):
                row |= {f"p{p:g}": float(est), f"p{p:g}_lo": float(lo), f"p{p:g}_hi": float(hi)}
            out.append(row)
    order = {(i, q): j for j, (i, q) in enumerate((i, q) for i in ids
                                                   for q in ("by_deadline", "present_value"))}
    out.sort(key=lambda row: order[(row["id"], row["quantity"])])  # benefit_summary's order
    return pd.DataFrame(out).set_index(["id", "quantity"])


def describe(x: np.ndarray) -> dict[str, float]:
    """Mean with a 95 % interval, and P10/P50/P90 with order-statistic intervals, of a sample."""
    n = x.size
    z = special.ndtri(0.5 + stats.LEVEL / 2)
    mean = float(x.mean())
    half = float(z * x.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    out = {"mean": mean, "mean_lo": mean - half, "mean_hi": mean + half}
    pct = stats.percentiles(x[None, :], PERCENTILES)[0]
    for p, (est, lo, hi) in zip(PERCENTILES, pct):
        out |= {f"p{p:g}": float(est), f"p{p:g}_lo": float(lo), f"p{p:g}_hi": float(hi)}
    return out


def benefit_summary(samples: BenefitSamples) -> pd.DataFrame:
    """One row per rate and one for the total, per quantity.

    Returns
    -------
    DataFrame
        Index ``(id, quantity)`` with quantity ``by_deadline`` or
        ``present_value``; columns ``name``, ``mean``, ``mean_lo``, ``mean_hi``
        and ``p10``, ``p50``, ``p90`` each with ``_lo`` and ``_hi``.
    """
    rows = []
    parts = [(i, nm, samples.by_deadline[k], samples.present_value[k])
             for k, (i, nm) in enumerate(zip(samples.ids, samples.names))]
    parts.append(("total", "Total", samples.total_by_deadline, samples.total_present_value))
    for i, nm, dl, pv in parts:
        rows.append({"id": i, "quantity": "by_deadline", "name": nm, **describe(dl)})
        rows.append({"id": i, "quantity": "present_value", "name": nm, **describe(pv)})
    return pd.DataFrame(rows).set_index(["id", "quantity"])


def benefits_dict(result: "Result") -> dict:
    """The additive ``benefits`` object of the JSON contract, or {} without ``benefits:``."""
    samples = _about(result)
    if samples is None:
        return {}
    table = benefit_table(result)
    keys = [c for c in table.columns if c != "name"]

    def stat(i: str, q: str) -> dict:
        return {c: _num(table.loc[(i, q), c]) for c in keys}

    return {"benefits": {
        "unit": samples.unit, "discount_rate": samples.discount_rate,
        "horizon": samples.horizon.isoformat(), "deadline": result.network.deadline.isoformat(),
        "note": samples.note,
        "rates": [{"of": i, "name": nm, "by_deadline": stat(i, "by_deadline"),
                   "present_value": stat(i, "present_value")}
                  for i, nm in zip(samples.ids, samples.names)],
        "total": {"by_deadline": stat("total", "by_deadline"),
                  "present_value": stat("total", "present_value")},
    }}


def _num(x) -> float | None:
    x = float(x)
    return x if np.isfinite(x) else None


def benefits_text(result: "Result") -> str:
    """Lines for the terminal: total benefit by the deadline and present value, or ''."""
    samples = _about(result)
    if samples is None:
        return ""
    t = benefit_table(result)
    u = samples.unit
    lines = textwrap.wrap(f"Benefits ({u}; present value at {samples.discount_rate:.1%} a year to "
                          f"{samples.horizon}, by the deadline undiscounted): means, the 95 % "
                          "interval of the mean in [ ], and the spread over iterations as P10 and "
                          "P90:", 96, subsequent_indent="  ")
    if samples.note:  # e.g. "illustrative assumptions": it must travel with the figures
        lines += textwrap.wrap(f"Note: {samples.note}", 96, initial_indent="  ", subsequent_indent="    ")
    width = max(len(i) for i in (*samples.ids, "total"))
    for i in (*samples.ids, "total"):
        d, p = t.loc[(i, "by_deadline")], t.loc[(i, "present_value")]
        lines.append(f"  {i:<{width}}  by deadline {d['mean']:9.1f} [{d['mean_lo']:.1f}, {d['mean_hi']:.1f}]"
                     f" (P10 {d['p10']:.1f}, P90 {d['p90']:.1f})"
                     f"  present value {p['mean']:9.1f} [{p['mean_lo']:.1f}, {p['mean_hi']:.1f}]"
                     f" (P10 {p['p10']:.1f}, P90 {p['p90']:.1f})")
    return "\n".join(lines)
