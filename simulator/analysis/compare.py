"""Compare scenarios on common random numbers: paired differences with honest error bars."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from .result import Result


def _elements(results: Mapping[str, Result]) -> list[str]:
    """Initiatives and milestones present in every result, in the baseline's order."""
    base = next(iter(results.values())).network
    wanted = [*base.initiative_ids, *[i for i, k in zip(base.ids, base.kinds) if k == "milestone"]]
    for res in results.values():
        have = set(res.network.initiative_ids) | set(res.network.ids)
        wanted = [e for e in wanted if e in have]
    return wanted


def compare_results(results: Mapping[str, Result], elements: Sequence[str] | None = None) -> pd.DataFrame:
    """P50, P80 and P(by deadline) of each scenario, and paired differences to the first.

    The results must come from the same seed and iteration count, and either be
    kept whole or have been simulated to compare the elements
    (``simulate(compared=...)``: P50, P80 and a bit per iteration). Streams are
    keyed by element id, so iteration ``i`` of each scenario shares every draw
    of the elements they have in common; the differences are then paired and
    their standard errors are far smaller than those of independent runs.

    Parameters
    ----------
    results : mapping of str to Result
        The first entry is the baseline.
    elements : sequence of str, optional
        Milestones, phases or initiatives to compare, each present in every
        result; default the initiatives and milestones present in all.

    Returns
    -------
    DataFrame
        One row per element (initiatives and milestones in all scenarios) and
        scenario: ``unit``, ``p50``, ``p80`` (in that scenario's unit, from its
        own start), ``p50_date``, ``p80_date``, ``prob_by_deadline`` (against
        its own deadline); and against the baseline, compared on the calendar
        (so an overlay with another ``start`` or ``unit`` is compared fairly):
        ``p50_gain``, ``p80_gain`` in the baseline's unit and ``p50_gain_days``,
        ``p80_gain_days`` in days (positive is earlier, as in the risk
        ranking), ``prob_gain`` with ``prob_gain_se``, the paired standard error.
    """
    if len(results) < 1:
        raise ValueError("compare needs at least one result")
    first = next(iter(results.values()))
    for name, res in results.items():
        if (res.seed, res.iterations, res.sampling) != (first.seed, first.iterations, first.sampling):
            raise ValueError(f"result `{name}` was not run with the baseline's seed, iterations and "
                             "sampling; differences would not be paired")
    if elements is not None:
        for name, res in results.items():
            known = {*res.network.ids, *res.network.initiative_ids}
            missing = [e for e in elements if e not in known]
            if missing:
                raise ValueError(f"result `{name}` has no element {', '.join(map(repr, missing))}")
    rows = []
    n = first.iterations
    for element in _elements(results) if elements is None else elements:
        base_hit = first.on_time(element)
        base = first.outlook(element)
        base_days = _days_from(first, first, base[:2])
        for name, res in results.items():
            hit = base_hit if res is first else res.on_time(element)
            p50, p80, prob = base if res is first else res.outlook(element)
            dates = res.network.to_dates(np.array([p50, p80]), finish=True)
            with np.errstate(invalid="ignore"):  # both after the horizon: no gain to state
                gain_days = base_days - _days_from(first, res, np.array([p50, p80]))
            mean, se = paired_gain(hit, base_hit)
            rows.append({"id": element, "scenario": name, "unit": res.network.unit,
                         "p50": p50, "p80": p80,
                         "p50_date": dates[0], "p80_date": dates[1], "prob_by_deadline": prob,
                         "p50_gain": gain_days[0] / first.network.unit_days,
                         "p80_gain": gain_days[1] / first.network.unit_days,
                         "p50_gain_days": gain_days[0], "p80_gain_days": gain_days[1],
                         "prob_gain": mean, "prob_gain_se": se})
    return pd.DataFrame(rows)


def paired_gain(hit: np.ndarray, base_hit: np.ndarray) -> tuple[float, float]:
    """Mean of ``hit - base_hit`` over the iterations and its standard error (ddof 1).

    The differences are -1, 0 or 1, so both follow from two counts: ``a``
    iterations on time only with ``hit``, ``b`` only with ``base_hit``. The
    sum of squared deviations, ``a + b - (a - b)^2 / n``, is computed in integers
    and the variance of the mean is one division of integers, so the error is
    correctly rounded.
    """
    n = hit.size
    a = int(np.count_nonzero(hit & ~base_hit))
    b = int(np.count_nonzero(base_hit & ~hit))
    return (a - b) / n, math.sqrt((n * (a + b) - (a - b) ** 2) / (n * n * (n - 1)))


def _days_from(base: Result, res: Result, t: np.ndarray) -> np.ndarray:
    """Times of ``res`` (its unit, from its start) as days from ``base``'s start: scenarios
    with another start or unit are compared on the calendar, not on their raw times."""
    return t * res.network.unit_days + (res.network.start - base.network.start).days
