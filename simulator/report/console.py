"""Plain-text pieces of the report for the terminal: the top risks after ``veikart run``."""

from __future__ import annotations

import math

import pandas as pd

_MONTH_DAYS = 365.25 / 12


def _gain(days: float) -> str:
    if math.isnan(days):
        return "n/a (after the horizon either way)"
    if math.isinf(days):
        return "from after the horizon to within it" if days > 0 else "n/a"
    return f"{days / _MONTH_DAYS:+.1f} months ({days:+.0f} days)"


def top_risks_text(ranking: pd.DataFrame, target: str, n: int = 3) -> str:
    """The ``n`` risks with the largest exclusion gain in the target's P80, as text lines.

    Parameters
    ----------
    ranking : DataFrame
        From :func:`simulator.analysis.sensitivity.risk_ranking` (or ``ReportData.risks``).
    target : str
        The element the ranking refers to, for the heading.
    n : int

    Returns
    -------
    str
    """
    lines = [f"Top {n} risks for {target} (P80 earlier without the risk; same random numbers):"]
    if ranking.empty:
        return "\n".join([*lines, "  (the scenario has no risks)"])
    rows = ranking.head(n)
    width = min(max(len(str(i)) for i in rows.index), 36)
    for k, (rid, row) in enumerate(rows.iterrows(), start=1):
        prob = row.get("prob_gain", math.nan)
        extra = "" if pd.isna(prob) else f", P(by deadline) {prob:+.1%}"
        lines.append(f"  {k}. {str(rid)[:36]:<{width}}  P80 {_gain(float(row['p80_gain_days']))}{extra}"
                     f"  {row.get('name', '')}")
    return "\n".join(lines)
