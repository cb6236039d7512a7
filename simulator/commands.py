"""What the CLI commands do and print, kept apart from argument parsing."""

from __future__ import annotations

import math
import sys
import time
from collections import Counter

import numpy as np
import pandas as pd

from .analysis.critical import driving_path
from .analysis.stats import percent_digits
from .analysis.result import Result
from .api import plan, simulate
from .scenario import load_scenario
from .scenario.compile import compile_scenario
from .scenario.network import Network


def _date(net: Network, t: float, *, finish: bool = True) -> str:
    d = net.to_dates(np.array([t]), finish=finish)[0]
    return "after the horizon" if np.isnat(d) else str(d)


def validate_text(path: str) -> str:
    """Validate a scenario and describe it: counts, the deterministic plan, warnings.

    Raises
    ------
    ScenarioError
        When the file is not valid.
    """
    warnings: list[str] = []
    sc = load_scenario(path, warnings=warnings)
    net = compile_scenario(sc)
    # with capacity, the plan queues for it as a run does (the forward pass would not)
    sched = plan(net) if not net.needs_capacity else _capacity_plan(net)
    kinds = Counter(net.kinds)
    phases = net.size - kinds["milestone"]
    h = sc.scenario
    lines = [
        f"{path}: valid",
        f"  {h.name} (version {h.version}); start {h.start}, deadline {h.deadline}, unit {h.unit}",
        f"  {len(sc.initiatives)} initiatives, {phases} phases, {kinds['milestone']} milestones, "
        f"{len(net.drivers)} risk drivers, {len(net.gates)} funding gates, "
        f"{len(sc.blackouts)} blackouts, {len(sc.correlations)} correlation groups",
        "",
        "Deterministic plan (most-likely durations, no risk fires, funding granted at the first decision"
        + (", queueing for capacity):" if net.needs_capacity else "):"),
    ]
    width = max(len(x) for x in net.initiative_ids)
    for k, ini in enumerate(net.initiative_ids):
        mem = net.initiative_members[k]
        start, finish = sched.start[mem, 0].min(), sched.finish[mem, 0].max()
        mark = "" if finish <= net.deadline_time else "  (after the deadline)"
        lines.append(f"  {ini:<{width}}  {_date(net, start, finish=False)} -> {_date(net, finish)}"
                     f"  {net.initiative_names[k]}{mark}")
    on_path = driving_path(net, sched, net.target)[:, 0]
    path_ids = sorted(np.flatnonzero(on_path), key=lambda i: (sched.start[i, 0], sched.finish[i, 0]))
    target_finish = sched.finish[on_path, 0].max()
    lines += ["", f"Critical path to {net.target} (planned {_date(net, target_finish)}):"]
    lines += [f"  {net.ids[i]:<{width + 12}} {_date(net, sched.start[i, 0], finish=False)} -> "
              f"{_date(net, sched.finish[i, 0])}" for i in path_ids]
    if warnings:
        lines += ["", "Warnings:", *[f"  - {w}" for w in warnings]]
    return "\n".join(lines)


def _capacity_plan(net: Network):
    from .analysis.calibrate import planned_schedule
    return planned_schedule(net)


def _progress(total: int):
    """A progress bar on stderr that appears only when the run takes more than a second."""
    from tqdm import tqdm
    bar = tqdm(total=total, unit="it", unit_scale=True, delay=1.0, file=sys.stderr,
               desc="simulating", leave=False)
    return bar


def _day(d) -> str:
    return "after hor." if pd.isna(d) else pd.Timestamp(d).date().isoformat()


def _share(p: float) -> str:
    """A share with one decimal, or more where one would round it to 0.0 % or 100.0 %."""
    return f"{p:.{percent_digits(p, 1)}%}"


def summary_table(result: Result) -> str:
    """One row per initiative: P50, P80 and P(by deadline) with its 95% interval."""
    wide = result.summary("wide")
    rows = wide[wide["element"] == "initiative"]
    net = result.network
    head = f"{'initiative':<28} {'P50':>10} {'P80':>10}  P(by {net.deadline})"
    lines = [head, "-" * len(head)]
    for element_id, row in rows.iterrows():
        p50, p80 = row["finish_date_p50"], row["finish_date_p80"]
        lines.append(f"{str(element_id)[:28]:<28} {_day(p50):>10} {_day(p80):>10}  "
                     f"{_share(row['prob_by_deadline']):>7} [{_share(row['prob_by_deadline_lo'])}, "
                     f"{_share(row['prob_by_deadline_hi'])}]")
    return "\n".join(lines)


def _bad_engine(sc, engine: str | None) -> str | None:
    """Why ``engine`` cannot run ``sc`` (cpm has no capacity), or None."""
    from .parallel import pick_engine
    from .scenario.compile import compile_scenario
    try:
        pick_engine(compile_scenario(sc), engine)
    except ValueError as exc:
        return f"veikart: --engine {engine}: {exc}"
    return None


