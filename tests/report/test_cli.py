"""``veikart run`` writes the report and its data; ``veikart report DIR`` rebuilds it without simulating."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulator.cli import main
from simulator.report.data import DATA_DIR, TABLES, ReportData

N = "2000"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """TINY run once with --out; the test using it reads what the run printed from ``out``."""
    from texts import TINY
    folder = tmp_path_factory.mktemp("run")
    scenario = folder / "tiny.yaml"
    scenario.write_text(TINY, encoding="utf-8")
    return folder, scenario


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_report_and_data_and_shows_top_risks(run_dir, capsys):
    folder, scenario = run_dir
    out_dir = folder / "out"
    code, out, err = _run(capsys, "run", scenario, "-n", N, "--seed", 5, "--out", out_dir)
    assert code == 0, err
    assert (out_dir / "report.html").is_file()
    assert sorted(p.name for p in (out_dir / DATA_DIR).iterdir()) == sorted(
        [*(f"{t}.parquet" for t in TABLES), "meta.json"])
    assert "report.html" in err and "report-data" in err
    table_end = out.index("pll ")
    top = out.index("Top 2 risks for done")  # the two the scenario has
    assert top > table_end  # after the summary table
    lines = out[top:].splitlines()[1:]
    assert [line.split()[0] for line in lines[:2]] == ["1.", "2."]
    assert {"vendor-integration", "late-sfm-release"} == {line.split()[1] for line in lines[:2]}
    assert "months" in lines[0] and "days" in lines[0]


def test_report_rebuilds_the_same_html(run_dir, capsys):
    folder, scenario = run_dir
    out_dir = folder / "rebuild"
    assert _run(capsys, "run", scenario, "-n", N, "--seed", 5, "--out", out_dir)[0] == 0
    first = (out_dir / "report.html").read_bytes()
    (out_dir / "report.html").unlink()
    code, out, err = _run(capsys, "report", out_dir)
    assert code == 0, err
    assert out == ""
    assert (out_dir / "report.html").read_bytes() == first
    assert _run(capsys, "report", out_dir, "--lang", "en")[0] == 0
    assert '<html lang="en">' in (out_dir / "report.html").read_text(encoding="utf-8")


def test_report_does_not_simulate(run_dir, capsys, monkeypatch):
    folder, scenario = run_dir
    out_dir = folder / "nosim"
    assert _run(capsys, "run", scenario, "-n", "200", "--seed", 1, "--out", out_dir)[0] == 0
    import simulator.api

    def forbidden(*args, **kwargs):
        raise AssertionError("veikart report must not simulate")
    monkeypatch.setattr(simulator.api, "simulate", forbidden)
    monkeypatch.setattr("simulator.commands.simulate", forbidden)
    assert _run(capsys, "report", out_dir)[0] == 0


def test_lang_target_and_no_report(run_dir, capsys):
    folder, scenario = run_dir
    out_dir = folder / "options"
    code, out, err = _run(capsys, "run", scenario, "-n", "500", "--seed", 2, "--out", out_dir,
                          "--target", "sfm", "--lang", "en", "--no-report")
    assert code == 0, err
    assert not (out_dir / "report.html").exists()
    assert ReportData.load(out_dir).meta["target"] == "sfm"
    assert "Top 1 risk for sfm" in out  # only vendor-integration moves sfm
    assert _run(capsys, "report", out_dir, "--lang", "en")[0] == 0
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert "Top risks for Sentral forskrivingsmodul" in page


def test_unknown_target_suggests(run_dir, capsys):
    _, scenario = run_dir
    code, out, err = _run(capsys, "run", scenario, "-n", "100", "--target", "pl")
    assert code == 2 and out == ""
    assert "--target `pl`" in err and "did you mean `pll`?" in err
    assert "Traceback" not in err


def test_json_output_is_unchanged(run_dir, capsys):
    folder, scenario = run_dir
    out_dir = folder / "json"
    code, out, err = _run(capsys, "run", scenario, "-n", "300", "--seed", 3, "--json",
                          "--out", out_dir, "--target", "sfm")
    assert code == 0, err
    payload = json.loads(out)  # the whole of stdout is one JSON object
    assert list(payload) == ["scenario", "iterations", "seed", "engine", "sampling", "mitigated", "activities"]
    assert payload == json.loads((out_dir / "summary.json").read_text(encoding="utf-8"))
    assert (out_dir / "report.html").is_file()
    code, plain, _ = _run(capsys, "run", scenario, "-n", "300", "--seed", 3, "--json")
    assert json.loads(plain) == payload and "Top 3" not in plain


@pytest.mark.parametrize("damage", ["no dir", "no data", "bad meta", "bad table"])
def test_bad_dir_exits_2_without_traceback(run_dir, capsys, damage):
    folder, scenario = run_dir
    target = folder / f"bad-{damage.replace(' ', '-')}"
    if damage != "no dir":
        target.mkdir()
    if damage in ("bad meta", "bad table"):
        assert _run(capsys, "run", scenario, "-n", "100", "--seed", 1, "--out", target,
                    "--no-report")[0] == 0
        name = "meta.json" if damage == "bad meta" else "risks.parquet"
        (target / DATA_DIR / name).write_bytes(b"\x00garbage")
    code, out, err = _run(capsys, "report", target)
    assert code == 2 and out == ""
    assert err.startswith("veikart: ") and "Traceback" not in err
    assert str(target) in err
    assert not (target / "report.html").exists()


def test_bad_dir_from_a_real_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "simulator", "report", str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    assert "no report data here" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""
