"""``compare`` on runs that keep only what it needs: the same table, byte for byte, as on runs
kept whole, and paired errors computed exactly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import simulator
from simulator.analysis.compare import compare_results, paired_gain
from simulator.cli import main
from simulator.sampling.streams import CHUNK

BASE = str(ROOT / "scenarios" / "veikart-22.1.yaml")
FUNDED = str(ROOT / "scenarios" / "veikart-22.1-steg2-funded.yaml")
N = 2 * CHUNK + 777  # three chunks, the last one short


def test_paired_gain_by_hand():
    hit = np.array([1, 0, 1, 1], bool)
    base = np.array([0, 0, 1, 0], bool)  # differences 1, 0, 0, 1: mean 1/2, variance 1/3
    assert paired_gain(hit, base) == (0.5, np.sqrt(1 / 12))
    assert paired_gain(base, base) == (0.0, 0.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_paired_gain_is_the_sample_mean_and_its_standard_error(seed):
    rng = np.random.default_rng(seed)
    hit, base = rng.random(10_001) < 0.6, rng.random(10_001) < 0.5
    diff = hit.astype(float) - base
    mean, se = paired_gain(hit, base)
    assert mean == diff.mean()
    assert se == pytest.approx(diff.std(ddof=1) / np.sqrt(diff.size), rel=1e-13)


@pytest.fixture(scope="module")
def pair():
    return {name: simulator.load_scenario(path) for name, path in (("base", BASE), ("funded", FUNDED))}


@pytest.mark.parametrize("workers", [1, 2])
def test_compare_of_streamed_runs_is_that_of_runs_kept_whole(pair, workers, monkeypatch):
    keeps, real = [], simulator.api.simulate

    def simulate(*a, **kw):
        keeps.append(kw["keep"])
        return real(*a, **kw)
    monkeypatch.setattr(simulator.api, "simulate", simulate)
    whole = simulator.compare(pair, N, 5)  # short: kept whole
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    streamed = simulator.compare(pair, N, 5, workers=workers)
    assert keeps == ["all", "all", "summary", "summary"]
    assert len(whole) == 2 * len(simulator.api.common_elements(pair.values())) > 10
    pd.testing.assert_frame_equal(streamed, whole, check_exact=True)
    assert (whole["prob_gain"] != 0).any()  # the overlay moves something


def test_a_run_is_kept_whole_when_it_is_short_and_fits(pair, monkeypatch):
    from simulator import parallel
    net = simulator.scenario.compile.compile_scenario(pair["base"])
    cells = parallel.CELL_BYTES * net.size
    monkeypatch.setattr(parallel, "available_memory", lambda: 4 * cells * 1000)
    assert parallel.fits_whole(net, 1000) and not parallel.fits_whole(net, 1001)
    monkeypatch.setattr(parallel, "available_memory", lambda: None)
    limit = parallel.WHOLE_BYTES // cells
    assert parallel.fits_whole(net, limit) and not parallel.fits_whole(net, limit + 1)
    monkeypatch.setattr(parallel, "WHOLE_BYTES", cells * 1000)  # no more than it: at it too
    assert parallel.fits_whole(net, 1000) and not parallel.fits_whole(net, 1001)


def test_a_streamed_run_keeps_a_bit_an_iteration_of_what_it_compares(pair):
    sc = pair["base"]
    whole = simulator.simulate(sc, N, 9)
    ids = ("pll", "leveranser-2026")
    streamed = simulator.simulate(sc, N, 9, keep="summary", compared=ids, workers=2)
    assert not streamed.is_whole
    for e in ids:
        finish = whole.finish(e)
        np.testing.assert_array_equal(streamed.on_time(e), finish <= whole.network.deadline_time)
        expected = [np.sort(finish)[int(np.ceil(p * N)) - 1] for p in (0.5, 0.8)]
        assert list(streamed.outlook(e)) == [*expected, np.mean(finish <= whole.network.deadline_time)]
    with pytest.raises(ValueError, match="keep='all'"):
        streamed.on_time("kjernejournal")  # not compared


def test_compared_is_checked(pair):
    with pytest.raises(TypeError, match="sequence of element ids"):
        simulator.simulate(pair["base"], 100, 1, compared="pll")
    # a misspelt id is refused, not taken as a hidden element that keeps the run whole
    with pytest.raises(ValueError, match="'plll' is not an initiative, milestone or phase"):
        simulator.simulate(pair["base"], N, 1, keep="summary", compared=("pll", "plll"))


def test_a_hidden_element_keeps_the_run_whole(pair):
    """An activity the summary does not show has no finish row: the run keeps everything."""
    net = simulator.scenario.compile.compile_scenario(pair["base"])
    hidden = [a for a, shown in zip(net.ids, net.shown) if not shown]
    assert hidden
    run = simulator.simulate(pair["base"], N, 1, keep="summary", compared=(hidden[0],))
    assert run.is_whole


def test_compare_command_files_are_those_of_runs_kept_whole(tmp_path, capsys, monkeypatch):
    from simulator import api, parallel
    keeps, real = [], api.simulate
    monkeypatch.setattr(api, "simulate", lambda *a, **kw: keeps.append(kw["keep"]) or real(*a, **kw))
    args = ["compare", BASE, FUNDED, "-n", str(N), "--seed", "4"]
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    whole_out = capsys.readouterr().out
    monkeypatch.setattr(parallel, "WHOLE_BYTES", 0)  # as a long run is
    assert main([*args, "--out", str(tmp_path / "streamed")]) == 0
    assert capsys.readouterr().out == whole_out
    assert keeps == ["all", "all", "summary", "summary"]
    for name in ("comparison.json", "comparison.csv"):
        assert (tmp_path / "whole" / name).read_bytes() == (tmp_path / "streamed" / name).read_bytes()
    rows = json.loads((tmp_path / "whole" / "comparison.json").read_text())["comparison"]
    assert {r["id"] for r in rows} >= {"pll", "leveranser-2026"}



def test_a_baseline_milestone_that_is_a_variants_phase_is_compared_streamed(write, capsys,
                                                                           monkeypatch):
    """compare pairs the baseline's milestones with an element of the same id of any kind:
    a long run keeps the bits of every element the table has, so it gives the table of the
    runs kept whole (it once failed, asking for every iteration of the milestone)."""
    from texts import TINY
    milestone = "milestones:\n  - id: done\n    after: [pll-innforing, sfm]\n"
    phase = ("      - id: done\n        kind: ny-praksis\n"
             "        duration: {dist: uniform, min: 1, max: 2}\n")
    assert milestone in TINY
    files = [str(write(TINY, "base.yaml")),
             str(write(TINY.replace(milestone, "").replace("risks:", phase + "risks:"), "phase.yaml"))]
    pair = {f: simulator.load_scenario(f) for f in files}
    whole = simulator.compare(pair, N, 3)
    assert list(whole["id"]) == ["sfm", "sfm", "pll", "pll", "done", "done"]
    args = ["compare", *files, "-n", str(N), "--seed", "3", "--json"]
    assert main(args) == 0
    whole_out = capsys.readouterr().out
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    pd.testing.assert_frame_equal(simulator.compare(pair, N, 3), whole, check_exact=True)
    assert main(args) == 0
    assert capsys.readouterr().out == whole_out
    # and a variant without the milestone: the table leaves it out, the runs do not ask for it
    files[1] = str(write(TINY.replace(milestone, ""), "without.yaml"))
    pair = {f: simulator.load_scenario(f) for f in files}
    assert list(simulator.compare(pair, N, 3)["id"]) == ["sfm", "sfm", "pll", "pll"]


def test_a_finish_on_the_deadline_is_on_time_in_the_bits(write, monkeypatch):
    """A phase of exactly 10 days ends at the end of the deadline day, in time; a fixed day's
    delay (probability 0.5, and 0.2 in the variant) makes it late. The bits kept per
    iteration count such a finish as on time, as the whole run does: P(by deadline) about
    0.5 and 0.8, a paired gain of about 0.3."""
    import yaml
    base = {"scenario": {"name": "tie", "version": "1", "start": "2022-01-01",
                         "deadline": "2022-01-10", "unit": "days"},
            "initiatives": [{"id": "a", "phases": [{"id": "a-utvikling", "kind": "utvikling",
                                                    "duration": {"dist": "fixed", "value": 10}}]}],
            "risks": [{"id": "late", "category": "vendor", "probability": 0.5,
                       "delay": {"dist": "fixed", "value": 1}, "applies_to": {"ids": ["a-utvikling"]}}]}
    less = {**base, "risks": [{**base["risks"][0], "probability": 0.2}]}
    pair = {name: simulator.load_scenario(write(yaml.safe_dump(body), f"{name}.yaml"))
            for name, body in (("base", base), ("less", less))}
    whole = simulator.compare(pair, N, 2)
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    streamed = simulator.compare(pair, N, 2)
    pd.testing.assert_frame_equal(streamed, whole, check_exact=True)
    a = streamed.set_index(["id", "scenario"])
    se = np.sqrt(0.25 / N)  # of a share near 0.5; the gain's is smaller still
    assert abs(a.loc[("a", "base"), "prob_by_deadline"] - 0.5) < 5 * se
    assert abs(a.loc[("a", "less"), "prob_gain"] - 0.3) < 5 * se


@pytest.mark.parametrize("target", ["pll-utproving", "pll", "done"])
def test_compare_on_a_target_streamed_is_that_kept_whole(write, capsys, monkeypatch, target):
    """``--target`` a phase (which the default comparison does not keep), an initiative, a
    milestone: a long run keeps the target's bits, and prints the table of runs kept whole."""
    from texts import TINY
    assert "probability: 0.6" in TINY
    files = [str(write(TINY, "base.yaml")),
             str(write(TINY.replace("probability: 0.6", "probability: 0.2"), "less.yaml"))]
    args = ["compare", *files, "-n", str(N), "--seed", "8", "--target", target, "--json"]
    assert main(args) == 0
    whole = capsys.readouterr().out
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    assert main(args) == 0
    assert capsys.readouterr().out == whole
    rows = json.loads(whole)["comparison"]
    assert [r["id"] for r in rows] == [target] * 2 and rows[1]["prob_gain"] != 0


