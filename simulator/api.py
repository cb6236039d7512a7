"""The public entry points: load a scenario, simulate it, get a Result."""

from __future__ import annotations

import hashlib
import os
import warnings
from contextlib import nullcontext
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from .analysis.compare import compare_results
from .analysis.critical import target_members
from .analysis.result import Result
from .engines import cpm
from .executors import make_executor
from .output import iterations_writer, write_iterations
from .parallel import auto_workers, capped, fits_whole, pick_engine, run_chunks
from .sampling.draws import METHODS, planned_draws
from .sampling.streams import CHUNK, SeedLike, root_seed
from .scenario import load_scenario
from .scenario.compile import compile_scenario
from .scenario.models import Scenario
from .scenario.network import Network


#: What a run can keep: every iteration, or the first chunk and a tally of the rest.
KEEP = ("all", "summary", "report")


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the scenario's canonical JSON: equal for equal content, whatever the formatting."""
    return hashlib.sha256(scenario.model_dump_json(by_alias=True).encode()).hexdigest()


def plan(network: Network | Scenario) -> cpm.Schedule:
    """The deterministic plan: most-likely durations, no driver fires, gates grant first time.

    Parameters
    ----------
    network : Network or Scenario
        A compiled network, or a scenario from :func:`load_scenario` (compiled here).

    Returns
    -------
    Schedule
        One column; :func:`simulator.plan_table` gives it as a table with ids and dates.
    """
    if isinstance(network, Scenario):
        network = compile_scenario(network)
    if not isinstance(network, Network):
        raise TypeError(f"plan needs a Scenario or a Network, not {type(network).__name__}")
    draws = planned_draws(network)
    return cpm.schedule(network, draws.durations(network), draws.gate_times)


