"""``--out`` holds one run's files as a set: staged, committed whole, locked, recovered after a kill."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from simulator import outdir
from simulator.cli import main
from simulator.outdir import OutputDir, output_names

ROOT = Path(__file__).resolve().parents[1]
N = "400"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_one_run(folder: Path, seed: int) -> dict:
    """Every output file is the one manifest.json lists, from the run with ``seed``; nothing stale."""
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["seed"] == seed
    files = manifest["files"]
    for name, digest in files.items():
        assert _sha(folder / name) == digest, name
    present = {n for n in output_names() if (folder / n).exists()}
    assert present == set(files) | {"manifest.json"}
    assert json.loads((folder / "summary.json").read_text())["seed"] == seed
    if "report-data/meta.json" in files:
        assert json.loads((folder / "report-data/meta.json").read_text())["meta"]["seed"] == seed
    assert not list(folder.glob(".veikart-stage-*")) and not (folder / outdir.JOURNAL_NAME).exists()
    assert not [p for p in folder.rglob("*.tmp")]
    return manifest


@pytest.fixture(scope="module")
def _one_run(tmp_path_factory):
    """A full run (seed 1, report and iterations), made once and copied for each test."""
    from texts import TINY
    root = tmp_path_factory.mktemp("previous")
    (root / "tiny.yaml").write_text(TINY, encoding="utf-8")
    folder = root / "out"
    proc = subprocess.run([sys.executable, "-m", "simulator", "run", str(root / "tiny.yaml"), "-n", N,
                           "--seed", "1", "--out", str(folder), "--save-iterations"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return folder


@pytest.fixture
def previous(_one_run, tmp_path):
    """An output folder holding a full run (seed 1, report and iterations) and a file of the user's."""
    folder = tmp_path / "out"
    shutil.copytree(_one_run, folder)
    (folder / "notes.txt").write_text("mine")
    (folder / "report-data" / "notes.txt").write_text("mine too")
    return folder


def _foreign_intact(folder: Path) -> None:
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "report-data" / "notes.txt").read_text() == "mine too"


def test_a_run_records_its_files_and_a_later_run_removes_what_it_does_not_write(previous, tiny_file,
                                                                               capsys):
    first = assert_one_run(previous, 1)
    assert {"report.html", "iterations.parquet", "report-data/meta.json"} <= set(first["files"])
    capsys.readouterr()
    assert main(["run", str(tiny_file), "-n", N, "--seed", "2", "--out", str(previous),
                 "--no-report"]) == 0
    err = capsys.readouterr().err  # what it removes is said, never done silently
    assert "; removed iterations.parquet, report.html, which an earlier command wrote in" in err
    second = assert_one_run(previous, 2)
    assert not (previous / "report.html").exists() and not (previous / "iterations.parquet").exists()
    assert "report.html" not in second["files"]
    _foreign_intact(previous)
    # `veikart report` adds report.html to the record and keeps the rest
    assert main(["report", str(previous)]) == 0
    third = assert_one_run(previous, 2)
    assert set(third["files"]) == set(second["files"]) | {"report.html"}


def test_a_file_the_project_did_not_write_is_never_replaced(tiny_file, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "summary.csv").write_text("their spreadsheet")
    monkeypatch.setattr("simulator.commands.simulate", _no_simulation)
    assert main(["run", str(tiny_file), "-n", N, "--out", str(folder)]) == 2
    assert "summary.csv not written by veikart" in capsys.readouterr().err
    assert (folder / "summary.csv").read_text() == "their spreadsheet"


def test_output_of_a_version_without_the_record_is_recognised(previous, tiny_file):
    manifest = json.loads((previous / "manifest.json").read_text())
    del manifest["files"]
    (previous / "manifest.json").write_text(json.dumps(manifest))
    assert main(["run", str(tiny_file), "-n", N, "--seed", "3", "--out", str(previous),
                 "--no-report"]) == 0
    assert_one_run(previous, 3)
    _foreign_intact(previous)


def _no_simulation(*args, **kwargs):
    raise AssertionError("the run should have been refused before simulating")


def test_a_folder_that_cannot_be_written_is_refused_before_simulating(tiny_file, capsys, monkeypatch):
    if not Path("/proc/self").is_dir():
        pytest.skip("needs /proc, where no one can create a folder")
    monkeypatch.setattr("simulator.commands.simulate", _no_simulation)
    assert main(["run", str(tiny_file), "-n", N, "--out", "/proc/self/veikart-out"]) == 2
    err = capsys.readouterr().err
    assert "cannot be written" in err and "Traceback" not in err


def test_a_second_command_on_a_locked_folder_is_refused(previous, tiny_file, capsys, monkeypatch):
    before = {n: _sha(previous / n) for n in output_names() if (previous / n).exists()}
    monkeypatch.setattr("simulator.commands.simulate", _no_simulation)
    with OutputDir(previous):
        assert main(["run", str(tiny_file), "-n", N, "--out", str(previous)]) == 2
        assert "another veikart command is using it" in capsys.readouterr().err
        assert main(["report", str(previous)]) == 2
    assert before == {n: _sha(previous / n) for n in output_names() if (previous / n).exists()}


