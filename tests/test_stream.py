"""A run that keeps only its first chunk gives the tables of the run kept whole, byte for byte,
and those tables are the exact statistics of every iteration."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.analysis import calibrate, critical, rollouts, sketch, stats
from simulator.analysis.benefits import result_benefits
from simulator.analysis.sensitivity import risk_ranking
from simulator.sampling.streams import CHUNK

NYTTE = "scenarios/examples/capacity-nytte.yaml"
DEFAULT = "scenarios/veikart-22.1.yaml"
N = 2 * CHUNK + 777  # three chunks, the last one short


def _tables(res):
    """Every table a tally gives: the JSON object as text, and the tables as exact bytes."""
    frames = {"summary": res.summary(), "coverage": res.coverage(), "waiting": res.waiting(),
              "activities": rollouts.waiting(res).activities, "benefits": res.benefits(),
              "calibration": calibrate.calibration(res), "planned": calibrate.planned_dates(res)}
    return json.dumps(res.to_dict(), sort_keys=True), frames


def _same(a, b):
    assert a[0] == b[0]
    for name, frame in a[1].items():
        other = b[1][name]
        if frame is None:
            assert other is None
            continue
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)


@pytest.fixture(scope="module")
def default_runs():
    sc = simulator.load_scenario(DEFAULT)
    return (simulator.simulate(sc, N, 11),
            simulator.simulate(sc, N, 11, keep="head"),
            simulator.simulate(sc, N, 11, keep="head", workers=2))


def test_default_scenario_head_equals_whole(default_runs):
    whole, head, head2 = default_runs
    assert head.kept == CHUNK and not head.is_whole and whole.is_whole
    _same(_tables(head), _tables(whole))
    _same(_tables(head2), _tables(whole))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_capacity_scenario_head_equals_whole(seed, sampling):
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, seed, sampling=sampling)
    head = simulator.simulate(sc, N, seed, sampling=sampling, keep="head")
    _same(_tables(head), _tables(whole))


def test_whole_run_tables_are_the_statistics_of_every_iteration(default_runs):
    """Against the arrays directly: full sorts, plain means, counts of the driving paths."""
    res = default_runs[0]
    net, sched = res.network, res.schedule
    wide = res.summary()
    shown = np.flatnonzero(net.shown)
    fin = np.vstack([sched.finish[shown], [sched.finish[m].max(axis=0) for m in net.initiative_members]])
    start = np.vstack([sched.start[shown], [sched.start[m].min(axis=0) for m in net.initiative_members]])
    for quantity, x in (("finish", fin), ("start", start)):
        ref = stats.percentiles(x, net.percentiles)
        for j, p in enumerate(net.percentiles):
            for k, suffix in enumerate(("", "_lo", "_hi")):
                np.testing.assert_array_equal(wide[f"{quantity}_p{p:g}{suffix}"].to_numpy(), ref[:, j, k])
        finite = np.isfinite(x).all(axis=1)
        np.testing.assert_allclose(wide[f"{quantity}_mean"].to_numpy()[finite], x[finite].mean(axis=1),
                                   rtol=1e-13)
        np.testing.assert_allclose(wide[f"{quantity}_std"].to_numpy()[finite],
                                   x[finite].std(axis=1, ddof=1), rtol=1e-9, atol=1e-12)
        assert wide[f"{quantity}_mean"].isna().to_numpy()[~finite].all()
    np.testing.assert_array_equal(wide["prob_by_deadline"].to_numpy(),
                                  (fin <= net.deadline_time).mean(axis=1))
    path = critical.driving_path(net, sched, net.target).mean(axis=1)
    np.testing.assert_array_equal(wide["criticality"].to_numpy()[:shown.size], path[shown])
    # rollouts: times to coverage from the units' finishes
    cov = res.coverage()
    for r in net.rollouts:
        t = rollouts.coverage_times(res, r.id, (1.0,))
        assert cov.loc[r.id, "time_to_100_p50"] == stats.percentiles(t, (50.0,))[0, 0, 0]
    # benefits: plain means of the per-iteration samples
    b, s = res.benefits(), result_benefits(res)
    np.testing.assert_allclose(b.xs("present_value", level="quantity")["mean"].to_numpy()[:-1],
                               s.present_value.mean(axis=1), rtol=1e-12)
    # waiting: the summed wait of each claimant over the iterations
    acts = rollouts._claimants(net)
    with np.errstate(invalid="ignore"):
        wait = np.where(np.isfinite(sched.ready[acts]), sched.taken[acts] - sched.ready[acts], 0.0)
    np.testing.assert_allclose(rollouts.waiting(res).activities["mean_wait"].to_numpy(),
                               wait.mean(axis=1), rtol=1e-12)


def test_peak_mean_busy_is_utilisations_mean(default_runs):
    res = default_runs[0]
    util = res.utilisation()
    peak = util.groupby("resource", sort=False)["mean"].max()
    waits = res.waiting()
    for rid, value in peak.items():
        assert waits.loc[rid, "peak_mean_busy"] == pytest.approx(value, rel=1e-14, abs=1e-14)


def test_a_missed_band_is_taken_again_whole(monkeypatch):
    """With no margin the bands miss; the rows are then read again from every iteration."""
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, 5)
    expected = _tables(whole)
    monkeypatch.setattr(sketch, "Z", 0.0)
    head = simulator.simulate(sc, N, 5, keep="head")
    assert head.tally.exact  # some rows were taken again
    _same(_tables(head), expected)


def test_head_only_run_refuses_what_needs_every_iteration():
    sc = simulator.load_scenario(NYTTE)
    head = simulator.simulate(sc, N, 3, keep="head")
    rid = head.network.rollouts[0].id
    for call in (lambda: head.finish(head.target), lambda: rollouts.coverage_curve(head, rid),
                 head.utilisation, lambda: head.criticality(head.network.initiative_ids[0]),
                 lambda: risk_ranking(head, sample=None),
                 lambda: head.head(CHUNK + 1)):
        with pytest.raises(ValueError, match="kept the first 8,192|keep='all'"):
            call()
    # what uses the first chunk works, and equals the same on the whole run
    whole = simulator.simulate(sc, N, 3)
    pd.testing.assert_frame_equal(risk_ranking(head), risk_ranking(whole))


def test_keep_is_checked():
    sc = simulator.load_scenario(NYTTE)
    with pytest.raises(ValueError, match="keep must be one of"):
        simulator.simulate(sc, 100, 1, keep="some")
    # a run of one chunk is whole whatever it keeps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert simulator.simulate(sc, 100, 1, keep="head").is_whole
