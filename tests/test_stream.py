"""A run that keeps only its first chunk gives the tables of the run kept whole, byte for byte,
and those tables are the exact statistics of every iteration."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import simulator
from simulator.analysis import blocks, calibrate, critical, rollouts, sketch, stats, tally
from simulator.analysis.benefits import result_benefits
from simulator.analysis.sensitivity import risk_ranking
from simulator.sampling.streams import CHUNK

NYTTE = str(ROOT / "scenarios" / "examples" / "capacity-nytte.yaml")
DEFAULT = str(ROOT / "scenarios" / "veikart-22.1.yaml")
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
            simulator.simulate(sc, N, 11, keep="summary"),
            simulator.simulate(sc, N, 11, keep="summary", workers=2))


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
    head = simulator.simulate(sc, N, seed, sampling=sampling, keep="summary")
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
    waits = rollouts.waiting(res)
    np.testing.assert_allclose(waits.activities["mean_wait"].to_numpy(), wait.mean(axis=1), rtol=1e-12)
    np.testing.assert_array_equal(waits.activities["prob_wait"].to_numpy(),
                                  (wait > rollouts._eps(net)).mean(axis=1))
    for k, resource in enumerate(net.resources):
        mine, _ = rollouts._claims_of(net, k)
        total = wait[np.searchsorted(acts, mine)].sum(axis=0).mean()
        assert waits.resources.loc[resource.id, "mean_wait"] == pytest.approx(total, rel=1e-12)
    # initiative criticality: counted along each initiative's own driving paths
    own = critical.initiative_criticality(net, sched)[shown]
    np.testing.assert_array_equal(wide["criticality_initiative"].to_numpy()[:shown.size], own)
    # planned dates: P(by the planned date) and the slip's order statistics
    planned = calibrate.planned_dates(res)
    for p in calibrate.planned_elements(net, res.scenario, list(planned.index)):
        f = critical.target_finish(net, sched, p.id)
        assert planned.loc[p.id, "prob_by_planned"] == np.mean(f <= p.finish)
        if np.isfinite(p.finish):
            slip = np.quantile(f - p.finish, calibrate.SLIP_QUANTILES, method="inverted_cdf")
            np.testing.assert_array_equal(
                planned.loc[p.id, [f"slip_p{round(q * 100)}" for q in calibrate.SLIP_QUANTILES]]
                .to_numpy(dtype=float), slip)
    # the inside view: quantiles of actual/planned over every iteration
    cal = calibrate.calibration(res)
    elements = calibrate.planned_elements(net, res.scenario)
    r = calibrate.ratios(res, elements)
    for k, p in enumerate(elements):
        if np.isfinite(r[k]).any() or np.isinf(r[k]).any():
            want = np.quantile(r[k], calibrate.QUANTILES, method="inverted_cdf")
            got = cal.loc[p.id, [f"inside_p{round(q * 100)}" for q in calibrate.QUANTILES]]
            np.testing.assert_array_equal(got.to_numpy(dtype=float), want)


def test_peak_mean_busy_is_utilisations_mean(default_runs):
    res = default_runs[0]
    util = res.utilisation()
    peak = util.groupby("resource", sort=False)["mean"].max()
    waits = res.waiting()
    for rid, value in peak.items():
        assert waits.loc[rid, "peak_mean_busy"] == pytest.approx(value, rel=1e-14, abs=1e-14)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_missed_band_is_taken_again_whole(monkeypatch, workers):
    """With no margin the bands miss; the rows are then read again from every iteration
    (with two workers, also where a chunk cut with bands of its own narrowed them)."""
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, 5)
    expected = _tables(whole)
    monkeypatch.setattr(sketch, "Z", 0.0)
    head = simulator.simulate(sc, N, 5, keep="summary", workers=workers)
    assert head.tally.exact  # some rows were taken again
    _same(_tables(head), expected)


def test_the_first_chunks_rows_copied_and_sorted_on_threads_are_the_same(monkeypatch):
    """The first chunk's values, copied on three threads, are the bytes copied on one; and a
    run whose first chunk is copied and sorted on threads gives the run kept whole (every
    block of rows split, however few)."""
    monkeypatch.setattr(blocks, "MIN_ROWS", 1)
    sc = simulator.load_scenario(DEFAULT)
    whole = simulator.simulate(sc, N, 9)
    net, sched = whole.network, whole.schedule.columns(0, CHUNK)
    lay = tally.layout(net, sc, N, report=True)
    one, three = (tally.values(lay, net, sc, sched, threads=k) for k in (1, 3))
    assert one.tobytes() == three.tobytes()
    _same(_tables(simulator.simulate(sc, N, 9, keep="summary", workers=2)), _tables(whole))


def test_with_workers_a_chunk_is_cut_on_its_own_while_the_first_is_scheduled(monkeypatch):
    """With two workers, chunk 1 goes out before the first chunk's bands exist: it is cut
    with bands of its own, and merging it narrows the sketch's bands somewhere; the chunks
    sent after the first was merged carry its bands. The tables are still the run's kept
    whole."""
    narrowed, sent = [], []
    meet, bands = sketch.OrderSketch._meet, tally.Tally.bands

    def spy_meet(self, a, b):
        narrowed.append(bool((a > self.a).any() or (b < self.b).any()))
        meet(self, a, b)

    def spy_bands(self):
        out = bands(self)
        sent.append((self, out[0] is not None))
        return out

    monkeypatch.setattr(sketch.OrderSketch, "_meet", spy_meet)
    monkeypatch.setattr(tally.Tally, "bands", spy_bands)
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, 8)
    narrowed.clear()
    sent.clear()
    two = simulator.simulate(sc, N, 8, keep="summary", workers=2)
    # chunk 1 without bands, then the first chunk's own cut (none yet either), then chunk 2
    # (the run's tally: not the one that loads the compiled code before the workers start)
    assert [has for t, has in sent if t.n == N] == [False, False, True]
    assert narrowed[0]
    _same(_tables(two), _tables(whole))


def test_head_only_run_refuses_what_needs_every_iteration():
    sc = simulator.load_scenario(NYTTE)
    head = simulator.simulate(sc, N, 3, keep="summary")
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
        assert simulator.simulate(sc, 100, 1, keep="summary").is_whole


@pytest.mark.parametrize("unit_days", [1.0, 7.0, 30.4375, 365.25])
def test_day_index_is_the_grid_search(unit_days):
    """The guessed-then-corrected day of a time equals a search of the day grid, at its edges too."""
    from types import SimpleNamespace
    net = SimpleNamespace(unit_days=unit_days, horizon=4000 / unit_days)
    probe = rollouts.day_times(net) + rollouts._eps(net)
    rng = np.random.default_rng(int(unit_days))
    x = np.concatenate([rng.uniform(-2, net.horizon + 2, 200_000), probe, np.nextafter(probe, -np.inf),
                        np.nextafter(probe, np.inf), probe - 1e-6 / unit_days, [np.inf, -np.inf, 0.0, np.nan]])
    x = x.reshape(2, -1) if x.size % 2 == 0 else x.reshape(1, -1)
    np.testing.assert_array_equal(rollouts.day_index(net, probe, x), np.searchsorted(probe, x))


@pytest.fixture(scope="module")
def report_runs():
    sc = simulator.load_scenario(DEFAULT)
    return simulator.simulate(sc, N, 13), simulator.simulate(sc, N, 13, keep="report", workers=2)


def test_report_data_of_a_reduced_run_equals_the_whole_runs(report_runs):
    from simulator.report.data import ReportData
    whole, reduced = report_runs
    assert not reduced.is_whole
    a, b = ReportData.from_result(whole), ReportData.from_result(reduced)
    assert dict(a.meta) == dict(b.meta)
    for name in ("summary", "finishes", "sensitivity", "risks", "drivers", "coverage",
                 "utilisation", "why"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def test_month_tables_are_the_statistics_of_every_iteration(report_runs):
    """Coverage and units held per month against the arrays, by the plain computation: a
    unit is live at a month end when it finished by then; units are held from taken to
    finish."""
    res = report_runs[0]
    net, sched = res.network, res.schedule
    _, times = rollouts.grid(res)
    probe = times[:, None, None] + rollouts._eps(net)  # a date is the end of its day
    for r in net.rollouts:
        curve = rollouts.coverage_curve(res, r.id)
        live = sched.finish[r.units][None] <= probe
        cov = (r.weights[None, :, None] * live).sum(axis=1) / r.weights.sum()
        pct = stats.percentiles(cov, (10.0, 50.0, 90.0))[:, :, 0]
        np.testing.assert_allclose(curve[["p10", "p50", "p90"]].to_numpy(), pct, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(curve["mean"].to_numpy(), cov.mean(axis=1), rtol=1e-12, atol=1e-15)
    util = res.utilisation()
    for k, resource in enumerate(net.resources):
        acts, units = rollouts._claims_of(net, k)
        on = (sched.taken[acts][None] <= probe) & ~(sched.finish[acts][None] <= probe)
        held = (units[None, :, None] * on).sum(axis=1)
        mine = util[util["resource"] == resource.id]
        np.testing.assert_array_equal(mine["p90"].to_numpy(), stats.percentiles(held, (90.0,))[:, 0, 0])
        np.testing.assert_allclose(mine["mean"].to_numpy(), held.mean(axis=1), rtol=1e-12, atol=1e-15)


def test_a_summary_only_run_says_a_report_needs_more():
    sc = simulator.load_scenario(NYTTE)
    res = simulator.simulate(sc, N, 3, keep="summary")
    with pytest.raises(ValueError, match="keep='report'"):
        res.coverage_table() if hasattr(res, "coverage_table") else rollouts.coverage_table(res)


def test_a_scenario_without_capacity_streams_the_same_report(tiny_file):
    """No rollouts, no resources (the cpm engine): the empty tables stay empty, the rest equal."""
    from simulator.report.data import ReportData
    sc = simulator.load_scenario(tiny_file)
    whole = simulator.simulate(sc, N, 8)
    reduced = simulator.simulate(sc, N, 8, keep="report")
    assert reduced.engine == "cpm" and not reduced.is_whole
    _same(_tables(reduced), _tables(whole))
    a, b = ReportData.from_result(whole), ReportData.from_result(reduced)
    for name in ("summary", "finishes", "sensitivity", "risks", "coverage", "utilisation"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def test_the_command_lines_files_are_those_of_a_run_kept_whole(tmp_path, capsys, monkeypatch):
    """A run kept whole and the streamed one the command makes: the same summary files byte
    for byte, the same report tables, the same terminal summary; ``--save-iterations`` writes
    the whole run's iterations.parquet while it streams."""
    from simulator import commands
    from simulator.cli import main
    from simulator.report.data import ReportData
    args = ["run", NYTTE, "-n", str(N), "--seed", "4", "--workers", "2", "--save-iterations"]
    printed, keeps, real = [], [], commands.simulate

    def simulate(*a, keep, **kw):
        keeps.append(keep)
        return real(*a, keep=keep, **kw)
    monkeypatch.setattr(commands, "simulate", simulate)
    for name in ("whole", "streamed"):
        if name == "whole":
            monkeypatch.setattr(commands, "_keep", lambda *a: "all")
        else:
            monkeypatch.undo()
            monkeypatch.setattr(commands, "simulate", simulate)
        assert main([*args, "--out", str(tmp_path / name)]) == 0
        printed.append(capsys.readouterr().out.splitlines()[1:])  # the first line has timings
    assert keeps == ["all", "report"]
    whole, streamed = tmp_path / "whole", tmp_path / "streamed"
    for name in ("summary.json", "summary.csv", "iterations.parquet"):
        assert (whole / name).read_bytes() == (streamed / name).read_bytes(), name
    a, b = ReportData.load(whole), ReportData.load(streamed)
    assert dict(a.meta) == dict(b.meta)
    for table in ("summary", "finishes", "sensitivity", "risks", "coverage", "utilisation", "why"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)
    assert printed[0] == printed[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_streamed_run_writes_every_iteration_as_it_goes(tmp_path, workers):
    """``iterations_file`` with ``keep="summary"``: the rows of the run kept whole, in order,
    one row group per chunk, while the run keeps only its first chunk."""
    import pyarrow.parquet as pq

    from simulator.output import iterations_frame
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, 6)
    streamed = simulator.simulate(sc, N, 6, keep="summary", workers=workers,
                                  iterations_file=tmp_path / "it.parquet")
    assert not streamed.is_whole
    meta = pq.ParquetFile(tmp_path / "it.parquet").metadata
    assert [meta.row_group(k).num_rows for k in range(meta.num_row_groups)] == [CHUNK, CHUNK, 777]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "it.parquet"), iterations_frame(whole),
                                  check_exact=True)
    assert [p.name for p in tmp_path.iterdir()] == ["it.parquet"]


