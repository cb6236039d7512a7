"""A closed pipe on stdout ends veikart quietly, as it does any Unix filter."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from simulator.cli import main

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGPIPE"), reason="needs SIGPIPE")


def _with_closed_stdout(*argv: str) -> subprocess.CompletedProcess:
    """Run with a stdout pipe whose reader is gone before the first write (as `| head -0`)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "simulator", *argv], stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)


@pytest.mark.parametrize("command", ["validate", "schema", "run"])
def test_a_closed_pipe_ends_the_command_quietly(tiny_file, command):
    argv = {"validate": ["validate", str(tiny_file)], "schema": ["schema"],
            "run": ["run", str(tiny_file), "-n", "200", "--seed", "1", "--json"]}[command]
    proc = _with_closed_stdout(*argv)
    assert proc.returncode == -signal.SIGPIPE  # what a shell shows as 141
    # stderr has at most the stage lines a run always prints, and no word of the pipe
    for word in ("Broken pipe", "Errno", "Traceback", "failed"):
        assert word not in proc.stderr


def test_in_process_a_broken_pipe_is_quiet(tiny_file, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")
    monkeypatch.setattr("simulator.commands.validate_text", broken)
    assert main(["validate", str(tiny_file)]) == 1
    assert "Broken pipe" not in capsys.readouterr().err
