"""Sensitivity of a target's finish: criticality, SSI, cruciality, risk ranking by exclusion, merge bias."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sampling.draws import Draws
from ..sampling.streams import CHUNK
from . import critical, stats
from .exclusion import excluded_outlooks
from .merge_bias import merge_bias
from .result import Result
from .tally import target_stats

#: Iterations (the first ones of a run) that the analyses needing paired per-iteration values
#: use: the exclusion ranking, which reschedules them once per risk, and the Spearman
#: cruciality. Bounding them keeps their cost and memory independent of the run's length;
#: with common random numbers the gains they measure are paired, so a chunk of iterations
#: ranks the risks well. ``sample=None`` uses the whole run.
SAMPLE = CHUNK

# --- helpers ---------------------------------------------------------------------------

def _head(result: Result, sample: int | None) -> Result:
    if sample is None:
        return result.whole("analyses of every iteration (sample=None)")
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 2:
        raise ValueError(f"sample must be an integer >= 2 or None, got {sample!r}")
    return result.head(sample)


def _target(result: Result, target: str | None) -> str:
    target = result.target if target is None else target
    critical.target_members(result.network, target)  # a KeyError naming close matches
    return target


def _spearman_rows(x: np.ndarray, y: np.ndarray, threads: int = 1) -> np.ndarray:
    """Spearman rank correlation of every row of ``x`` (k, n) with ``y`` (n,).

    Ties get average ranks and ``inf`` ranks above every finite value, so an
    iteration that never finishes counts as the latest. A constant row (or a
    constant ``y``) has no rank correlation and gives NaN. The rows are ranked on
    up to ``threads`` threads.
    """
    x = np.atleast_2d(x)
    out = np.full(x.shape[0], np.nan)
    if y.size < 2 or np.all(y == y[0]):
        return out
    ry = stats.average_ranks(y[None])[0]
    ry -= ry.mean()
    # Constancy is judged on the raw values: centred ranks of a constant row can
    # be a rounding error away from zero and would give a spurious +-1.
    varies = ~np.all(x == x[:, :1], axis=1)
    if varies.any():
        rx = stats.average_ranks(x if varies.all() else x[varies], threads)
        rx -= rx.mean(axis=1, keepdims=True)
        out[varies] = rx @ ry / np.sqrt((rx * rx).sum(axis=1) * (ry @ ry))
    return out


def _ratio(num: np.ndarray, den: float) -> np.ndarray:
    """``num / den``, NaN where ``den`` is zero or NaN (a target that never varies)."""
    if not np.isfinite(den) or den == 0:
        return np.full(np.shape(num), np.nan)
    return np.asarray(num, dtype=float) / den


def _gains(before: np.ndarray, after: np.ndarray, unit_days: float) -> dict[str, np.ndarray]:
    """Gains of ``after`` over ``before`` (both from :func:`stats.outlook`); positive is better.

    A percentile after the horizon both ways has no measurable gain: NaN.
    """
    with np.errstate(invalid="ignore"):  # inf - inf is the NaN documented above
        p50, p80 = before[:, 0] - after[:, 0], before[:, 1] - after[:, 1]
    return {"p50_gain": p50, "p80_gain": p80,
            "p50_gain_days": p50 * unit_days, "p80_gain_days": p80 * unit_days,
            "prob_gain": after[:, 2] - before[:, 2]}


def _risks(result: Result) -> pd.DataFrame:
    """id, name, category and kind of every driver, then every gate (the order of the rows
    of :func:`_realised` and :func:`~.exclusion.excluded_outlooks`)."""
    net = result.network
    names = {r.id: r.name or r.id for r in result.scenario.risks}
    rows = [(rid, names.get(rid, rid), net.drivers[ks[0]].category, net.drivers[ks[0]].effect)
            for rid, ks in net.risk_groups()]
    rows += [(g.id, names.get(g.id, g.id), g.category, "funding") for g in net.gates]
    return pd.DataFrame(rows, columns=["id", "name", "category", "kind"])


# --- activities ------------------------------------------------------------------------

def activity_sensitivity(result: Result, target: str | None = None, *,
                         sample: int | None = SAMPLE, workers: int = 1) -> pd.DataFrame:
    """Criticality, schedule sensitivity index and cruciality of every activity.

    Parameters
    ----------
    result : Result
    target : str, optional
        A milestone, phase or initiative id; default ``result.target``.
    sample : int or None
        The cruciality uses the run's first ``sample`` iterations (default
        :data:`SAMPLE`); None uses them all. The other columns use the whole run.
    workers : int
        Threads to rank the activities' durations on (the table does not depend on it).

    Returns
    -------
    DataFrame
        Index ``id`` (every phase and milestone), columns:

        ``name``
        ``criticality``
            Share of iterations in which the activity is on the driving path
            to the target (:func:`~simulator.analysis.critical.driving_path`).
        ``duration_sd``
            Standard deviation of the realised duration (working time, risk
            drivers applied), in the scenario unit.
        ``ssi``
            Schedule sensitivity index, ``criticality * duration_sd / sd(T)``
            with ``T`` the target's finish.
        ``cruciality``
            Spearman rank correlation between the realised duration and ``T``;
            NaN where the duration (or ``T``) is constant.

    Notes
    -----
    Iterations whose target finish is ``inf`` (a funding gate that never
    granted within the horizon) rank as the latest in the cruciality, which
    is what they are; ``sd(T)`` is taken over the finite finishes only, since
    an infinite value has no spread.
    """
    target = _target(result, target)
    net = result.network
    head = _head(result, sample)
    # from the run's tally, summed chunk by chunk: kept whole or not, the same bytes
    counts, moments = target_stats(result, target)
    crit = counts / result.iterations
    sd, finish_sd = stats.moment_sd(result.tally.durations), float(stats.moment_sd(moments)[0])
    return pd.DataFrame({
        "name": net.names, "criticality": crit, "duration_sd": sd,
        "ssi": crit * _ratio(sd, finish_sd),
        "cruciality": _spearman_rows(head.schedule.durations,
                                     critical.target_finish(net, head.schedule, target), workers),
    }, index=pd.Index(net.ids, name="id"))


# --- risk drivers and gates ------------------------------------------------------------

def _realised(draws: Draws, net) -> np.ndarray:
    """What each driver and gate did per iteration: factor (1 if not fired), delay (0 if
    not fired), grant time (``inf`` for never). Shape (drivers + gates, n)."""
    # a scoped risk (one draw per initiative or unit) is represented by its mean realisation
    rows = [np.mean([np.where(draws.fired[k], draws.factor[k],
                              1.0 if net.drivers[k].effect == "impact" else 0.0) for k in ks], axis=0)
            for _, ks in net.risk_groups()]
    return np.vstack([*rows, draws.gate_times]) if rows else draws.gate_times


def driver_sensitivity(result: Result, target: str | None = None, *,
                       sample: int | None = SAMPLE) -> pd.DataFrame:
    """Rank correlation between what each risk did and the target's finish.

    Parameters
    ----------
    result : Result
    target : str, optional
        A milestone, phase or initiative id; default ``result.target``.
    sample : int or None
        The Spearman correlation uses the run's first ``sample`` iterations
        (default :data:`SAMPLE`); None uses them all. ``occurrence`` uses the
        whole run.

    Returns
    -------
    DataFrame
        Index ``id`` (drivers in file order, then funding gates), columns
        ``name``, ``category``, ``kind`` ("impact", "delay" or "funding"),
        ``occurrence`` (share of iterations the driver fired; for a gate, the
        share it did not grant at its first decision) and ``spearman``: the
        Spearman correlation of the realised factor (impact: the factor where
        fired, else 1; delay: the delay where fired, else 0; funding: the
        grant time, never-granted ranked last) with the target's finish. NaN
        where the realised value never varies, e.g. a driver with probability 0.
    """
    target = _target(result, target)
    net, draws = result.network, result.whole("driver sensitivities").draws
    finish = critical.target_finish(net, result.schedule, target)
    first = np.array([g.first for g in net.gates])
    late = (draws.gate_times > first[:, None]).mean(axis=1) if net.gates else np.empty(0)
    frame = _risks(result)
    fired = [draws.fired[ks].mean() for _, ks in net.risk_groups()]
    frame["occurrence"] = np.concatenate([fired, late])
    head = _head(result, sample)
    frame["spearman"] = _spearman_rows(_realised(head.draws, net), finish[:head.iterations])
    return frame.set_index("id")


def risk_ranking(result: Result, target: str | None = None, *,
                 sample: int | None = SAMPLE, workers: int = 1) -> pd.DataFrame:
    """Rank the risks by what the target would gain if each alone were removed.

    Each impact/delay driver in turn is switched off (as if it never fired) and
    each funding gate in turn is removed (its phases may start at the data
    date); the same sampled draws are rescheduled, so the difference is due to
    that risk alone and not to sampling noise.

    Parameters
    ----------
    result : Result
    target : str, optional
        A milestone, phase or initiative id; default ``result.target``.
    sample : int or None
        Rank on the run's first ``sample`` iterations (default :data:`SAMPLE`);
        None ranks on them all. Each risk reschedules the iterations it fired
        in, so the cost of a ranking on the whole run grows with the run.
    workers : int
        Processes to spread the risks over; the ranking does not depend on it.

    Returns
    -------
    DataFrame
        Index ``id``, sorted by ``p80_gain`` (largest first), columns ``name``,
        ``category``, ``kind`` ("impact", "delay" or "funding"); ``p50``,
        ``p80``, ``prob_by_deadline`` as simulated; ``p50_without``,
        ``p80_without``, ``prob_by_deadline_without`` with the risk removed;
        ``p50_gain``, ``p80_gain`` (scenario unit, positive = earlier without
        the risk), ``p50_gain_days``, ``p80_gain_days`` and ``prob_gain``
        (P(by deadline) without minus with).

    Notes
    -----
    Percentiles are the inverse empirical CDF of
    :func:`~simulator.analysis.stats.percentiles` over the ranked iterations
    (``frame.attrs["iterations"]``), so ``p50`` and ``p80`` equal
    ``finish_p50`` and ``finish_p80`` of ``result.head(sample).summary()``,
    and of ``result.summary()`` when the run is no longer than the sample. A
    percentile that lies after the horizon (``inf``) both with and without
    the risk gives a NaN gain; NaN gains sort last.
    """
    target = _target(result, target)
    return risk_rankings(result, [target], sample=sample, workers=workers)[target]


def risk_rankings(result: Result, targets: list[str] | None = None, *,
                  sample: int | None = SAMPLE, workers: int = 1) -> dict[str, pd.DataFrame]:
    """:func:`risk_ranking` for several targets at once, each risk rescheduled only once.

    Parameters
    ----------
    result : Result
    targets : list of str, optional
        Milestones, phases or initiatives; default every initiative.
    sample, workers
        As for :func:`risk_ranking`.

    Returns
    -------
    dict of str to DataFrame
        Each target's ranking, as :func:`risk_ranking` returns it.
    """
    net = result.network
    targets = [_target(result, t) for t in (net.initiative_ids if targets is None else targets)]
    result = _head(result, sample)
    before, after = excluded_outlooks(result, targets, workers)
    risks = _risks(result).set_index("id")
    return {t: _ranking(result, risks, before[j], after[j]) for j, t in enumerate(targets)}


def _ranking(result: Result, risks: pd.DataFrame, before: np.ndarray,
             after: np.ndarray) -> pd.DataFrame:
    """One target's ranking table from its outlook as simulated and without each risk
    (``risks``: :func:`_risks` indexed by id).

    Put together in its sorted order from arrays, not sorted as a frame: a wide plan ranks
    the risks for each of its hundreds of initiatives."""
    net = result.network
    before = np.tile(before, (len(after), 1))
    cols = {}
    for j, col in enumerate(("p50", "p80", "prob_by_deadline")):
        cols[col], cols[f"{col}_without"] = before[:, j], after[:, j]
    cols.update(_gains(before, after, net.unit_days))
    order = _largest_first([cols["p80_gain"], cols["p50_gain"], cols["prob_gain"]])
    named = risks.take(order)
    numbers = pd.DataFrame(np.column_stack(list(cols.values()))[order], index=named.index,
                           columns=list(cols))
    frame = pd.concat([named, numbers], axis=1)
    frame.attrs["iterations"] = result.iterations
    return frame


def _largest_first(keys: list[np.ndarray]) -> np.ndarray:
    """The order that sorts by each key in turn, largest first, NaN after every number and
    equal rows in their order: pandas' ``sort_values(keys, ascending=False,
    kind="stable", na_position="last")``."""
    # lexsort's last key sorts first; it is stable and puts NaN after every number
    return np.lexsort([-k for k in reversed(keys)])


# --- mitigation ------------------------------------------------------------------------

def mitigated_risks(result: Result) -> pd.DataFrame:
    """The risks that have post-mitigation values, and which values.

    Returns
    -------
    DataFrame
        Index ``id``, columns ``name`` and ``mitigates`` (the mitigated fields,
        e.g. "probability" or "funding", comma-separated).
    """
    rows = [(r.id, r.name or r.id,
             ", ".join(k for k in ("probability", "impact", "delay", "funding")
                       if getattr(r.mitigated, k) is not None))
            for r in result.scenario.risks if r.mitigated is not None]
    return pd.DataFrame(rows, columns=["id", "name", "mitigates"]).set_index("id")


def mitigation_effect(result: Result, target: str | None = None) -> pd.DataFrame:
    """Compare the target and every initiative before and after mitigation.

    The scenario is simulated again with the other setting of ``mitigated``
    and the same seed, iterations and sampling. Streams depend only on the
    seed and the element id, so both runs share their draws (common random
    numbers): the difference is the mitigations' effect, not sampling noise.

    Parameters
    ----------
    result : Result
        Either the pre- or the post-mitigation run.
    target : str, optional
        A milestone, phase or initiative id; default ``result.target``.

    Returns
    -------
    DataFrame
        Index ``id`` (the target first, then each initiative), columns
        ``name``, ``is_target``; ``p50_pre``, ``p80_pre``,
        ``prob_by_deadline_pre``; the same with ``_post``; ``p50_gain``,
        ``p80_gain`` (scenario unit, positive = earlier after mitigation),
        ``p50_gain_days``, ``p80_gain_days`` and ``prob_gain``. The ids of
        the risks that have mitigated values are in
        ``frame.attrs["mitigated_risks"]``; see :func:`mitigated_risks`.
    """
    from ..api import simulate  # api imports analysis: import here to avoid a cycle

    target = _target(result, target)
    other = simulate(result.scenario, result.iterations, result.seed, sampling=result.sampling,
                     mitigated=not result.mitigated, engine=result.engine)
    pre, post = (other, result) if result.mitigated else (result, other)
    net = result.network
    ids = [target, *(i for i in net.initiative_ids if i != target)]
    names = dict(zip(net.ids, net.names)) | dict(zip(net.initiative_ids, net.initiative_names))
    before = stats.outlook(np.array([pre.finish(i) for i in ids]), net.deadline_time)
    after = stats.outlook(np.array([post.finish(i) for i in ids]), net.deadline_time)
    frame = pd.DataFrame({"name": [names[i] for i in ids],
                          "is_target": [i == target for i in ids]},
                         index=pd.Index(ids, name="id"))
    for j, col in enumerate(("p50", "p80", "prob_by_deadline")):
        frame[f"{col}_pre"], frame[f"{col}_post"] = before[:, j], after[:, j]
    for col, values in _gains(before, after, net.unit_days).items():
        frame[col] = values
    frame.attrs["mitigated_risks"] = tuple(mitigated_risks(result).index)
    return frame


__all__ = ["activity_sensitivity", "driver_sensitivity", "risk_ranking", "mitigation_effect",
           "mitigated_risks", "merge_bias"]
