"""The command line: validate, run, schema; the JSON contract; files written atomically."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import SCENARIOS

from simulator import output
from simulator.cli import main

SCENARIO_FILES = sorted(SCENARIOS.rglob("*.yaml"))


def test_there_are_scenarios():
    assert {p.name for p in SCENARIO_FILES} >= {"veikart-22.1.yaml", "veikart-22.1-steg2-funded.yaml"}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_every_scenario_validates_and_runs(path, capsys):
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "Deterministic plan" in out and "Critical path to" in out
    assert main(["run", str(path), "-n", "2000", "--seed", "1", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["iterations"] == 2000 and payload["activities"]


def test_every_scenario_starts_with_the_schema_comment():
    for path in SCENARIO_FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path


def test_json_is_the_contract_and_nothing_else(tiny_file):
    proc = subprocess.run([sys.executable, "-m", "simulator", "run", str(tiny_file), "-n", "3000",
                           "--seed", "5", "--json"], capture_output=True, text=True, check=True)
    payload = json.loads(proc.stdout)  # stdout holds exactly one JSON object
    assert set(payload) == {"scenario", "iterations", "seed", "engine", "sampling", "mitigated",
                            "activities"}
    assert payload["scenario"] == {"name": "tiny", "version": "1", "start": "2022-01-01",
                                   "deadline": "2026-12-31", "unit": "months"}
    assert (payload["iterations"], payload["seed"], payload["engine"]) == (3000, 5, "cpm")
    assert (payload["sampling"], payload["mitigated"]) == ("mc", False)
    by_id = {a["id"]: a for a in payload["activities"]}
    assert set(by_id) == {"sfm-utvikling", "sfm-utproving", "pll-utproving", "pll-innforing", "done",
                          "sfm", "pll"}
    row = by_id["pll-innforing"]
    assert (row["element"], row["kind"]) == ("phase", "innforing")
    assert set(row["finish"]) == {"mean", "std", "p10", "p50", "p80", "p90"}
    assert set(row["finish_date"]) == {"p10", "p50", "p80", "p90"}
    f = row["finish"]
    assert f["p10"] <= f["p50"] <= f["p80"] <= f["p90"]
    assert 0 <= row["prob_by_deadline"] <= 1
    assert by_id["done"]["element"] == "milestone" and by_id["pll"]["element"] == "initiative"
    assert by_id["pll"]["kind"] is None


def test_out_writes_files_byte_identically(tiny_file, tmp_path, capsys):
    args = ["run", str(tiny_file), "-n", "2500", "--seed", "11"]
    assert main([*args, "--out", str(tmp_path / "a"), "--save-iterations"]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a, b = tmp_path / "a", tmp_path / "b"
    assert (a / "summary.json").read_bytes() == (b / "summary.json").read_bytes()
    assert (a / "summary.csv").read_bytes() == (b / "summary.csv").read_bytes()
    manifest = json.loads((a / "manifest.json").read_text())
    assert manifest["seed"] == 11 and manifest["iterations"] == 2500 and manifest["sampling"] == "mc"
    assert len(manifest["scenario_sha256"]) == 64 and "numpy" in manifest["versions"]
    frame = pd.read_parquet(a / "iterations.parquet")
    assert len(frame) == 2500 and "pll-innforing.finish" in frame and "vendor-integration.fired" in frame
    assert not (b / "iterations.parquet").exists()
    summary = pd.read_csv(a / "summary.csv", index_col="id")
    assert summary.loc["pll", "element"] == "initiative"
    out = capsys.readouterr()
    assert "pll" in out.out and "P50" in out.out


def test_save_iterations_needs_out(tiny_file, capsys):
    assert main(["run", str(tiny_file), "-n", "50", "--save-iterations"]) == 2
    err = capsys.readouterr().err
    assert "--save-iterations needs --out" in err and "Traceback" not in err


def test_iterations_are_written_a_chunk_at_a_time(tiny_file, tmp_path):
    """The streamed file holds exactly the in-memory table, in row groups of one chunk."""
    import pyarrow.parquet as pq

    from simulator import load_scenario, simulate
    from simulator.output import iterations_frame, write_iterations
    from simulator.sampling.streams import CHUNK
    run = simulate(load_scenario(tiny_file), 2 * CHUNK + 17, seed=3)
    write_iterations(run, tmp_path / "it.parquet")
    meta = pq.ParquetFile(tmp_path / "it.parquet").metadata
    assert [meta.row_group(k).num_rows for k in range(meta.num_row_groups)] == [CHUNK, CHUNK, 17]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "it.parquet"), iterations_frame(run))


def test_failed_write_leaves_no_half_written_file(tiny_file, tmp_path, monkeypatch, capsys):
    import pyarrow.parquet as pq
    real, calls = pq.ParquetWriter.write_table, []

    def broken(self, *args, **kwargs):  # the disk fills after the first row group
        calls.append(1)
        if len(calls) > 1:
            raise OSError("disk full")
        return real(self, *args, **kwargs)
    monkeypatch.setattr(pq.ParquetWriter, "write_table", broken)
    code = main(["run", str(tiny_file), "-n", "9000", "--seed", "1", "--out", str(tmp_path),
                 "--save-iterations"])
    assert code == 1
    assert "disk full" in capsys.readouterr().err
    assert not (tmp_path / "iterations.parquet").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "x.json"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with output.atomic_path(target) as tmp:
            tmp.write_text("new and half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_bad_run_arguments_exit_2(tiny_file, capsys):
    for argv in (["run", str(tiny_file), "-n", "zero"], ["run", str(tiny_file), "-n", "1"],
                 ["run", str(tiny_file), "--seed", "-4"], ["run", str(tiny_file), "--sampling", "sobol"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_schema_is_json_schema(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"scenario", "initiatives", "risks"} <= set(schema["$defs"]["ScenarioFile"]["properties"])
    assert {"extends", "remove", "risks"} <= set(schema["$defs"]["Overlay"]["properties"])


def test_validate_shows_the_plan(tiny_file, capsys):
    assert main(["validate", str(tiny_file)]) == 0
    out = capsys.readouterr().out
    assert "2 initiatives, 4 phases, 1 milestone, 2 risks (2 drivers), 0 blackouts" in out
    # sfm: PERT mode 12 + triangular mode 9 = 21 months = 639.19 days, ending on day 639
    assert "sfm  2022-01-01 -> 2023-10-02" in out
    assert "Critical path to done" in out


def test_out_that_is_a_file_is_refused_before_the_run(tiny_file, tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("")
    assert main(["run", str(tiny_file), "-n", "100", "--out", str(blocker / "sub")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


def test_run_compiles_the_scenario_once(tiny_file, monkeypatch, capsys):
    import simulator.api
    import simulator.scenario.compile as comp
    calls = []
    real = comp.compile_scenario

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(comp, "compile_scenario", counting)
    monkeypatch.setattr(simulator.api, "compile_scenario", counting)
    assert main(["run", str(tiny_file), "-n", "200", "--seed", "1", "--json"]) == 0
    assert len(calls) == 1


def test_the_summary_shows_the_targets_own_dates(capsys):
    """The top risks name a target: its P50, P80 and P(by deadline) are printed too."""
    from simulator import load_scenario, simulate
    path = SCENARIOS / "examples" / "capacity.yaml"
    assert main(["run", str(path), "-n", "400", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    wide = simulate(load_scenario(path), 400, 3).summary()
    target = "alt-i-bruk"
    row = next(l for l in out.splitlines() if l.startswith(f"* {target}"))
    assert str(wide.loc[target, "finish_date_p50"].date()) in row
    assert str(wide.loc[target, "finish_date_p80"].date()) in row
    assert f"Top 1 risk for {target}" in out  # the one risk the scenario has


def test_json_says_how_the_run_was_sampled_and_whether_mitigated(tiny_file, capsys):
    """Without them an LHS or a mitigated result could not be told from a plain one."""
    assert main(["run", str(tiny_file), "-n", "200", "--seed", "5", "--json", "--sampling", "lhs",
                 "--mitigated"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert (payload["sampling"], payload["mitigated"]) == ("lhs", True)


def test_why_with_json_is_refused_not_silently_dropped(tiny_file, capsys):
    assert main(["run", str(tiny_file), "-n", "200", "--json", "--why", "pll"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "--why adds to the terminal summary" in captured.err


def test_top_risks_heading_counts_the_risks_it_lists():
    """Two of three risks move the target: the heading said "Top 3" above two lines."""
    from simulator.commands import top_risks_text
    ranking = pd.DataFrame({"p80_gain_days": [30.0, 10.0, 0.0], "p50_gain_days": [20.0, 5.0, 0.0],
                            "prob_gain": [0.1, 0.0, 0.0], "name": ["A", "B", "C"]},
                           index=pd.Index(["a", "b", "c"], name="risk"))
    lines = top_risks_text(ranking, "x").splitlines()
    assert lines[0].startswith("Top 2 risks for x (") and len(lines) == 3
    assert top_risks_text(ranking, "x", n=1).startswith("Top 1 risk for x (")
    why = top_risks_text(ranking.iloc[1:], "y", heading="Why {target}: its own top {drivers}")
    assert why.startswith("Why y: its own top 1 risk driver (")
    assert top_risks_text(ranking.iloc[2:], "x").splitlines() == [
        "Top 3 risks for x (P80 earlier without the risk; same random numbers):",
        "  (removing any one risk changes none of these figures)"]
