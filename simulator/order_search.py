"""What-if prioritisation: which priority order serves the objective best, and how sure that is.

``prioritise`` composes simulations as ``compare`` does: each candidate order
is the scenario with another ``priorities:``, run with the same root seed, so
every candidate sees the same draws in every iteration (common random
numbers) and candidates are compared by paired differences.

Selection (racing). The iterations are spent in rounds of doubling size
(``iterations / 2**(rounds-1)``, then twice that, up to ``iterations``). After
each round but the last, a candidate is dropped when it is worse than the
current leader with confidence (one-sided 95 %, Bonferroni over the
comparisons; :func:`~simulator.analysis.selection.significantly_worse`). Only
survivors get more iterations; the scenario's own order and plan-order are
reference arms that always get all of them. The survivors are ranked on all
iterations, with a bootstrap estimate of P(truly best).

Search. Given items to permute, every order is a candidate when there are at
most five (120 orders); beyond that, a local search over swaps starts from
the items in the order the scenario gives them, races the current order
against every order one swap away, and moves while the race's winner beats
the current order with confidence, until no swap does or ``budget`` orders
have been evaluated. It finds an order no single swap improves, not
necessarily the best of all ``n!``.

Work units are (candidate, range of iterations within a stream chunk), run by
an executor (:mod:`simulator.executors`): in process, a process pool or Dask.
"""

from __future__ import annotations

import itertools
from typing import Callable, Sequence

import numpy as np

from .analysis import selection as sel
from .analysis.benefits import benefit_samples
from .analysis.critical import target_finish
from .executors import make_executor
from .parallel import pick_engine, run_range
from .prioritisation import Arm, Prioritisation, build_result
from .sampling.streams import CHUNK, SeedLike, root_seed
from .scenario import derive
from .scenario.candidates import Candidate, Permutations, contended
from .scenario.compile import compile_scenario
from .scenario.models import Scenario

#: Items up to which every order is tried; beyond, a local search over swaps.
EXHAUSTIVE_UP_TO = 5
#: Iterations per work unit unless told; results do not depend on it.
PIECE = 2048
#: The fewest iterations a racing round starts with.
MIN_ROUND = 50


def measure(task: tuple) -> np.ndarray:
    """One work unit: the per-iteration metrics of a candidate over a range of iterations.

    Parameters
    ----------
    task : tuple
        ``((scenario, network), seed, lo, hi, engine)``.

    Returns
    -------
    ndarray, shape (4, hi - lo)
        Target finish, whether it is by the deadline, total benefit by the
        deadline and total present value (0 without ``benefits:``).
    """
    (sc, net), seed, lo, hi, engine = task
    _, sched = run_range(net, seed, lo, hi, engine)
    out = np.zeros((4, hi - lo))
    out[sel.FINISH] = target_finish(net, sched, net.target)
    out[sel.HIT] = out[sel.FINISH] <= net.deadline_time
    b = benefit_samples(sc, net, sched)
    if b is not None:
        out[sel.BY_DEADLINE], out[sel.PRESENT_VALUE] = b.total_by_deadline, b.total_present_value
    return out


