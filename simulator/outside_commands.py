"""What ``veikart calibrate`` does and prints: the inside view's ratios beside the outside view's."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd

from .analysis.calibrate import calibration
from .analysis.result import Result
from .api import simulate
from .scenario import load_scenario


def _ratio(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "-"
    return "after hor." if np.isinf(x) else f"{x:.2f}"


def _day(d) -> str:
    return "after hor." if pd.isna(d) else pd.Timestamp(d).date().isoformat()


def calibration_text(result: Result, table: pd.DataFrame | None = None) -> str:
    """The calibration table as text: one row per element, flagged rows marked.

    Parameters
    ----------
    result : Result
    table : DataFrame, optional
        From :func:`simulator.analysis.calibrate.calibration` (computed if not given).
    """
    table = calibration(result) if table is None else table
    rc = result.scenario.reference_class
    lines = []
    if rc is None:
        lines.append("The scenario has no `reference_class:`; only the inside view is shown.")
    else:
        lines += [f"Reference class: {rc.name}", f"  source: {' '.join(rc.source.split())}"]
    lines.append("Ratio actual/planned duration: inside view (this scenario) and outside view "
                 "(the reference class).")
    lines.append("Planned: the scenario's own `planned:` date (*), else the deterministic plan.")
    width = min(max([len(str(i)) for i in table.index] + [10]), 30)
    head = (f"{'element':<{width}} {'planned':>11}   {'inside P50':>10} {'P80':>6} {'P90':>6}"
            f"   {'outside P50':>11} {'P80':>6} {'P90':>6}")
    lines += ["", head, "-" * len(head)]
    for x, row in table.iterrows():
        mark = "*" if row["planned_from"] == "scenario" else " "
        flag = "  <- more optimistic than the outside view at P80" if row["optimistic"] else ""
        lines.append(f"{str(x)[:width]:<{width}} {_day(row['planned_date']):>10}{mark}   "
                     f"{_ratio(row['inside_p50']):>10} {_ratio(row['inside_p80']):>6} "
                     f"{_ratio(row['inside_p90']):>6}   {_ratio(row['reference_p50']):>11} "
                     f"{_ratio(row['reference_p80']):>6} {_ratio(row['reference_p90']):>6}{flag}")
    n = int(table["optimistic"].sum())
    lines += ["", f"{n} of {len(table)} flagged: inside-view P80 ratio below the reference "
              "class's." if rc is not None else ""]
    return "\n".join(lines).rstrip()


def calibrate_command(args) -> int:
    """Carry out ``veikart calibrate``; return the exit code."""
    sc = load_scenario(args.file)
    # the ratios' quantiles come from the run's tally: no iteration need be kept
    result = simulate(sc, args.iterations, args.seed, mitigated=args.mitigated, keep="summary")
    print(f"{result.network.name} (version {result.network.version}): {result.iterations:,} "
          f"iterations, seed {result.seed}{', mitigated' if result.mitigated else ''}",
          file=sys.stdout)
    print(calibration_text(result))
    return 0


__all__ = ["calibrate_command", "calibration_text"]
