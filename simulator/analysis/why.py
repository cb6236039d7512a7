"""Why an initiative is late: its own top risk drivers, from the risk ranking by exclusion."""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

#: Columns of :func:`top_drivers`, in order.
COLUMNS = ["target", "rank", "id", "name", "category", "kind", "p50_gain_days", "p80_gain_days",
           "prob_gain"]


def top_drivers(rankings: Mapping[str, pd.DataFrame], n: int = 3) -> pd.DataFrame:
    """The ``n`` risks that move each target most, from each target's own ranking.

    Parameters
    ----------
    rankings : mapping of str to DataFrame
        Target id to its :func:`~simulator.analysis.sensitivity.risk_ranking`
        (``risk_rankings`` computes them for every initiative in one pass).
    n : int
        Drivers kept per target.

    Returns
    -------
    DataFrame
        One row per target and driver (``rank`` 1 first), columns :data:`COLUMNS`.
        Only risks that make the target later or less likely by the deadline
        are kept (a P50 or P80 gain above zero, or a P(by deadline) gain): a
        target none of the risks touches has no rows.
    """
    rows = []
    for target, ranking in rankings.items():  # read as arrays: a wide plan has hundreds
        gain = ranking[["p50_gain_days", "p80_gain_days", "prob_gain"]].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            moves = (np.nan_to_num(gain, nan=0.0, posinf=np.inf) > 0).any(axis=1)
        ids = ranking.index.to_numpy()
        text = {c: ranking[c].to_numpy() if c in ranking.columns else None
                for c in ("name", "category", "kind")}
        for rank, k in enumerate(np.flatnonzero(moves)[:n], start=1):
            rows.append({"target": target, "rank": rank, "id": ids[k],
                         "name": ids[k] if text["name"] is None else text["name"][k],
                         "category": "" if text["category"] is None else text["category"][k],
                         "kind": "" if text["kind"] is None else text["kind"][k],
                         "p50_gain_days": float(gain[k, 0]), "p80_gain_days": float(gain[k, 1]),
                         "prob_gain": float(gain[k, 2])})
    return pd.DataFrame(rows, columns=COLUMNS)
