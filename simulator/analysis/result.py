"""Result: the draws and schedule of a run, and tidy tables of what they mean."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING
from functools import cached_property

import numpy as np
import pandas as pd

from ..engines.cpm import Schedule
from ..sampling.draws import Draws
from ..scenario.models import Scenario
from ..scenario.network import Network
from . import critical, stats
from .daycount import FinishDays

if TYPE_CHECKING:
    from .extras import Extras
    from .tally import Tally


@dataclass(frozen=True, eq=False)
class Result:
    """A finished run: raw arrays plus tables derived from them on demand.

    Attributes
    ----------
    network : Network
    draws : Draws
        The sampled inputs, kept so analyses can reschedule them (common random numbers).
    schedule : Schedule
    plan : Schedule
        The deterministic plan (one column): most-likely durations, no risk fires.
    seed : int
        The root seed; rerunning with it gives the same bytes.
    iterations : int
    sampling : {"mc", "lhs"}
    engine : str
    scenario_hash : str
        sha256 of the validated scenario's canonical JSON.
    scenario : Scenario
        The validated scenario that was run, for reruns with other settings.
    kept : int or None
        Iterations whose draws and dates ``draws`` and ``schedule`` hold, from the
        first; None for all of them. A run that keeps only its first chunk (the
        command line's, for ``--json`` and the terminal) has its tables from a
        :class:`~simulator.analysis.tally.Tally` made while it ran.
    """

    network: Network
    draws: Draws
    schedule: Schedule
    plan: Schedule
    seed: int
    iterations: int
    sampling: str
    engine: str
    scenario_hash: str
    scenario: Scenario
    kept: int | None = None
    streamed: "Tally | None" = None

    @property
    def is_whole(self) -> bool:
        """Whether every iteration's draws and dates are held (not only the first ones)."""
        return self.kept is None or self.kept >= self.iterations

    def whole(self, what: str, *, report: bool = False, instead: str | None = None) -> "Result":
        """This result, when it holds every iteration; else a ValueError saying ``what`` needs
        them, and how to have it: ``instead`` (a cheaper option of ``simulate``), keep='all'
        and, with ``report``, keep='report' (a run reduced for a report has it)."""
        if self.is_whole:
            return self
        ways = [*([instead] if instead else []), "keep='all'", *(["keep='report'"] if report else [])]
        raise ValueError(f"every iteration's dates are needed for {what}, and this run kept the "
                         f"first {self.kept:,} of {self.iterations:,}: simulate it with "
                         + " or ".join(ways))

    @cached_property
    def tally(self) -> "Tally":
        """The run reduced to what its tables need (:mod:`simulator.analysis.tally`)."""
        if self.streamed is not None:
            return self.streamed
        from .tally import tally_of
        return tally_of(self)

    @cached_property
    def extras(self) -> "Extras":
        """What a report needs beyond the tally (:mod:`simulator.analysis.extras`)."""
        if self.streamed is not None and self.streamed.extras is not None:
            return self.streamed.extras
        from .extras import extras_of
        return extras_of(self.whole("the report's tables over time", report=True))

    @property
    def mitigated(self) -> bool:
        """Whether the run used the risks' mitigated values."""
        return self.network.mitigated

    @property
    def target(self) -> str:
        """The scenario's default target: its last milestone unless set."""
        return self.network.target

    def finish(self, element: str) -> np.ndarray:
        """Finish times of an activity or initiative, one per iteration."""
        return critical.target_finish(self.network, self.whole("finish times").schedule, element)

    def finish_days(self, element: str) -> FinishDays:
        """The finishes of an activity or initiative counted per reported day
        (:class:`~simulator.analysis.daycount.FinishDays`): what the report's S-curves,
        histograms and dates are drawn from.

        A run reduced for a report (``keep="report"``) counted them for every initiative
        and milestone and the ``targets`` it was simulated for; any other needs every
        iteration.
        """
        known = self._finish_days
        if element not in known:  # a figure asks for one element's several times
            extras = self.streamed.extras if self.streamed is not None else None
            if not self.is_whole and extras is not None and element in extras.layout.ids:
                known[element] = extras.finishes[extras.layout.ids.index(element)]
            else:
                t = critical.target_finish(self.network, self.whole(
                    f"the finish dates of {element}", report=True,
                    instead=f"targets=[{element!r}] with keep='report'").schedule, element)
                known[element] = FinishDays.of(t, self.network.start, self.network.unit_days)
        return known[element]

    @cached_property
    def _finish_days(self) -> dict[str, FinishDays]:
        return {}

    def on_time(self, element: str) -> np.ndarray:
        """Per iteration, whether an activity or initiative finished by the deadline.

        A run that did not keep every iteration has it for the elements it was
        simulated to compare (``simulate(compared=...)``), one bit an iteration.
        """
        if self.streamed is not None and self.streamed.compared(element):
            return self.streamed.on_time(element)
        return self.whole("finish times").finish(element) <= self.network.deadline_time

    def outlook(self, element: str) -> np.ndarray:
        """P50, P80 and P(by deadline) of an element's finish (:func:`stats.outlook`)."""
        if self.streamed is not None and self.streamed.compared(element):
            return self.streamed.outlook(element)
        return stats.outlook(self.whole("finish times").finish(element),
                             self.network.deadline_time)[0]

    def start(self, element: str) -> np.ndarray:
        """Start times of an activity or initiative, one per iteration."""
        return critical.target_start(self.network, self.whole("start times").schedule, element)

    def head(self, n: int) -> "Result":
        """The first ``n`` iterations as a Result of their own (views of these arrays, no copy).

        Streams are keyed by seed, element and iteration, so for plain Monte
        Carlo (and for Latin Hypercube with ``n`` a whole number of chunks of
        8,192) this equals a run of ``n`` iterations with the same seed.
        ``n`` larger than the run gives the whole run.
        """
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
            raise ValueError(f"n must be an integer >= 2, got {n!r}")
        if n >= self.iterations and self.is_whole:
            return self
        if not self.is_whole and n > self.kept:
            raise ValueError(f"this run kept the first {self.kept:,} iterations, not {n:,}")
        n = min(int(n), self.iterations)
        return replace(self, draws=self.draws.columns(0, n), schedule=self.schedule.columns(0, n),
                       iterations=n, kept=None, streamed=None)

    def criticality(self, target: str | None = None) -> pd.Series:
        """Criticality index of every activity with respect to ``target``.

        Parameters
        ----------
        target : str, optional
            A milestone, phase or initiative; default the scenario's target.
        """
        from .tally import target_stats
        ci = target_stats(self, target or self.target)[0] / self.iterations
        return pd.Series(ci, index=pd.Index(self.network.ids, name="id"), name="criticality")

    def summary(self, fmt: str = "wide") -> pd.DataFrame:
        """Statistics of every phase, milestone and initiative.

        Parameters
        ----------
        fmt : {"wide", "long"}
            ``wide`` has one row per element. ``long`` has one row per element,
            quantity and statistic, with ``value``, ``lo`` and ``hi`` columns.

        Returns
        -------
        DataFrame
            Times are in the scenario unit from the start date; ``*_date``
            columns are dates. ``inf`` and NaT mean "after the horizon".
            ``criticality`` is the share of iterations in which a phase or
            milestone drives the scenario's target; ``criticality_initiative``
            the share in which a phase drives its own initiative's finish.
        """
        if fmt == "wide":
            return self._wide.copy()
        if fmt == "long":
            return _long(self._wide, self.network.percentiles)
        raise ValueError(f"fmt must be 'wide' or 'long', got {fmt!r}")

    @cached_property
    def _wide(self) -> pd.DataFrame:
        net, tally = self.network, self.tally
        shown = tally.layout.shown  # rollout units and share nodes have their own tables
        ids = [net.ids[i] for i in shown]
        kinds = [net.kinds[i] for i in shown]
        elements = [*ids, *net.initiative_ids]
        plan = self.plan
        frame = pd.DataFrame({
            "id": elements,
            "element": ["milestone" if k == "milestone" else "phase" for k in kinds]
                       + ["initiative"] * len(net.initiative_ids),
            "kind": [None if k == "milestone" else k for k in kinds] + [None] * len(net.initiative_ids),
            "name": [*(net.names[i] for i in shown), *net.initiative_names],
            "initiative": [net.initiative_ids[i] if i >= 0 else None for i in net.initiative_of[shown]]
                          + list(net.initiative_ids),
            "planned_start": np.concatenate([plan.start[shown, 0], [plan.start[mem, 0].min()
                                             for mem in net.initiative_members]]),
            "planned_finish": np.concatenate([plan.finish[shown, 0], [plan.finish[mem, 0].max()
                                              for mem in net.initiative_members]]),
        })
        frame["planned_finish_date"] = net.to_dates(frame["planned_finish"].to_numpy(), finish=True)
        for quantity in ("start", "finish"):
            frame = frame.join(self._stats(quantity))
        for p in net.percentiles:  # a start is never shown after its finish (a milestone at midnight)
            frame[f"start_date_p{p:g}"] = net.to_dates(frame[f"start_p{p:g}"].to_numpy(),
                                                       until=frame[f"finish_p{p:g}"].to_numpy())
        pad = np.full(len(net.initiative_ids), np.nan)
        frame["criticality"] = np.concatenate([tally.crit[shown] / self.iterations, pad])
        frame["criticality_initiative"] = np.concatenate(
            [critical.initiative_share(net, tally.icrit, self.iterations)[shown], pad])
        return frame.set_index("id")

    def _stats(self, quantity: str) -> pd.DataFrame:
        net, tally = self.network, self.tally
        block = tally.layout.blocks[quantity]
        rows = np.arange(block.start, block.stop)
        cols: dict[str, np.ndarray] = {}
        cols[f"{quantity}_mean"], cols[f"{quantity}_std"] = tally.mean_std(rows)
        pct = tally.percentiles(rows, net.percentiles)
        is_finish = quantity == "finish"
        for j, p in enumerate(net.percentiles):
            name = f"{quantity}_p{p:g}"
            cols[name], cols[f"{name}_lo"], cols[f"{name}_hi"] = pct[:, j, 0], pct[:, j, 1], pct[:, j, 2]
            cols[f"{quantity}_date_p{p:g}"] = net.to_dates(pct[:, j, 0], finish=is_finish)
        if is_finish:
            n = self.iterations
            prob = stats.proportion(tally.hits[:rows.size], n)
            cols["prob_by_deadline"], cols["prob_by_deadline_lo"], cols["prob_by_deadline_hi"] = prob.T
            cols["prob_within_horizon"] = tally.finite_share(rows)
        return pd.DataFrame(cols)

    def coverage(self) -> pd.DataFrame:
        """Per rollout: time to 50/90/100 % coverage and P(coverage by the deadline).

        See :func:`simulator.analysis.rollouts.coverage_summary`.
        """
        return self._coverage.copy()

    @cached_property
    def _coverage(self) -> pd.DataFrame:
        from .rollouts import coverage_summary
        return coverage_summary(self)

    def utilisation(self) -> pd.DataFrame:
        """Units of each resource held per month (mean, P90) against its capacity.

        See :func:`simulator.analysis.rollouts.utilisation`.
        """
        from .rollouts import utilisation
        return utilisation(self)

    def waiting(self) -> pd.DataFrame:
        """Per resource: the mean waiting time its queue caused, in the unit and in days.

        See :func:`simulator.analysis.rollouts.waiting`.
        """
        from .rollouts import waiting
        return waiting(self).resources

    def benefits(self) -> pd.DataFrame | None:
        """Benefit by the deadline and present value, per rate and in total; None without
        ``benefits:`` (see :mod:`simulator.analysis.benefits`)."""
        from .benefits import benefit_table
        return benefit_table(self)

    def to_dict(self) -> dict:
        """The JSON object of the CLI contract (see DESIGN.md), with plain Python values."""
        from ..contract import result_to_dict
        return result_to_dict(self)


def _long(wide: pd.DataFrame, percentiles: tuple[float, ...]) -> pd.DataFrame:
    rows = []
    names = ["mean", "std", *[f"p{p:g}" for p in percentiles]]
    for quantity in ("start", "finish"):
        for stat in names:
            col = f"{quantity}_{stat}"
            part = pd.DataFrame({"id": wide.index, "element": wide["element"].to_numpy(),
                                 "quantity": quantity, "statistic": stat,
                                 "value": wide[col].to_numpy(),
                                 "lo": wide.get(f"{col}_lo", pd.Series(np.nan, index=wide.index)).to_numpy(),
                                 "hi": wide.get(f"{col}_hi", pd.Series(np.nan, index=wide.index)).to_numpy()})
            rows.append(part)
    rows.append(pd.DataFrame({"id": wide.index, "element": wide["element"].to_numpy(),
                              "quantity": "finish", "statistic": "prob_by_deadline",
                              "value": wide["prob_by_deadline"].to_numpy(),
                              "lo": wide["prob_by_deadline_lo"].to_numpy(),
                              "hi": wide["prob_by_deadline_hi"].to_numpy()}))
    return pd.concat(rows, ignore_index=True)

