"""``veikart compare``: scenarios on common random numbers, as text, as JSON or into a folder."""

from __future__ import annotations

import math
import platform
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis.result import Result
from .contract import AFTER_HORIZON
from .shares import number, points, share_digits, share_text, signed

#: The files ``compare --out`` writes (with ``manifest.json``), as one unit.
COMPARE_FILES = ("comparison.json", "comparison.csv")

_MONTH_DAYS = 365.25 / 12

_TEXT = {
    "en": {
        "head": "{n} iterations, seed {seed}, sampling {sampling}{mitigated}, common random numbers; "
                "baseline {base}",
        "mitigated": ", risks mitigated",
        "baseline": "{path}, the baseline:",
        "base_row": "  {id:<30} P80 {date:>10}  P(deadline) {prob:>6}",
        "against": "{path} against the baseline (P80 gain on the calendar, positive = earlier; "
                   "P(by deadline) gain with its paired standard error):",
        "row": "  {id:<30} P80 {date:>10}  gain {gain:<22}  P(deadline) {prob:>6}  {pgain} "
               "(standard error {se})",
        "months": "months", "days": "days", "after": "after hor.",
        "nan": "n/a (after the horizon either way)",
        "in": "from after the horizon to within it", "out": "from within the horizon to after it",
    },
    "nb": {
        "head": "{n} iterasjoner, frø {seed}, trekning {sampling}{mitigated}, felles tilfeldige tall; "
                "basis {base}",
        "mitigated": ", risikoer med tiltak",
        "baseline": "{path}, basis:",
        "base_row": "  {id:<30} P80 {date:>10}  P(frist) {prob:>7}",
        "against": "{path} mot basis (gevinst i P80 på kalenderen, positiv = tidligere; "
                   "gevinst i P(innen fristen) med parvis standardfeil):",
        "row": "  {id:<30} P80 {date:>10}  gevinst {gain:<25}  P(frist) {prob:>7}  {pgain} "
               "(standardfeil {se})",
        "months": "måneder", "days": "dager", "after": "etter hor.",
        "nan": "ingen (etter horisonten i begge)",
        "in": "fra etter horisonten til innenfor", "out": "fra innenfor horisonten til etter",
    },
}


def compare_command(args) -> int:
    """Carry out ``veikart compare``; return the exit code."""
    from .commands import _bad_out, _progress, _workers
    from .outdir import MANIFEST, OutputDir
    from .scenario import load_scenario
    from .sampling.streams import root_seed
    from pathlib import Path
    seen: dict[Path, str] = {}
    for path in args.files:  # a file given twice would be one scenario, silently
        key = Path(path).resolve()
        if key in seen:
            print(f"veikart: compare: {path} is given twice (as {seen[key]} too); give each "
                  "scenario once", file=sys.stderr)
            return 2
        seen[key] = path
    scenarios = {path: load_scenario(path, allow_extends_outside=args.allow_extends_outside)
                 for path in args.files}
    problem = _bad_target(scenarios, args.target) or _bad_out(args.out)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    # the folder is locked and checked before the runs, so they are not wasted on it
    with OutputDir(args.out, writes=(*COMPARE_FILES, MANIFEST)) if args.out else nullcontext() as folder:
        seed = root_seed(args.seed)
        workers, _ = _workers(getattr(args, "workers", None), args.iterations)
        from .api import common_elements
        compared = common_elements(scenarios.values()) if args.target is None else (args.target,)
        results = {}
        with _progress(args.iterations * len(scenarios)) as bar:
            for path, sc in scenarios.items():
                results[path] = simulate_one(sc, args, seed, bar.update, workers, compared)
        from .analysis.compare import compare_results
        table = compare_results(results, None if args.target is None else [args.target])
        obj = comparison_dict(results, table, args.target)
        if folder is not None:
            print(folder.said(_write(folder, obj, table)), file=sys.stderr)
    from .output import dumps
    if args.json:
        print(dumps(obj))
    else:
        print(comparison_text(results, table, args.lang))
    return 0


def simulate_one(sc, args, seed: int, progress, workers: int = 1,
                 compared: tuple[str, ...] = ()) -> Result:
    """One scenario's run for ``compare``: kept whole when short, else only what comparing
    ``compared`` needs (:func:`simulator.api.comparison_keep`)."""
    from .api import comparison_keep, simulate
    return simulate(sc, args.iterations, seed, sampling=args.sampling, mitigated=args.mitigated,
                    progress=progress, workers=workers, compared=compared,
                    keep=comparison_keep(sc, args.iterations))


def _bad_target(scenarios: dict, target: str | None) -> str | None:
    """Why the scenarios cannot be compared (on ``target``), or None."""
    from .commands import _unknown_target
    if target is not None:
        return next(filter(None, (_unknown_target(sc, target, path)
                                  for path, sc in scenarios.items())), None)
    from .api import common_elements
    if not common_elements(scenarios.values()):
        return (f"veikart: {' and '.join(scenarios)} have no initiative or milestone id in common; "
                "compare pairs elements by id, so there is nothing to compare")
    return None