def run_command(args) -> int:
    """Carry out ``veikart run``; return the exit code."""
    from .output import dumps, write_outputs
    sc = load_scenario(args.file)
    if getattr(args, "outside_view", False):
        from .scenario.outside_view import outside_view
        if sc.reference_class is None:
            print(f"veikart: --outside-view: {args.file} has no `reference_class:`", file=sys.stderr)
            return 2
        sc = outside_view(sc)
    target = args.target
    problem = (_unknown_target(sc, target, args.file) or _bad_out(args.out)
               or _bad_engine(sc, args.engine))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    started = time.perf_counter()
    with _progress(args.iterations) as bar:
        result = simulate(sc, args.iterations, args.seed, sampling=args.sampling,
                          mitigated=args.mitigated, engine=args.engine, workers=args.workers,
                          progress=bar.update)
    elapsed = time.perf_counter() - started
    ranking = None
    if args.out:
        print(f"analysing sensitivity and writing {args.out} ...", file=sys.stderr)
        data = _report_data(result, target)
        ranking = data.risks
        written = write_outputs(result, args.out, scenario_file=args.file,
                                save_iterations=args.save_iterations)
        written += _write_report(data, args.out, args.lang, args.no_report)
        print(f"wrote {', '.join(str(p) for p in written)}", file=sys.stderr)
    if args.json:
        print(dumps(result.to_dict()))
        return 0
    if ranking is None:
        from .analysis.sensitivity import risk_ranking
        ranking = risk_ranking(result, target)
    print(f"{result.network.name} (version {result.network.version}): {result.iterations:,} "
          f"iterations, seed {result.seed}, sampling {result.sampling}"
          f"{', mitigated' if result.mitigated else ''} ({elapsed:.2f} s)")
    print()
    print(summary_table(result))
    print()
    print(top_risks_text(ranking, target or result.target))
    return 0


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


def _bad_out(out: str | None) -> str | None:
    """The error message for an ``--out`` that cannot be a directory, checked before the run."""
    from pathlib import Path
    if out is None:
        return None
    path = Path(out)
    blocker = next((p for p in (path, *path.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        return f"veikart: --out {out}: {blocker} is a file, not a directory"
    return None


def _unknown_target(sc, target: str | None, file: str) -> str | None:
    """The error message for a ``--target`` that names nothing in the scenario, else None."""
    from .errors import suggest
    if target is None:
        return None
    known = [i.id for i in sc.initiatives] + [p.id for i in sc.initiatives for p in i.phases]
    known += [m.id for m in sc.milestones]
    if target in known:
        return None
    return (f"veikart: --target `{target}` is not a milestone, phase or initiative of "
            f"{file}{suggest(target, known)}")


def _report_data(result: Result, target: str | None):
    from .report.data import ReportData
    return ReportData.from_result(result, target)


def _write_report(data, out: str, lang: str, no_report: bool) -> list:
    """Save the report's data into ``out`` and, unless ``no_report``, render report.html."""
    from pathlib import Path

    from .report.html import REPORT_NAME, write_report
    written = data.save(out)
    if not no_report:
        written.append(write_report(data, Path(out) / REPORT_NAME, lang=lang))
    return written


def report_command(args) -> int:
    """Carry out ``veikart report DIR``: rebuild report.html from saved data, no simulation."""
    from pathlib import Path

    from .report.data import ReportData
    from .report.html import REPORT_NAME, write_report
    data = ReportData.load(args.dir)
    path = write_report(data, Path(args.dir) / REPORT_NAME, lang=args.lang)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def compare_command(args) -> int:
    """Carry out ``veikart compare``; return the exit code."""
    from .analysis.compare import compare_results
    from .sampling.streams import root_seed
    scenarios = {path: load_scenario(path) for path in args.files}
    seed = root_seed(args.seed)
    results = {}
    with _progress(args.iterations * len(scenarios)) as bar:
        for path, sc in scenarios.items():
            results[path] = simulate(sc, args.iterations, seed, sampling=args.sampling,
                                     mitigated=args.mitigated, progress=bar.update)
    table = compare_results(results)
    print(f"{args.iterations:,} iterations, seed {seed}, common random numbers; "
          f"baseline {args.files[0]}")
    for path in args.files[1:]:
        print(f"\n{path} against the baseline (P80 gain in {results[path].network.unit}, "
              "positive = earlier; P(by deadline) gain with its paired standard error):")
        rows = table[table["scenario"] == path]
        for _, row in rows.iterrows():
            print(f"  {row['id'][:30]:<30} P80 {_day(row['p80_date']):>10}  gain {row['p80_gain']:6.2f}  "
                  f"P(deadline) {row['prob_by_deadline']:6.1%}  {row['prob_gain']:+6.1%} "
                  f"(± {row['prob_gain_se']:.1%})")
    return 0