def _pieces(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    """Ranges covering ``lo:hi``, none longer than ``size`` or crossing a stream chunk."""
    out, a = [], lo
    while a < hi:
        b = min(hi, a + size, (a // CHUNK + 1) * CHUNK)
        out.append((a, b))
        a = b
    return out


class _Runner:
    """Evaluates arms up to a number of iterations, keeping what was run already."""

    def __init__(self, scenario: Scenario, seed: int, engine: str | None, pool, piece: int,
                 progress: Callable[[int], None] | None = None):
        self.scenario, self.seed, self.engine, self.pool, self.piece = scenario, seed, engine, pool, piece
        self.progress = progress
        self.arms: dict[tuple, Arm] = {}
        self.shared: dict[int, object] = {}

    def arm(self, cand: Candidate, role: str = "candidate") -> Arm:
        if cand.key not in self.arms:
            sc = derive(self.scenario, {"priorities": {"order": list(cand.order), "rule": cand.rule}})
            net = compile_scenario(sc)
            engine = pick_engine(net, self.engine)
            self.arms[cand.key] = Arm(cand, role, sc, net, engine, np.zeros((4, 0)))
        a = self.arms[cand.key]
        if role != a.role and "+" not in a.role:
            a.role = "candidate+baseline"
        return a

    def extend(self, arms: Sequence[Arm], upto: int) -> None:
        tasks, owners = [], []
        for a in arms:
            if id(a) not in self.shared:
                self.shared[id(a)] = self.pool.share((a.scenario, a.network))
            for lo, hi in _pieces(a.n, upto, self.piece):
                tasks.append((self.shared[id(a)], self.seed, lo, hi, a.engine))
                owners.append(a)
        parts: dict[int, list[np.ndarray]] = {}
        for a, part in zip(owners, self.pool.map(measure, tasks)):
            parts.setdefault(id(a), []).append(part)
            if self.progress is not None:
                self.progress(part.shape[1])
        for a in arms:
            if id(a) in parts:
                a.metrics = np.concatenate([a.metrics, *parts[id(a)]], axis=1)


def _boundaries(iterations: int, rounds: int) -> list[int]:
    out = sorted({max(min(MIN_ROUND, iterations), -(-iterations // 2 ** (rounds - 1 - r)))
                  for r in range(rounds)})
    return out


def _race(run: _Runner, racers: list[Arm], refs: list[Arm], iterations: int, rounds: int,
          objective: sel.Objective) -> list[Arm]:
    """Successive rounds with elimination; returns the survivors (see the module docstring)."""
    alive = list(dict.fromkeys(racers))
    marks = _boundaries(iterations, rounds)
    for r, upto in enumerate(marks):
        run.extend(list(dict.fromkeys(alive + refs)), upto)
        if r == len(marks) - 1 or len(alive) < 2:
            continue
        values = np.array([objective.value(a.metrics[:, :upto]) for a in alive])
        stat = objective.sign * objective.statistic(values)
        leader = int(np.nanargmax(stat)) if np.isfinite(stat).any() else 0
        rng = sel.bootstrap_rng(run.seed + r)
        drop = sel.significantly_worse(values, objective, leader, rng=rng)
        for a, d in zip(alive, drop):
            if d:
                a.status = f"dropped after {upto:,} iterations"
        alive = [a for a, d in zip(alive, drop) if not d]
    return alive


def _local_search(run: _Runner, space: Permutations, start: tuple[str, ...], refs: list[Arm],
                  iterations: int, rounds: int, objective: sel.Objective, budget: int) -> None:
    current = run.arm(Candidate(start, space.rule))
    while len(run.arms) < budget:
        m = len(current.candidate.order)
        neighbours = []
        for i, j in itertools.combinations(range(m), 2):
            order = list(current.candidate.order)
            order[i], order[j] = order[j], order[i]
            cand = Candidate(tuple(order), space.rule)
            if cand.key not in run.arms and len(run.arms) + len(neighbours) < budget:
                neighbours.append(cand)
        if not neighbours:
            return
        # the current order gets every iteration, dropped or not: moves are judged against it
        survivors = _race(run, [current, *[run.arm(c) for c in neighbours]], [*refs, current],
                          iterations, rounds, objective)
        values = [objective.value(a.metrics) for a in survivors]
        best = max(range(len(survivors)), key=lambda k: objective.sign * objective.statistic(values[k]))
        if survivors[best] is current:
            return
        boot = None
        if objective.quantile is not None:
            boot = sel.resampled(np.array([values[best], objective.value(current.metrics)]), objective,
                                 sel.bootstrap_rng(run.seed))
            boot = (boot[:, 0], boot[:, 1])
        _, lo, _ = sel.paired_gain(values[best], objective.value(current.metrics), objective, boot=boot)
        if not lo > 0:
            return
        current = survivors[best]


def prioritise(scenario: Scenario, candidates: Sequence | Permutations | None = None,
               objective: str | None = None, iterations: int = 2000, seed: SeedLike = None, *,
               budget: int = 200, rounds: int = 3, engine: str | None = None, workers: int = 1,
               client=None, scheduler: str | None = None, dask: bool = False,
               piece: int = PIECE, progress: Callable[[int], None] | None = None) -> Prioritisation:
    """Find the priority order that serves ``objective`` best, with statistical confidence.

    Parameters
    ----------
    scenario : Scenario
    candidates : list or Permutations, optional
        Orders to try: :class:`~simulator.scenario.candidates.Candidate`\\ s or
        plain lists of ids (``priorities.order``, with the scenario's rule), or
        a :class:`~simulator.scenario.candidates.Permutations` search space.
        Default: the orders of the initiatives that hold a resource.
    objective : {"npv", "benefit-by-deadline", "p-target", "p80-target"}, optional
        Default ``npv`` when the scenario has ``benefits:``, else ``p-target``
        (P(the scenario's target by the deadline)).
    iterations : int
        Iterations of every candidate that survives to the last round.
    seed : int, SeedSequence, Generator or None
        One root seed for every candidate (common random numbers).
    budget : int
        Most orders a local search evaluates.
    rounds : int
        Racing rounds (1: no racing, every candidate gets every iteration).
    engine : str, optional
        Scheduling engine, as in :func:`simulator.simulate`.
    workers : int
        Local processes, or the LocalCluster's with ``dask=True``.
    client, scheduler, dask
        Run on Dask (see :func:`simulator.executors.make_executor`).
    piece : int
        Iterations per work unit; the result does not depend on it.
    progress : callable, optional
        Called with the number of iterations just scheduled (of any order) as each
        work unit finishes; how many there will be depends on the racing.

    Returns
    -------
    Prioritisation
        Ranked table, recommended order, paired gains over the scenario's own
        order and over plan-order, P(best); the same bytes for any executor,
        worker count or ``piece``.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"scenario must be a Scenario from load_scenario(), not {type(scenario).__name__}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 2:
        raise ValueError(f"iterations must be an integer >= 2, got {iterations!r}")
    if not isinstance(rounds, int) or rounds < 1 or not isinstance(piece, int) or piece < 1:
        raise ValueError("rounds and piece must be positive integers")
    objective = objective or ("npv" if scenario.benefits is not None else "p-target")
    if objective not in sel.OBJECTIVES:
        raise ValueError(f"objective must be one of {tuple(sel.OBJECTIVES)}, got {objective!r}")
    obj = sel.OBJECTIVES[objective]
    if obj.needs_benefits and (scenario.benefits is None or not scenario.benefits.rates):
        raise ValueError(f"objective {objective!r} needs benefit rates (`benefits:`); "
                         "use p-target or p80-target")
    root = root_seed(seed)
    own_order = tuple(scenario.priorities.order)
    own = Candidate(own_order, scenario.priorities.rule,
                    "scenario's order" + (f": {' > '.join(own_order)}" if own_order else ""))
    plan_order = Candidate((), "plan-order", "plan-order")
    space = _space(scenario, candidates)
    with make_executor(workers, client=client, scheduler=scheduler, dask=dask) as pool:
        run = _Runner(scenario, root, engine, pool, piece, progress)
        refs = [run.arm(own, "baseline"), run.arm(plan_order, "baseline")]
        if isinstance(space, Permutations) and len(space.items) > EXHAUSTIVE_UP_TO:
            start = tuple(sorted(space.items, key=_place_in(scenario.priorities.order)))
            _local_search(run, space, start, refs, iterations, rounds, obj, budget)
            method = "local search over swaps"
        else:
            if isinstance(space, Permutations):
                space = [Candidate(p, space.rule) for p in itertools.permutations(space.items)]
            _race(run, [run.arm(c) for c in space], refs, iterations, rounds, obj)
            method = "every candidate"
        run.extend(refs, iterations)
    unit = (scenario.benefits.unit if obj.needs_benefits else
            scenario.scenario.unit if obj.quantile is not None else "")
    return build_result(list(run.arms.values()), obj, root, iterations, method,
                        own.key, plan_order.key, unit)


def _place_in(order: Sequence[str]):
    first = {x: k for k, x in enumerate(order)}
    return lambda item: first.get(item, len(first))


def _space(scenario: Scenario, candidates) -> list[Candidate] | Permutations:
    if isinstance(candidates, Permutations):
        return candidates
    if candidates is None:
        items = contended(scenario, compile_scenario(scenario))
        if len(items) < 2:
            items = tuple(i.id for i in scenario.initiatives)
        return Permutations(items, scenario.priorities.rule)
    out = []
    for c in candidates:
        out.append(c if isinstance(c, Candidate) else Candidate(tuple(c), scenario.priorities.rule))
    if not out:
        raise ValueError("candidates is empty")
    return out


__all__ = ["prioritise", "measure"]
