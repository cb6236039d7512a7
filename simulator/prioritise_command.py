"""``veikart prioritise``: what it prints and the files it writes."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pandas as pd

from .analysis.stats import percent_digits
from .prioritisation import Prioritisation
from .report.prioritering import PRIORITISE_FILES


def _pct(p: float) -> str:
    return f"{p:.{percent_digits(p, 1)}%}"


def _num(x: float, objective) -> str:
    if pd.isna(x):
        return "n/a"
    return _pct(x) if objective.name == "p-target" else f"{x:.2f}"


def _gain(g: float, lo: float, hi: float, verdict: str, objective) -> str:
    if objective.name == "p-target":
        return f"{g:+.1%} [{lo:+.1%}, {hi:+.1%}] {verdict}"
    return f"{g:+.2f} [{lo:+.2f}, {hi:+.2f}] {verdict}"


def prioritisation_text(p: Prioritisation, unit: str | None = None, top: int = 15) -> str:
    """The ranked table, the recommended order and its gains, as terminal lines.

    Parameters
    ----------
    p : Prioritisation
    unit : str, optional
        Unit of the objective, for the heading; default ``p.unit``.
    top : int
        Rows of the table shown.
    """
    o = p.objective
    t = p.table
    unit = p.unit if unit is None else unit
    head = (f"Objective: {o.label}{f' ({unit})' if unit else ''}, "
            f"{'higher' if o.sign > 0 else 'lower'} is better; {p.iterations:,} iterations per "
            f"finalist, seed {p.seed}, {p.method} ({len(t)} orders), common random numbers.")
    width = min(max(len(str(n)) for n in t["name"]), 44)
    cols = (f"{'rank':>4}  {'order':<{width}}  {'objective [95 %]':>26}  {'P(target)':>9}  "
            f"{'P(best)':>7}  gain over the scenario's order [95 %]")
    lines = [head, "", cols, "-" * len(cols)]
    for _, r in t.head(top).iterrows():
        rank = "-" if pd.isna(r["rank"]) else f"{int(r['rank'])}"
        obj = f"{_num(r['objective'], o)} [{_num(r['objective_lo'], o)}, {_num(r['objective_hi'], o)}]"
        note = "" if r["status"] == "finalist" else f"  ({r['status']})"
        lines.append(f"{rank:>4}  {str(r['name'])[:width]:<{width}}  {obj:>26}  {_pct(r['p_target']):>9}  "
                     f"{_pct(r['p_best']):>7}  {_gain(r['gain'], r['gain_lo'], r['gain_hi'], r['verdict'], o)}"
                     f"{note}")
    if len(t) > top:
        lines.append(f"  ... {len(t) - top} more in prioritisation.csv")
    best = p.best
    lines += ["", f"Recommended order: {best.label} (then rule {best.rule})"]
    for _, g in p.gains.iterrows():
        lines.append(f"  over {g['over']}: {_gain(g['gain'], g['gain_lo'], g['gain_hi'], g['verdict'], o)}")
    lines.append(f"  P(it is the best of the orders evaluated): {_pct(float(t.iloc[0]['p_best']))}")
    if all(p.gains["verdict"] != "better"):
        lines.append("  No order beats the scenario's own order or plan-order with confidence.")
    return "\n".join(lines)


def write_prioritisation(p: Prioritisation, out: str | Path) -> list[Path]:
    """Write ``prioritisation.json``, ``prioritisation.csv`` and ``tradeoff.png`` into ``out``."""
    from .output import atomic_path, dumps, write_text
    from .report.plot_tradeoff import plot_tradeoff
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / name for name in PRIORITISE_FILES]
    write_text(written[0], dumps(p.to_dict()))
    write_text(written[1], p.table.to_csv(index=False))
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = plot_tradeoff(p)
    with atomic_path(written[2]) as tmp:
        ax.figure.savefig(tmp, format="png", dpi=120, metadata={"Software": None})
    plt.close(ax.figure)
    return written


def _another_run(sc, file: str, out: str) -> str | None:
    """Why ``out`` cannot take this prioritisation: it holds a run of another scenario, whose
    report would show an order search it was not part of."""
    from .api import scenario_hash
    from .outdir import read_manifest
    from .report.data import DATA_DIR
    if not (Path(out) / DATA_DIR).is_dir():
        return None
    head = read_manifest(Path(out))
    if head.get("scenario_sha256") == scenario_hash(sc):
        return None
    return (f"veikart: {out} holds a run of {head.get('scenario_file') or 'another scenario'}, not of "
            f"{file} as it is now; its report would show this prioritisation as its own. Use another "
            f"--out folder, or run {file} into {out} first")


def _refresh_report(folder, lang: str) -> list[Path]:
    """Render the folder's report.html again, into its stage, with the Prioritering section,
    when a run's data is there."""
    from .report.data import DATA_DIR, ReportData
    from .report.html import REPORT_NAME, write_report
    from .report.prioritering import load_prioritisation
    if not (folder.path / DATA_DIR).is_dir():
        return []
    data = ReportData.load(folder.path)
    return [write_report(data, folder.stage / REPORT_NAME, lang=lang,
                         prioritisation=load_prioritisation(folder.stage))]


def prioritise_command(args) -> int:
    """Carry out ``veikart prioritise``; return the exit code."""
    from .commands import _bad_out
    from .scenario import load_scenario
    from .scenario.candidates import load_candidates
    sc = load_scenario(args.file, allow_extends_outside=args.allow_extends_outside)
    candidates = load_candidates(args.candidates, sc) if args.candidates else None
    problem = _bad_out(args.out) or (_another_run(sc, args.file, args.out) if args.out else None)
    if problem is None and args.objective in ("npv", "benefit-by-deadline") and \
            (sc.benefits is None or not sc.benefits.rates):
        problem = (f"veikart: --objective {args.objective}: {args.file} has no benefit rates "
                   "(`benefits:`); use p-target or p80-target")
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from contextlib import nullcontext
    from .outdir import MANIFEST, OutputDir
    from .report.html import REPORT_NAME
    # locked and checked before the search, as a run's folder is; committed as one unit,
    # beside the run's files it joins (a later run removes these, as it does any earlier output)
    with (OutputDir(args.out, writes=(*PRIORITISE_FILES, REPORT_NAME, MANIFEST)) if args.out
          else nullcontext()) as folder:
        return _prioritise_into(args, sc, candidates, folder)


def _prioritise_into(args, sc, candidates, folder) -> int:
    from .commands import _progress
    from .output import dumps
    from .order_search import prioritise
    started = time.perf_counter()
    print("evaluating priority orders ...", file=sys.stderr)
    bar = _progress(None, "scheduling")  # the racing decides how many iterations there will be
    try:
        p = prioritise(sc, candidates, args.objective, args.iterations, args.seed,
                       budget=args.budget, rounds=args.rounds, scheduler=args.scheduler,
                       workers=args.workers or ((os.cpu_count() or 1) if args.dask else 1),
                       dask=args.dask, progress=bar.update)
    finally:
        bar.close()
    elapsed = time.perf_counter() - started
    print(f"{len(p.table):,} orders evaluated in {elapsed:.1f} s", file=sys.stderr)
    if folder is not None:
        write_prioritisation(p, folder.stage)
        _refresh_report(folder, args.lang)
        print(folder.said(folder.commit(keep_previous=True)), file=sys.stderr)
    if args.json:
        print(dumps(p.to_dict()))
        return 0
    print(f"{sc.scenario.name}: prioritisation ({elapsed:.1f} s)")
    print(prioritisation_text(p, p.unit))
    return 0