def test_a_failed_streamed_run_leaves_no_iterations_file(tmp_path, monkeypatch):
    from simulator import stream
    real, calls = stream.chunk_frame, []

    def broken(*args):  # the third chunk fails where it is scheduled
        calls.append(args[-1])
        if len(calls) == 3:
            raise MemoryError("no room")
        return real(*args)
    monkeypatch.setattr(stream, "chunk_frame", broken)
    with pytest.raises(MemoryError):
        simulator.simulate(simulator.load_scenario(NYTTE), N, 6, keep="summary",
                           iterations_file=tmp_path / "it.parquet")
    assert calls == [0, CHUNK, 2 * CHUNK] and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("target", ["pll-tilpasning", "legemiddelliste", "halvparten-i-bruk"])
def test_a_sensitivity_to_another_target_streams_the_same_bytes(target):
    """``targets``: the criticality, the activity sensitivity and the report's tables for a
    phase, an initiative or a milestone other than the scenario's target, as kept whole."""
    from simulator.analysis.sensitivity import activity_sensitivity
    from simulator.report.data import ReportData
    sc = simulator.load_scenario(NYTTE)
    whole = simulator.simulate(sc, N, 12)
    streamed = simulator.simulate(sc, N, 12, keep="report", targets=[target], workers=2)
    assert not streamed.is_whole and whole.target != target
    crit = whole.criticality(target)
    np.testing.assert_array_equal(
        crit, critical.criticality(whole.network, whole.schedule, target))  # all at once
    assert crit.max() == 1.0  # the target drives itself
    pd.testing.assert_series_equal(streamed.criticality(target), crit, check_exact=True)
    a, b = activity_sensitivity(whole, target), activity_sensitivity(streamed, target)
    pd.testing.assert_frame_equal(b, a, check_exact=True)
    finish = whole.finish(target)
    sd = finish[np.isfinite(finish)].std(ddof=1)
    ssi = a["criticality"] * a["duration_sd"] / sd
    np.testing.assert_allclose(a["ssi"], ssi, rtol=1e-12)  # against numpy's SD of every finish
    np.testing.assert_allclose(a["duration_sd"], whole.schedule.durations.std(axis=1, ddof=1),
                               rtol=1e-9)
    x, y = ReportData.from_result(whole, target), ReportData.from_result(streamed, target)
    for name in ("summary", "finishes", "sensitivity", "risks", "coverage", "utilisation"):
        pd.testing.assert_frame_equal(getattr(y, name), getattr(x, name), check_exact=True, obj=name)
    assert target in set(y.finishes["element"])