def test_compare_passes_keep_on(write, monkeypatch):
    """A ``keep`` given to compare is the runs' own, long or not."""
    from texts import TINY
    keeps, real = [], simulator.api.simulate
    monkeypatch.setattr(simulator.api, "simulate",
                        lambda *a, **kw: keeps.append(kw["keep"]) or real(*a, **kw))
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    pair = {name: simulator.load_scenario(write(TINY, f"{name}.yaml")) for name in ("a", "b")}
    simulator.compare(pair, N, 1, keep="all")
    assert keeps == ["all", "all"]


def test_a_milestone_shared_only_as_a_variants_phase_is_something_in_common(write, capsys):
    """The command's check of what the scenarios share pairs ids as the table does: the
    baseline's milestone ``done`` is the variant's only phase, and is compared."""
    from texts import TINY, scenario_text
    variant = scenario_text({"initiatives": [{"id": "x", "phases": [
        {"id": "done", "kind": "utvikling", "duration": {"dist": "fixed", "value": 30}}]}]})
    files = [str(write(TINY, "base.yaml")), str(write(variant, "variant.yaml"))]
    assert main(["compare", *files, "-n", "200", "--seed", "1", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["comparison"]
    assert [(r["id"], r["scenario"]) for r in rows] == [("done", files[0]), ("done", files[1])]
    assert rows[1]["p80"] == 30


def test_compare_on_named_elements_compares_those_only(pair, monkeypatch):
    monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)  # as a long run is
    table = simulator.compare(pair, N, 5, compared=["pll", "leveranser-2026"])
    whole = simulator.compare(pair, N, 5, keep="all")
    assert list(table["id"].unique()) == ["pll", "leveranser-2026"]
    expected = whole[whole["id"].isin(["pll", "leveranser-2026"])].set_index(["id", "scenario"])
    pd.testing.assert_frame_equal(table.set_index(["id", "scenario"]), expected.loc[table.set_index(
        ["id", "scenario"]).index], check_exact=True)