def test_a_full_disk_leaves_the_previous_output(previous, tiny_file, capsys, monkeypatch):
    """ENOSPC simulated while the report is written (a real full filesystem: the next test)."""
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr("simulator.commands._write_report", full)
    assert main(["run", str(tiny_file), "-n", N, "--seed", "2", "--out", str(previous)]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert_one_run(previous, 1)
    _foreign_intact(previous)


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MB tmpfs, where the platform lets the tests mount one (root on Linux)."""
    mount = tmp_path / "fs"
    mount.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True) if shutil.which("mount") else None
    if proc is None or proc.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_filesystem_leaves_the_previous_output(small_fs, tiny_file, capsys):
    folder = small_fs / "out"
    assert main(["run", str(tiny_file), "-n", N, "--seed", "1", "--out", str(folder),
                 "--no-report"]) == 0
    # fill what is left, so the next run's stage cannot be written
    try:
        with open(small_fs / "filler", "wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
    except OSError:
        pass
    capsys.readouterr()
    assert main(["run", str(tiny_file), "-n", N, "--seed", "2", "--out", str(folder)]) in (1, 2)
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
    assert_one_run(folder, 1)


# --- interruptions, in a child process that signals itself at a chosen point -----------------

HOOK = textwrap.dedent("""
    import os, signal, sys
    import simulator.commands, simulator.outdir
    point, sig, argv = sys.argv[1], getattr(signal, sys.argv[2]), sys.argv[3:]

    def hit():
        os.kill(os.getpid(), sig)

    if point == "report":  # summaries staged, the report not yet
        real_report = simulator.commands._write_report
        def report(*a, **k):
            hit()
            return real_report(*a, **k)
        simulator.commands._write_report = report
    elif point == "staged":  # everything staged, nothing moved
        real_commit = simulator.outdir.OutputDir.commit
        def commit(self, **k):
            hit()
            return real_commit(self, **k)
        simulator.outdir.OutputDir.commit = commit
    elif point == "moving":  # after the first file moved into place
        real_replace, moved = os.replace, []
        def replace(src, dst):
            real_replace(src, dst)
            if ".veikart-stage-" in str(src) and ".veikart-stage-" not in str(dst):
                moved.append(dst)
                if len(moved) == 1:
                    hit()
        simulator.outdir.os.replace = replace
    elif point == "hold":  # hold the folder until the test says go, for the concurrency test
        import time
        real_commit = simulator.outdir.OutputDir.commit
        def commit(self, **k):
            print("staged", file=sys.stderr, flush=True)
            for _ in range(1200):
                if os.path.exists(os.environ["GO"]):
                    break
                time.sleep(0.05)
            return real_commit(self, **k)
        simulator.outdir.OutputDir.commit = commit
    from simulator.cli import main
    sys.exit(main(argv))
""")


def _child(point: str, sig: str, *argv: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOOK, point, sig, *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.mark.slow
@pytest.mark.parametrize("sig, point", [("SIGINT", "report"), ("SIGINT", "moving"),
                                        ("SIGKILL", "staged"), ("SIGKILL", "moving")])
def test_an_interrupted_write_leaves_one_whole_run(previous, tiny_file, sig, point):
    child = _child(point, sig, "run", str(tiny_file), "-n", N, "--seed", "2", "--no-report",
                   "--out", str(previous))
    out, err = child.communicate(timeout=120)
    _foreign_intact(previous)
    if sig == "SIGINT":
        assert child.returncode == 1 and "Traceback" not in err
        if point == "moving":  # a Ctrl-C while files move waits until the set is complete
            assert f"interrupted; the output in {previous} is complete" in err
            assert_one_run(previous, 2)
        else:
            assert f"interrupted; {previous} holds the previous run's output, unchanged" in err
            assert_one_run(previous, 1)
        return
    assert child.returncode == -9
    if point == "staged":  # the previous set is whole; the next command removes the stage
        assert list(previous.glob(".veikart-stage-*"))
        assert (previous / "report.html").exists()
    with OutputDir(previous):  # any next command on the folder finishes or cleans up first
        pass
    assert_one_run(previous, 2 if point == "moving" else 1)


@pytest.mark.slow
def test_two_concurrent_runs_one_is_refused(previous, tiny_file):
    go = previous.parent / "go"
    first = _child("hold", "SIGINT", "run", str(tiny_file), "-n", N, "--seed", "2",
                   "--save-iterations", "--out", str(previous), env={**os.environ, "GO": str(go)})
    deadline = time.monotonic() + 120
    line = ""
    while "staged" not in line and time.monotonic() < deadline:
        line = first.stderr.readline()
        if not line and first.poll() is not None:
            break
    second = subprocess.run([sys.executable, "-m", "simulator", "run", str(tiny_file), "-n", N,
                             "--seed", "3", "--out", str(previous)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    go.touch()
    out, err = first.communicate(timeout=120)
    assert second.returncode == 2, second.stderr
    assert "another veikart command is using it" in second.stderr
    assert first.returncode == 0, err
    assert_one_run(previous, 2)
    _foreign_intact(previous)


def test_report_rebuilds_into_a_folder_saved_by_the_api(tmp_path, capsys):
    from simulator import load_scenario, simulate
    from simulator.report.data import ReportData
    from texts import TINY
    (tmp_path / "s.yaml").write_text(TINY)
    result = simulate(load_scenario(tmp_path / "s.yaml"), 300, seed=1)
    ReportData.from_result(result).save(tmp_path / "api")
    assert main(["report", str(tmp_path / "api")]) == 0
    manifest = json.loads((tmp_path / "api" / "manifest.json").read_text())
    assert list(manifest["files"]) == ["report.html"]
    assert main(["report", str(tmp_path / "api")]) == 0  # and again, now that it is recorded


def test_a_file_where_a_folder_of_the_output_goes_is_refused(tiny_file, tmp_path, capsys, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "report-data").write_text("not a folder")
    monkeypatch.setattr("simulator.commands.simulate", _no_simulation)
    assert main(["run", str(tiny_file), "-n", N, "--out", str(folder)]) == 2
    assert "report-data not written by veikart" in capsys.readouterr().err
    assert (folder / "report-data").read_text() == "not a folder"