def test_an_unknown_target_is_named_before_the_run():
    with pytest.raises(KeyError, match="`nowhere` is not a milestone, phase or initiative"):
        simulator.simulate(simulator.load_scenario(NYTTE), N, 1, keep="summary", targets=["nowhere"])
    with pytest.raises(KeyError, match="`nowhere` is not"):  # a short run, kept whole, too
        simulator.simulate(simulator.load_scenario(NYTTE), 50, 1, keep="summary", targets=["nowhere"])


def test_a_target_named_twice_or_the_scenarios_own_is_counted_once():
    """``targets`` may repeat an id or name the scenario's target: each is reduced once."""
    sc = simulator.load_scenario(NYTTE)
    streamed = simulator.simulate(sc, N, 5, keep="summary",
                                  targets=["legemiddelliste", "alt-i-bruk", "legemiddelliste"])
    assert not streamed.is_whole and streamed.target == "alt-i-bruk"
    whole = simulator.simulate(sc, N, 5)
    for t in ("legemiddelliste", "alt-i-bruk"):
        crit = critical.criticality(whole.network, whole.schedule, t)  # all at once
        np.testing.assert_array_equal(streamed.criticality(t), crit)
        assert streamed.criticality(t).max() == 1.0


def test_another_target_than_the_run_reduced_says_how_to_have_it():
    sc = simulator.load_scenario(NYTTE)
    res = simulator.simulate(sc, N, 5, keep="summary", targets=["legemiddelliste"])
    with pytest.raises(ValueError, match=r"halvparten-i-bruk.*targets=\['halvparten-i-bruk'\]"):
        res.criticality("halvparten-i-bruk")


