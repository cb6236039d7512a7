"""A long run says what it does after the simulation, stage by stage, and how long it all took."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from simulator.stages import Stages, seconds

TIME = r"\d+(\.\d+)? s|\d+ min \d\d s"


def _run(*args):
    return subprocess.run([sys.executable, "-m", "simulator", "run", *args],
                          capture_output=True, text=True, check=True)


def test_every_stage_after_the_simulation_is_reported(tiny_file, tmp_path):
    proc = _run(str(tiny_file), "-n", "300", "--seed", "1", "--out", str(tmp_path / "out"))
    for stage in ("summary statistics", "risk ranking and sensitivity", "writing the summary files",
                  "writing the report data", "drawing the report"):
        assert re.search(rf"{stage}[^\n]* \.\.\. ({TIME})$", proc.stderr, re.M), proc.stderr
    total = re.search(rf"^done in ({TIME})$", proc.stderr, re.M)
    assert total, proc.stderr
    header = proc.stdout.splitlines()[0]
    assert re.search(rf"\(simulation ({TIME}), whole command ({TIME})\)", header), header


def test_json_stays_alone_on_stdout(tiny_file):
    proc = _run(str(tiny_file), "-n", "200", "--seed", "1", "--json")
    assert json.loads(proc.stdout)["iterations"] == 200
    assert "JSON ..." in proc.stderr and "done in" in proc.stderr


def test_stages_object_and_durations(capsys):
    stage = Stages()
    with stage("counting"):
        sum(range(10))
    stage.done()
    err = capsys.readouterr().err.splitlines()
    assert re.fullmatch(rf"counting \.\.\. ({TIME})", err[0]) and err[1].startswith("done in ")
    assert set(stage.times) == {"counting"} and stage.total >= stage.times["counting"]
    assert (seconds(0.421), seconds(12.34), seconds(125.0)) == ("0.42 s", "12.3 s", "2 min 05 s")


def test_the_whole_command_counts_from_the_programs_start(monkeypatch):
    """Run as the program, "done in" counts the imports and the scenario's loading too."""
    import time

    from simulator import stages
    monkeypatch.setattr(stages, "PROGRAM_STARTED", time.perf_counter() - 5.0)
    assert Stages().total >= 5.0
    monkeypatch.setattr(stages, "PROGRAM_STARTED", None)
    assert Stages().total < 1.0


def test_the_program_ends_with_its_output_written_and_its_code(tiny_file):
    """The program ends without Python's teardown: whatever it wrote to a pipe must be there
    whole, the same bytes as in process, and the exit code must be main's."""
    import contextlib
    import io

    from simulator.cli import main
    argv = [str(tiny_file), "-n", "300", "--seed", "1", "--json"]
    proc = _run(*argv)
    mine = io.StringIO()
    with contextlib.redirect_stdout(mine), contextlib.redirect_stderr(io.StringIO()):
        assert main(["run", *argv]) == 0
    assert proc.stdout == mine.getvalue() and json.loads(proc.stdout)["iterations"] == 300
    bad = subprocess.run([sys.executable, "-m", "simulator", "run", str(tiny_file) + ".missing"],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "file not found" in bad.stderr and bad.stdout == ""
    # a usage error leaves through argparse's own exit, with its code
    usage = subprocess.run([sys.executable, "-m", "simulator", "run"], capture_output=True, text=True)
    assert usage.returncode == 2 and "required: file" in usage.stderr
