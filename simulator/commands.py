"""What the CLI commands do and print, kept apart from argument parsing."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from .analysis.critical import driving_path
from .analysis.result import Result
from .api import plan, simulate
from .scenario import load_scenario
from .scenario.compile import compile_scenario
from .scenario.network import Network
from .shares import points, share_text
from .stages import Stages, seconds


def _date(net: Network, t: float, *, finish: bool = True, until: float | None = None) -> str:
    d = net.to_dates(np.array([t]), finish=finish, until=None if until is None else np.array([until]))[0]
    return "after the horizon" if np.isnat(d) else str(d)


def validate_text(path: str, *, allow_extends_outside: bool = False) -> str:
    """Validate a scenario and describe it: counts, the deterministic plan, warnings.

    Raises
    ------
    ScenarioError
        When the file is not valid.
    """
    warnings: list[str] = []
    sc = load_scenario(path, warnings=warnings, allow_extends_outside=allow_extends_outside)
    net = compile_scenario(sc)
    # with capacity, the plan queues for it as a run does (the forward pass would not)
    sched = plan(net) if not net.needs_capacity else _capacity_plan(net)
    h = sc.scenario
    # as the file counts them; a rollout's units and a risk's drivers per phase in brackets
    units = sum(len(r.units) for r in net.rollouts)
    lines = [
        f"{path}: valid",
        f"  {h.name} (version {h.version}); start {h.start}, deadline {h.deadline}, unit {h.unit}",
        "  " + ", ".join(_count(n, what) + (f" ({more})" if more else "") for n, what, more in (
            (len(sc.initiatives), "initiative", ""),
            (sum(len(i.phases) for i in sc.initiatives), "phase", units and _count(units, "rollout unit")),
            (len(sc.milestones), "milestone", ""),
            (len(sc.risks), "risk", ", ".join(_count(k, x) for k, x in (
                (len(net.drivers), "driver"), (len(net.gates), "funding gate")) if k)),
            (len(sc.blackouts), "blackout", ""), (len(sc.correlations), "correlation group", ""))),
        "",
        "Deterministic plan (most-likely durations, no risk fires, funding granted at the first decision"
        + (", queueing for capacity):" if net.needs_capacity else "):"),
    ]
    width = max(len(x) for x in net.initiative_ids)
    for k, ini in enumerate(net.initiative_ids):
        mem = net.initiative_members[k]
        start, finish = sched.start[mem, 0].min(), sched.finish[mem, 0].max()
        mark = "" if finish <= net.deadline_time else "  (after the deadline)"
        lines.append(f"  {ini:<{width}}  {_date(net, start, finish=False, until=finish)} -> {_date(net, finish)}"
                     f"  {net.initiative_names[k]}{mark}")
    on_path = driving_path(net, sched, net.target)[:, 0]
    # in the order the work finishes; on one day a rollout's unit, then the rollout, then a milestone
    rank = lambda i: 3 if net.kinds[i] == "milestone" else int(net.node[i])  # noqa: E731
    path_ids = sorted(np.flatnonzero(on_path), key=lambda i: (sched.finish[i, 0], rank(i), sched.start[i, 0]))
    target_finish = sched.finish[on_path, 0].max()
    lines += ["", f"Critical path to {net.target} in this plan (finishing {_date(net, target_finish)}):"]
    lines += [f"  {net.ids[i]:<{width + 12}} {_date(net, sched.start[i, 0], finish=False, until=sched.finish[i, 0])} -> "
              f"{_date(net, sched.finish[i, 0])}" for i in path_ids]
    warnings += _never_progress(net)
    if warnings:
        lines += ["", "Warnings:", *[f"  - {w}" for w in warnings]]
    return "\n".join(lines)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _never_progress(net: Network) -> list[str]:
    """Warnings for activities whose blackouts leave no working day before the horizon."""
    out = []
    for c, windows in enumerate(net.calendars):
        ids = [net.ids[i] for i in np.flatnonzero(net.calendar_of == c) if net.kinds[i] != "milestone"]
        if ids and windows.size and any(a <= 0 and b >= net.horizon for a, b in windows):
            out.append(f"{', '.join(ids)}: blackouts cover every day up to the horizon; "
                       "these phases never progress and finish after the horizon")
    return out

def _capacity_plan(net: Network):
    from .analysis.calibrate import planned_schedule
    return planned_schedule(net)


def _progress(total: int | None, desc: str = "simulating"):
    """A progress bar on stderr that appears only when the run takes more than a second
    (a counter with a rate when ``total`` is None), and shows its final count at its end."""
    from tqdm import tqdm

    class Bar(tqdm):
        def close(self):
            # tqdm draws at most every mininterval seconds, so its last drawing can be a
            # chunk or more behind; once drawn (not on a run shorter than its delay), the
            # final count is drawn before the bar is cleared
            if (not self.disable and self.n != self.last_print_n
                    and self.last_print_t >= self.start_t + self.delay):
                self.refresh()
            super().close()

    tqdm.monitor_interval = 0  # no monitor thread: a process with threads does not fork workers
    bar = Bar(total=total, unit="it", unit_scale=True, delay=1.0,
              file=getattr(sys.stderr, "raw", sys.stderr),  # its \r is meant
              desc=desc, leave=False)
    return bar


def _day(d) -> str:
    return "after hor." if pd.isna(d) else pd.Timestamp(d).date().isoformat()


def _rows(rows: pd.DataFrame, mark: str | None = None) -> list[str]:
    """P50, P80 and P(by deadline) with its interval, a line per element; ``mark`` starred."""
    lines = []
    for element_id, row in rows.iterrows():
        p50, p80 = row["finish_date_p50"], row["finish_date_p80"]
        share = share_text(row["prob_by_deadline"], row["prob_by_deadline_lo"],
                           row["prob_by_deadline_hi"], "en")  # the report's rule
        name = str(element_id) if mark is None else ("* " if element_id == mark else "  ") + str(element_id)
        name = name if len(name) <= 28 else name[:27] + "…"  # cut, and said to be
        lines.append(f"{name:<28} {_day(p50):>10} {_day(p80):>10}  "
                     f"{share.estimate:>17}  {share.interval}")
    return lines


def summary_table(result: Result) -> str:
    """One row per initiative, then per milestone (the target starred): P50, P80 and
    P(by deadline) with its 95% interval; then the rollouts."""
    wide = result.summary("wide")
    rows = wide[wide["element"] == "initiative"]
    net = result.network
    head = f"{'initiative':<28} {'P50':>10} {'P80':>10}  {f'P(by {net.deadline})':>17}  95% interval"
    lines = [head, "-" * len(head)]
    lines += _rows(rows)
    milestones = wide[wide["element"] == "milestone"]
    if len(milestones):  # the target is usually one: its own dates, next to its risks
        head = (f"{'milestone (* the target)':<28} {'P50':>10} {'P80':>10}  "
                f"{f'P(by {net.deadline})':>17}  95% interval")
        lines += ["", head, "-" * len(head)]
        lines += _rows(milestones, mark=result.target)
    if net.rollouts:
        cov = result.coverage()
        head = (f"{'rollout (weighted share live)':<28} {'50% P50':>10} {'100% P50':>10}  "
                f"{f'P(100% by {net.deadline})':>17}  95% interval")
        lines += ["", head, "-" * len(head)]
        for rid, row in cov.iterrows():
            share = share_text(row["prob_100_by_deadline"], row["prob_100_by_deadline_lo"],
                               row["prob_100_by_deadline_hi"], "en")
            lines.append(f"{str(rid)[:28]:<28} {_day(row['time_to_50_date_p50']):>10} "
                         f"{_day(row['time_to_100_date_p50']):>10}  "
                         f"{share.estimate:>17}  {share.interval}")
    return "\n".join(lines)


def _bad_engine(sc, engine: str | None) -> str | None:
    """Why ``engine`` cannot run ``sc`` (cpm has no capacity), or None."""
    from .parallel import ENGINES, pick_engine
    from .scenario.compile import compile_scenario
    if engine is None or (engine in ENGINES and engine != "cpm"):
        return None  # chosen to fit, or able to run anything: no need to compile twice
    try:
        pick_engine(compile_scenario(sc), engine)
    except ValueError as exc:
        return f"veikart: --engine {engine}: {exc}"
    return None


def run_command(args) -> int:
    """Carry out ``veikart run``; return the exit code."""
    from contextlib import nullcontext

    from .outdir import OutputDir
    sc = load_scenario(args.file, allow_extends_outside=args.allow_extends_outside)
    if getattr(args, "outside_view", False):
        from .scenario.outside_view import outside_view
        if sc.reference_class is None:
            print(f"veikart: --outside-view: {args.file} has no `reference_class:`", file=sys.stderr)
            return 2
        sc = outside_view(sc)
    target = args.target
    problem = (_unknown_target(sc, target, args.file)
               or next(filter(None, (_unknown_target(sc, w, args.file, "--why") for w in args.why)), None)
               or _bad_out(args.out) or _bad_engine(sc, args.engine)
               or (args.save_iterations and not args.out
                   and "veikart: --save-iterations needs --out DIR: iterations.parquet is written there")
               or (args.why and args.json
                   and "veikart: --why adds to the terminal summary, and --json prints the JSON object "
                       "alone; drop one (with --out DIR the report data has every initiative's "
                       "top drivers, report-data/why.parquet)"))
    if problem:
        print(problem, file=sys.stderr)
        return 2
    workers, pool = _workers(args.workers, args.iterations)
    # the folder is locked and checked before the run, so a run is not wasted on it
    with OutputDir(args.out) if args.out else nullcontext() as folder:
        return _run_into(args, sc, folder, workers, pool)


def _workers(requested: int | None, iterations: int) -> tuple[int | None, int | None]:
    """The processes for the simulation and for the risk ranking and the figures.

    ``--workers`` not given: None for both, which ``simulate`` and, after it, the ranking
    take as every CPU this process may use, as far as the run's chunks and the memory
    available allow (:func:`simulator.parallel.auto_workers`), without a word (the output
    does not depend on it). Given: capped by the run's
    chunks and the CPUs, and said before the run when it is; the capped count is what
    ``simulate`` is given, so it does not warn a second time. The ranking spreads its
    risks, not chunks, over the processes: it gets the count asked for, capped after the
    run by what the CPUs and the memory allow.
    """
    from .parallel import capped
    if requested is None:
        return None, None
    cap = capped(requested, iterations)
    if cap is None:
        return requested, requested
    print(f"veikart: --workers {requested} capped at {cap[0]}: {cap[1]}", file=sys.stderr)
    return cap[0], requested


def _run_into(args, sc, folder, workers: int | None, pool: int | None) -> int:
    from .output import dumps, write_files
    from .parallel import auto_workers
    target = args.target
    stage = Stages()  # every stage after the bar says what it does and how long it took
    started = time.perf_counter()
    keep = _keep(folder is not None)
    # every iteration goes to the stage as it is scheduled; the run keeps only what it reports
    rows = folder.stage / "iterations.parquet" if folder is not None and args.save_iterations else None
    with _progress(args.iterations) as bar:
        result = simulate(sc, args.iterations, args.seed, sampling=args.sampling,
                          mitigated=args.mitigated, engine=args.engine, workers=workers,
                          progress=bar.update, scheduler=getattr(args, "scheduler", None),
                          keep=keep, iterations_file=rows,
                          targets=() if target is None else (target,))
    # the ranking and the figures: as asked, but never more than the CPUs and memory allow
    most = auto_workers(result.network)
    pool = min(pool or most, most)
    elapsed = time.perf_counter() - started
    with stage(f"simulated in {seconds(elapsed)}; summary statistics"):
        result.summary()
    ranking = why = None
    if folder is not None:
        with stage("risk ranking and sensitivity"):
            data = _report_data(result, target, pool)
        ranking = data.risks
        with stage(f"writing the summary files to {args.out}"):
            write_files(result, folder.stage, scenario_file=args.file)
        _write_report(data, folder.stage, args.lang, args.no_report, stage, pool)
        print(folder.said(folder.commit()), file=sys.stderr)
    if args.json:
        with stage("JSON"):
            text = dumps(result.to_dict())
        stage.done()
        print(text)
        return 0
    if ranking is None:
        from .analysis.sensitivity import risk_ranking
        with stage("risk ranking"):
            ranking = risk_ranking(result, target, workers=pool)
    if args.why:
        from .analysis.sensitivity import risk_rankings
        with stage(f"top drivers of {', '.join(args.why)}"):
            why = risk_rankings(result, list(dict.fromkeys(args.why)), workers=pool)
    stage.done()
    print(f"{result.network.name} (version {result.network.version}): {result.iterations:,} "
          f"iterations, seed {result.seed}, sampling {result.sampling}"
          f"{', mitigated' if result.mitigated else ''} (simulation {seconds(elapsed)}, "
          f"whole command {seconds(stage.total)})")
    print()
    print(summary_table(result))
    from .analysis.benefits import benefits_text
    if text := benefits_text(result):
        print()
        print(text)
    print()
    print(top_risks_text(ranking, target or result.target, iterations=result.iterations))
    for element, table in (why or {}).items():
        print()
        print(top_risks_text(table, element, heading="Why {target}: its own top {drivers}",
                             iterations=result.iterations))
    return 0


def _keep(out: bool) -> str:
    """What a run must keep (``simulate``'s ``keep``) for what the command writes.

    The summary, the JSON and the rankings need the tally and the first chunk; a
    report, the extras too. A sensitivity to another target than the scenario's is
    reduced as the run goes (``simulate(targets=...)``), and ``--save-iterations``
    writes every iteration as it is scheduled (``simulate(iterations_file=...)``).
    """
    return "report" if out else "summary"


def _gain(days: float) -> str:
    from .compare_command import calendar_gain  # one wording of a gain, as compare prints it
    return calendar_gain(days, "en")


def top_risks_text(ranking: pd.DataFrame, target: str, n: int = 3, *,
                   heading: str = "Top {risks} for {target}",
                   iterations: int | None = None) -> str:
    """The ``n`` risks with the largest exclusion gain in the target's P80, as text lines.

    Parameters
    ----------
    ranking : DataFrame
        From :func:`simulator.analysis.sensitivity.risk_ranking` (or ``ReportData.risks``).
    target : str
        The element the ranking refers to, for the heading.
    n : int
        At most this many; fewer when fewer risks move the target.
    heading : str
        With ``{target}``, and ``{risks}`` or ``{drivers}``: the number listed with its
        noun ("3 risks", "1 risk driver").
    iterations : int, optional
        The run's iterations: when the ranking used fewer (its ``attrs``), the
        heading says how many.

    Returns
    -------
    str
    """
    ranked = ranking.attrs.get("iterations")
    over = (f"; first {ranked:,} of {iterations:,} iterations"
            if ranked is not None and iterations is not None and ranked < iterations else "")
    # a risk whose removal changes nothing is no driver; the heading counts those listed
    rows = ranking.iloc[:0] if ranking.empty else ranking[
        ranking[["p80_gain_days", "p50_gain_days", "prob_gain"]].fillna(0).ne(0).any(axis=1)].head(n)
    shown = len(rows) or n
    lines = [heading.format(target=target, risks=_count(shown, "risk"), drivers=_count(shown, "risk driver"))
             + f" (P80 earlier without the risk; same random numbers{over}):"]
    if ranking.empty:
        return "\n".join([*lines, "  (the scenario has no risks)"])
    if rows.empty:
        return "\n".join([*lines, "  (removing any one risk changes none of these figures)"])
    width = min(max(len(str(i)) for i in rows.index), 36)
    for k, (rid, row) in enumerate(rows.iterrows(), start=1):
        prob = row.get("prob_gain", math.nan)
        extra = "" if pd.isna(prob) else f", P(by deadline) {points(prob, 'en')}"
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


def _unknown_target(sc, target: str | None, file: str, option: str = "--target") -> str | None:
    """The error message for a ``--target`` that names nothing in the scenario, else None."""
    from .errors import suggest
    if target is None:
        return None
    known = [i.id for i in sc.initiatives] + [p.id for i in sc.initiatives for p in i.phases]
    known += [m.id for m in sc.milestones]
    if target in known:
        return None
    return (f"veikart: {option} `{target}` is not a milestone, phase or initiative of "
            f"{file}{suggest(target, known)}")


def _report_data(result: Result, target: str | None, workers: int = 1):
    from .report.data import ReportData
    return ReportData.from_result(result, target, workers=workers)


def _write_report(data, out: str, lang: str, no_report: bool, stage: Stages | None = None,
                  workers: int = 1) -> list:
    """Save the report's data into ``out`` and, unless ``no_report``, render report.html."""
    from contextlib import nullcontext
    from pathlib import Path

    with stage("writing the report data") if stage else nullcontext():
        written = data.save(out)
    if not no_report:
        # imported only here: drawing needs matplotlib, which costs a second to import
        from .report.html import REPORT_NAME, write_report
        with stage("drawing the report") if stage else nullcontext():
            written.append(write_report(data, Path(out) / REPORT_NAME, lang=lang, workers=workers))
    return written


def report_command(args) -> int:
    """Carry out ``veikart report DIR``: rebuild report.html from saved data, no simulation."""
    from .outdir import OutputDir
    from .parallel import available_cpus
    from .report.data import ReportData
    from .report.html import REPORT_NAME, write_report
    from .report.prioritering import load_prioritisation
    if not Path(args.dir).is_dir():
        ReportData.load(args.dir)  # raises the error that says what to do
    with OutputDir(args.dir, writes=(REPORT_NAME, "manifest.json")) as folder:
        data = ReportData.load(args.dir)
        write_report(data, folder.stage / REPORT_NAME, lang=args.lang,
                     prioritisation=load_prioritisation(args.dir), workers=available_cpus())
        folder.commit(keep_previous=True)
    print(f"wrote {Path(args.dir) / REPORT_NAME}", file=sys.stderr)
    return 0