def _number(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _date(d) -> str:
    return AFTER_HORIZON if pd.isna(d) else pd.Timestamp(d).date().isoformat()


def comparison_dict(results: dict[str, Result], table: pd.DataFrame, target: str | None) -> dict:
    """The ``compare --json`` object (docs/outputs-compare.md); plain JSON values only."""
    from .api import scenario_hash
    first = next(iter(results.values()))
    scenarios = [{"file": path, "name": r.network.name, "version": r.network.version,
                  "start": r.network.start.isoformat(), "deadline": r.network.deadline.isoformat(),
                  "unit": r.network.unit, "scenario_sha256": scenario_hash(r.scenario)}
                 for path, r in results.items()]
    rows = [{"id": row["id"], "scenario": row["scenario"], "unit": row["unit"],
             "p50": _number(row["p50"]), "p80": _number(row["p80"]),
             "p50_date": _date(row["p50_date"]), "p80_date": _date(row["p80_date"]),
             "prob_by_deadline": float(row["prob_by_deadline"]),
             **{k: _number(row[k]) for k in ("p50_gain", "p80_gain", "p50_gain_days", "p80_gain_days",
                                             "prob_gain", "prob_gain_se")}}
            for _, row in table.iterrows()]
    return {"baseline": next(iter(results)), "scenarios": scenarios,
            "iterations": first.iterations, "seed": first.seed, "sampling": first.sampling,
            "mitigated": first.mitigated, "target": target, "gain_unit": first.network.unit,
            "comparison": rows}


def _write(folder, obj: dict, table: pd.DataFrame) -> list[Path]:
    """comparison.json, comparison.csv and manifest.json into the stage, then committed whole."""
    from . import __version__
    from .output import csv_safe, dumps, write_text
    stage = folder.stage
    csv = csv_safe(table).to_csv(index=False, date_format="%Y-%m-%d", float_format="%.10g")
    head = {"command": "compare", **{k: obj[k] for k in ("baseline", "iterations", "seed", "sampling",
                                                          "mitigated", "target")},
            "scenarios": [{"file": s["file"], "scenario_sha256": s["scenario_sha256"]}
                          for s in obj["scenarios"]],
            "versions": {"veikart": __version__, "numpy": np.__version__,
                         "pandas": pd.__version__, "python": platform.python_version()}}
    write_text(stage / "comparison.json", dumps(obj))
    write_text(stage / "comparison.csv", csv)
    write_text(stage / "manifest.json", dumps(head))
    return folder.commit()


def calendar_gain(days: float, lang: str) -> str:
    """A P80 gain in days as months and days, in ``lang``; after-the-horizon cases in words."""
    t = _TEXT[lang]
    if math.isnan(days):
        return t["nan"]
    if math.isinf(days):
        return t["in"] if days > 0 else t["out"]
    return (f"{signed(days / _MONTH_DAYS, lang, 1)} {t['months']} "
            f"({signed(days, lang, 0)} {t['days']})")


def _estimate(p: float, n: int, lang: str):
    """A simulated share as ``run`` and the report print it: with its interval's digits."""
    from .analysis.stats import proportion
    return share_text(*proportion(np.array([round(p * n)]), n)[0], lang)


def _digits(x: float, at_least: int) -> int:
    return max(at_least, share_digits(differences=(x,)) if math.isfinite(x) else at_least)


def _p80_date(row, t: dict) -> str:
    return t["after"] if pd.isna(row["p80_date"]) else pd.Timestamp(row["p80_date"]).date().isoformat()


def comparison_text(results: dict[str, Result], table: pd.DataFrame, lang: str = "en") -> str:
    """The comparison as the terminal shows it, in ``lang`` (``nb`` or ``en``)."""
    t = _TEXT[lang]
    first = next(iter(results.values()))
    files = list(results)
    lines = [t["head"].format(n=number(first.iterations, lang, 0), seed=first.seed, base=files[0],
                              sampling=first.sampling,
                              mitigated=t["mitigated"] if first.mitigated else "")]
    lines += ["", t["baseline"].format(path=files[0])]  # what the gains are measured from
    for _, row in table[table["scenario"] == files[0]].iterrows():
        lines.append(t["base_row"].format(
            id=str(row["id"])[:30], date=_p80_date(row, t),
            prob=_estimate(row["prob_by_deadline"], first.iterations, lang).estimate))
    for path in files[1:]:
        lines += ["", t["against"].format(path=path)]
        for _, row in table[table["scenario"] == path].iterrows():
            lines.append(t["row"].format(
                id=str(row["id"])[:30], date=_p80_date(row, t), gain=calendar_gain(float(row["p80_gain_days"]), lang),
                prob=(est := _estimate(row["prob_by_deadline"], first.iterations, lang)).estimate,
                # a gain and its error never with fewer decimals than the share they change
                pgain=points(row["prob_gain"], lang, digits=_digits(row["prob_gain"], est.digits)),
                se=points(row["prob_gain_se"], lang, sign=False,
                          digits=_digits(row["prob_gain_se"], est.digits))))
    return "\n".join(lines)


__all__ = ["COMPARE_FILES", "comparison_dict", "comparison_text", "compare_command"]