def simulate(scenario: Scenario, iterations: int = 10_000, seed: SeedLike = None, *,
             sampling: str = "mc", mitigated: bool = False, engine: str | None = None,
             workers: int | None = 1, progress: Callable[[int], None] | None = None,
             client=None, scheduler: str | None = None, keep: str = "all",
             iterations_file: str | os.PathLike | None = None,
             compared: Sequence[str] = (), targets: Sequence[str] = ()) -> Result:
    """Sample and schedule a scenario many times.

    Parameters
    ----------
    scenario : Scenario
        From :func:`load_scenario`.
    iterations : int
        Number of Monte Carlo iterations (at least 2).
    seed : int, SeedSequence, Generator or None
        The one source of randomness. The integer it becomes is kept in
        ``Result.seed``; the same seed gives the same result, byte for byte,
        for any ``workers``.
    sampling : {"mc", "lhs"}
        Plain Monte Carlo, or Latin Hypercube (stratified per chunk of iterations).
    mitigated : bool
        Use the risks' post-mitigation values.
    engine : {"cpm", "capacity", "des"}, optional
        The scheduling engine: the compiled forward pass (no capacity), the
        compiled capacity engine, or the SimPy discrete-event reference (same
        dates as the others, much slower). Default: ``capacity`` when phases
        hold resources, else ``cpm``.
    workers : int or None
        Processes to spread chunks of iterations over; capped at what the run
        and the machine can use (its chunks of iterations, the CPUs this
        process may run on), with a ``UserWarning`` ("workers capped at N: ...")
        when a request is capped. None: as many as the run, the CPUs and the
        memory available allow (:func:`simulator.parallel.auto_workers`), without
        a warning. Unused with ``client`` or ``scheduler``.
    progress : callable, optional
        Called with the number of iterations just finished, after each chunk.
    client : distributed.Client, optional
        Run the chunks on this Dask cluster instead (same bytes).
    scheduler : str, optional
        Or on the Dask scheduler at this address.
    keep : {"all", "summary", "report"}
        ``all`` keeps every iteration's draws and dates: memory grows with the
        iterations (about 20 KB each for the default scenario). ``summary`` keeps
        the first chunk's (8,192 iterations, for the risk ranking and the
        cruciality) and reduces every chunk where it is scheduled to what the
        tables need: the summary, coverage, waiting, benefits and planned-date
        tables are the same bytes as with ``all``, in memory that grows as the
        square root of the iterations. ``report`` reduces, in the same way, what
        a report needs too: the coverage and units held per month, each
        activity's duration SD and every initiative's and milestone's finish
        (4 bytes an iteration each). What needs more than was kept says so.
    iterations_file : str or path-like, optional
        Also write every iteration's dates and draws
        (:func:`simulator.output.iterations_frame`) to this Parquet file, one row
        group per chunk: as the chunks are scheduled when the run is streamed
        (``keep="summary"`` or ``"report"``, so the file holds what the run does not
        keep), at its end when it keeps every iteration. It is written
        under a temporary name and is in place only when the run ends well.
    compared : sequence of str
        Initiatives, milestones and phases to compare with other runs
        (:func:`simulator.analysis.compare.compare_results`): with ``keep="summary"``
        or ``"report"`` the run keeps their P50 and P80 and, for every iteration,
        one bit: whether they finished by the deadline. An element the summary does
        not show (a rollout's unit) makes the run keep every iteration; an id the
        scenario does not have is refused (ValueError).
    targets : sequence of str
        Milestones, phases or initiatives, beside the scenario's target, that the
        activity sensitivity, the criticality and (with ``keep="report"``) the
        report will refer to: a run that does not keep every iteration reduces what
        they need of each (criticality counts, the moments of its finish, with
        ``report`` its finishes) as it goes. The same bytes as a run kept whole.

    Returns
    -------
    Result
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario from load_scenario(), not {type(scenario).__name__}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 2:
        raise ValueError(f"iterations must be an integer >= 2, got {iterations!r}")
    if sampling not in METHODS:
        raise ValueError(f"sampling must be one of {METHODS}, got {sampling!r}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ValueError(f"workers must be a positive integer or None, got {workers!r}")
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
    if (workers is not None and client is None and scheduler is None
            and (cap := capped(workers, iterations))):
        warnings.warn(f"workers capped at {cap[0]}: {cap[1]}", UserWarning, stacklevel=2)
    root = root_seed(seed)
    net = compile_scenario(scenario, mitigated=mitigated)
    if workers is None:
        workers = auto_workers(net, iterations)
    engine = pick_engine(net, engine)
    for name, ids in (("compared", compared), ("targets", targets)):
        if isinstance(ids, str):
            raise TypeError(f"{name} must be a sequence of element ids, not the string {ids!r}")
    compared, targets = tuple(compared), tuple(targets)
    if unknown := [e for e in compared if e not in {*net.ids, *net.initiative_ids}]:
        raise ValueError(f"compared: {', '.join(map(repr, unknown))} is not an initiative, "
                         "milestone or phase of the scenario")
    for t in targets:  # an unknown id is named now, not by a worker half-way through the run
        target_members(net, t)
    if compared and not set(compared) <= set(_finish_rows(net)):
        keep = "all"
    if keep != "all" and iterations > CHUNK:
        with (iterations_writer(iterations_file) if iterations_file is not None
              else nullcontext()) as sink:
            return _streamed(scenario, net, root, iterations, sampling, engine, workers,
                             progress, client, scheduler, report=keep == "report", sink=sink,
                             compared=compared, targets=targets)
    if client is None and scheduler is None:
        draws, sched = run_chunks(net, root, iterations, sampling, engine=engine, workers=workers,
                                  on_chunk=progress)
    else:
        with make_executor(workers, client=client, scheduler=scheduler) as pool:
            draws, sched = run_chunks(net, root, iterations, sampling, engine=engine,
                                      on_chunk=progress, executor=pool)
    result = Result(network=net, draws=draws, schedule=sched, plan=plan(net), seed=root,
                    iterations=iterations, sampling=sampling, engine=engine,
                    scenario_hash=scenario_hash(scenario), scenario=scenario)
    if iterations_file is not None:
        write_iterations(result, iterations_file)
    return result


def _streamed(scenario: Scenario, net: Network, root: int, iterations: int, sampling: str,
              engine: str, workers: int, progress, client, scheduler, report: bool,
              sink, compared: tuple[str, ...], targets: tuple[str, ...]) -> Result:
    from .stream import stream_chunks
    pool = (make_executor(workers, client=client, scheduler=scheduler)
            if client is not None or scheduler is not None else nullcontext())
    with pool as executor:
        draws, sched, tally = stream_chunks(net, scenario, root, iterations, sampling,
                                            engine=engine, workers=workers, on_chunk=progress,
                                            executor=executor, report=report, sink=sink,
                                            compared=compared, targets=targets)
    return Result(network=net, draws=draws, schedule=sched, plan=plan(net), seed=root,
                  iterations=iterations, sampling=sampling, engine=engine,
                  scenario_hash=scenario_hash(scenario), scenario=scenario, kept=CHUNK,
                  streamed=tally)


def _finish_rows(net: Network) -> list[str]:
    """The elements a tally has a finish row of: the shown activities and the initiatives."""
    return [*(net.ids[i] for i in np.flatnonzero(net.shown)), *net.initiative_ids]


def compare(scenarios: Mapping[str, Scenario], iterations: int = 10_000, seed: SeedLike = None,
            **options) -> pd.DataFrame:
    """Simulate several scenarios on common random numbers and compare them.

    Parameters
    ----------
    scenarios : mapping of str to Scenario
        Named scenarios; the first is the baseline.
    iterations : int
    seed : int, SeedSequence, Generator or None
        Normalised once; every scenario runs with the same root seed, so
        elements they share get the same draws in every iteration.
    **options
        Passed to :func:`simulate` (``sampling``, ``mitigated``, ``workers``). A run
        too long to keep whole (:func:`simulator.parallel.fits_whole`) keeps only
        what the comparison needs (``keep="summary"`` with ``compared``); the table
        is the same bytes either way.
        ``compared``: the elements to compare (default the initiatives and milestones
        every scenario has).

    Returns
    -------
    DataFrame
        See :func:`simulator.analysis.compare.compare_results`.
    """
    root = root_seed(seed)
    named = options.pop("compared", None)
    compared = common_elements(scenarios.values()) if named is None else tuple(named)
    results = {name: simulate(sc, iterations, root, **{"keep": comparison_keep(sc, iterations),
                                                        "compared": compared, **options})
               for name, sc in scenarios.items()}
    return compare_results(results, None if named is None else list(compared))


def comparison_keep(scenario: Scenario, iterations: int) -> str:
    """``keep`` for a run to compare: ``all`` when it fits (:func:`~simulator.parallel.fits_whole`,
    quicker), else ``summary`` (with ``compared``, what the comparison needs)."""
    return "all" if fits_whole(compile_scenario(scenario), iterations) else "summary"


def common_elements(scenarios) -> tuple[str, ...]:
    """Ids of the first scenario's initiatives and milestones that every scenario has, sorted:
    what :func:`compare` compares when no elements are named.

    As :func:`~simulator.analysis.compare.compare_results` pairs them, another scenario
    may have the id as an initiative, a phase or a milestone (a milestone of the
    baseline may be a phase of a variant).
    """
    scenarios = list(scenarios)
    if not scenarios:
        return ()
    wanted = {i.id for i in scenarios[0].initiatives} | {m.id for m in scenarios[0].milestones}
    for sc in scenarios[1:]:
        wanted &= ({i.id for i in sc.initiatives} | {p.id for i in sc.initiatives for p in i.phases}
                   | {m.id for m in sc.milestones})
    return tuple(sorted(wanted))


__all__ = ["load_scenario", "simulate", "plan", "scenario_hash", "compare"]
