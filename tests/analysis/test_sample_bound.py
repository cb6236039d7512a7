"""The analyses that need paired per-iteration values run on a bounded sample of the run.

The bounded version must equal the full one where both fit: the ranking (and the
cruciality) of a long run are those of a run of ``SAMPLE`` iterations with the same
seed, because a run's first iterations do not depend on how many follow.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import simulator
from simulator.analysis import sensitivity as sens
from simulator.sampling.streams import CHUNK

ROOT = Path(__file__).resolve().parents[2]
CAPACITY = ROOT / "scenarios" / "examples" / "capacity.yaml"


@pytest.fixture(scope="module")
def capacity_runs():
    sc = simulator.load_scenario(CAPACITY)
    return simulator.simulate(sc, CHUNK + 3000, seed=7), simulator.simulate(sc, CHUNK, seed=7)


def test_sample_is_one_chunk():
    assert sens.SAMPLE == CHUNK


@pytest.mark.parametrize("sampling", ["mc", "lhs"])
def test_head_equals_a_shorter_run(tiny_file, sampling):
    sc = simulator.load_scenario(tiny_file)
    long = simulator.simulate(sc, 2 * CHUNK + 5, seed=3, sampling=sampling)
    short = simulator.simulate(sc, CHUNK, seed=3, sampling=sampling)
    head = long.head(CHUNK)
    assert head.iterations == CHUNK
    assert np.shares_memory(head.schedule.finish, long.schedule.finish)  # a view, not a copy
    assert_frame_equal(head.summary(), short.summary())
    assert long.head(10**9) is long


@pytest.mark.parametrize("n", [1, 0, 2.5, True, "8"])
def test_head_refuses_a_bad_count(tiny_file, n):
    run = simulator.simulate(simulator.load_scenario(tiny_file), 10, seed=1)
    with pytest.raises(ValueError, match="n must be an integer"):
        run.head(n)


def test_ranking_of_a_long_run_is_that_of_its_first_chunk(capacity_runs):
    long, short = capacity_runs
    bounded = sens.risk_ranking(long)
    full = sens.risk_ranking(short, sample=None)
    assert bounded.attrs["iterations"] == CHUNK == full.attrs["iterations"]
    assert_frame_equal(bounded, full)
    # and unbounded on the long run it is a different (longer) computation
    whole = sens.risk_ranking(long, sample=None)
    assert whole.attrs["iterations"] == long.iterations
    assert not whole[["p80", "prob_by_deadline"]].equals(bounded[["p80", "prob_by_deadline"]])


def test_ranking_percentiles_are_the_sample_summary(capacity_runs):
    long, short = capacity_runs
    ranking = sens.risk_ranking(long, sample=CHUNK)
    wide = short.summary()
    target = long.target
    assert (ranking["p80"] == wide.loc[target, "finish_p80"]).all()
    assert (ranking["p50"] == wide.loc[target, "finish_p50"]).all()
    assert np.allclose(ranking["prob_by_deadline"], wide.loc[target, "prob_by_deadline"])


def test_rankings_for_every_initiative_use_the_sample(capacity_runs):
    long, short = capacity_runs
    bounded = sens.risk_rankings(long)
    full = sens.risk_rankings(short, sample=None)
    assert bounded.keys() == full.keys()
    for key in bounded:
        assert_frame_equal(bounded[key], full[key])


def test_cruciality_on_the_sample_other_columns_on_the_run(capacity_runs):
    long, short = capacity_runs
    table = sens.activity_sensitivity(long)
    # cruciality: Spearman of the first chunk, by an independent computation (scipy)
    from scipy.stats import spearmanr
    finish = long.finish(long.target)[:CHUNK]
    for i in np.flatnonzero(np.isfinite(table["cruciality"].to_numpy()))[:10]:
        rho = spearmanr(long.schedule.durations[i, :CHUNK], finish).statistic
        assert table["cruciality"].iloc[i] == pytest.approx(rho, abs=1e-12)
    # criticality and spread: the whole run, as in the summary
    crit = long.criticality()
    assert np.array_equal(table["criticality"].to_numpy(), crit.to_numpy())
    # merged chunk by chunk (Chan et al.): equal to the plain SD but for the last bits
    np.testing.assert_allclose(table["duration_sd"].to_numpy(),
                               long.schedule.durations.std(axis=1, ddof=1), rtol=1e-12, atol=1e-14)


def test_driver_spearman_on_the_sample_occurrence_on_the_run(capacity_runs):
    long, short = capacity_runs
    bounded, full = sens.driver_sensitivity(long), sens.driver_sensitivity(short)
    pd.testing.assert_series_equal(bounded["spearman"], full["spearman"])
    groups = long.network.risk_groups()
    fired = np.array([long.draws.fired[ks].mean() for _, ks in groups])
    assert np.array_equal(bounded["occurrence"].to_numpy()[:len(groups)], fired)


def test_report_says_what_the_ranking_used(capacity_runs, tmp_path):
    from simulator.report.data import ReportData
    from simulator.report.html import render_html
    long, short = capacity_runs
    data = ReportData.from_result(long)
    assert data.meta["ranked_iterations"] == CHUNK
    data.save(tmp_path)
    again = ReportData.load(tmp_path)
    assert again.meta["ranked_iterations"] == CHUNK
    html = render_html(again, lang="nb")
    assert "ellers. Rangeringen er beregnet på de første 8\u00a0192 iterasjonene" in html \
        or "ellers. Rangeringen er beregnet på de første 8 192 iterasjonene" in html
    short_html = render_html(ReportData.from_result(short), lang="en")
    assert "The ranking is computed on the first" not in short_html


@pytest.mark.parametrize("scenario", ["default", "tiny"])
def test_rankings_on_two_workers_are_the_same(tiny_file, scenario):
    """The risks are spread over forked workers; each is ranked by the same code, so the
    tables are equal to the bit."""
    path = ROOT / "scenarios" / "veikart-22.1.yaml" if scenario == "default" else tiny_file
    run = simulator.simulate(simulator.load_scenario(path), 1500, seed=9)
    one = sens.risk_rankings(run, workers=1)
    two = sens.risk_rankings(run, workers=2)
    assert len(one) >= 1
    for key in one:
        assert len(one[key]) >= 2
        assert_frame_equal(one[key], two[key])


def test_terminal_says_when_the_ranking_used_fewer_iterations(capacity_runs):
    from simulator.commands import top_risks_text
    long, short = capacity_runs
    text = top_risks_text(sens.risk_ranking(long), "x", iterations=long.iterations)
    assert f"first 8,192 of {long.iterations:,} iterations" in text
    assert "first" not in top_risks_text(sens.risk_ranking(short), "x", iterations=short.iterations)


def test_a_plan_of_fixed_durations_gets_its_report(write, tmp_path):
    """Every iteration finishes on the same day: the date axes still have a width (no
    warning, which the test run turns into an error, and the command line would print)."""
    from simulator.cli import main
    path = write("""\