def test_the_command_line_streams_a_run_with_another_target(tmp_path, capsys, monkeypatch):
    from simulator import commands
    from simulator.cli import main
    from simulator.report.data import ReportData
    args = ["run", NYTTE, "-n", str(N), "--seed", "4", "--target", "legemiddelliste"]
    printed, keeps, real = [], [], commands.simulate
    monkeypatch.setattr(commands, "simulate",
                        lambda *a, keep, **kw: keeps.append(keep) or real(*a, keep=keep, **kw))
    assert main([*args, "--out", str(tmp_path / "streamed")]) == 0
    printed.append(capsys.readouterr().out.splitlines()[1:])
    monkeypatch.setattr(commands, "_keep", lambda *a: "all")
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    printed.append(capsys.readouterr().out.splitlines()[1:])
    assert keeps == ["report", "all"] and printed[0] == printed[1]
    a, b = ReportData.load(tmp_path / "whole"), ReportData.load(tmp_path / "streamed")
    assert a.meta["target"] == "legemiddelliste"
    for table in ("summary", "finishes", "sensitivity", "risks", "coverage", "utilisation", "why"):
        pd.testing.assert_frame_equal(getattr(b, table), getattr(a, table), check_exact=True)


def test_the_iterations_file_is_whole_when_its_block_ends(tmp_path):
    """The file is closed (its footer written) before it is renamed into place, not later when
    the writer happens to be collected: it can be read while ``write`` is still referenced."""
    from simulator.output import iterations_writer
    frames = [pd.DataFrame({"iteration": np.arange(k, k + 3), "x": np.arange(3.0) + k})
              for k in (0, 3)]
    with iterations_writer(tmp_path / "it.parquet") as write:
        for frame in frames:
            write(frame)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "it.parquet"),
                                  pd.concat(frames, ignore_index=True), check_exact=True)
    assert [p.name for p in tmp_path.iterdir()] == ["it.parquet"]


def test_the_table_of_a_streamed_run_points_to_writing_it_as_the_run_goes(tmp_path):
    from simulator.output import write_iterations
    run = simulator.simulate(simulator.load_scenario(NYTTE), N, 6, keep="summary")
    with pytest.raises(ValueError, match=r"first 8,192 of 17,161: .*iterations_file=PATH"):
        write_iterations(run, tmp_path / "it.parquet")
    assert list(tmp_path.iterdir()) == []