scenario: {name: fixed, version: "1", start: 2025-01-01, deadline: 2026-12-31, unit: months}
initiatives:
  - id: a
    phases:
      - {id: a1, kind: utvikling, duration: {dist: fixed, value: 3}}
      - {id: a2, kind: innforing, duration: {dist: fixed, value: 2}, after: [a1]}
""")
    assert main(["run", str(path), "-n", "300", "--seed", "1", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "report.html").stat().st_size > 10_000


@pytest.mark.parametrize("sample", [0, 1, -5, 2.5, True])
def test_a_bad_sample_is_named(capacity_runs, sample):
    with pytest.raises(ValueError, match="sample must be an integer >= 2 or None"):
        sens.risk_ranking(capacity_runs[0], sample=sample)


def test_a_risk_that_changes_nothing_is_not_listed_as_a_driver():
    from simulator.commands import top_risks_text
    ranking = pd.DataFrame({
        "name": ["A", "B", "C"], "p80_gain_days": [30.0, 0.0, np.nan],
        "p50_gain_days": [10.0, 0.0, np.nan], "prob_gain": [0.1, 0.0, np.nan],
        "p80_gain": [1.0, 0.0, np.nan]}, index=pd.Index(["a", "b", "c"], name="id"))
    text = top_risks_text(ranking, "x")
    assert "1. a" in text and "b " not in text.split("\n", 1)[1] and "2." not in text
    none = top_risks_text(ranking.loc[["b", "c"]], "x")
    assert "(removing any one risk changes none of these figures)" in none
