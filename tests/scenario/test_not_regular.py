"""Scenario and overlay files are read only from regular files, and only up to the size cap."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from simulator import ScenarioError, load_scenario
from simulator.cli import main
from simulator.scenario.yamlio import MAX_BYTES

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    # in a child process with a timeout: the bug was a read that blocked forever
    proc = subprocess.run([sys.executable, "-m", "simulator", "validate", str(fifo)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "is not a regular file" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(device, capsys):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    assert main(["validate", device]) == 2
    assert "is not a regular file" in capsys.readouterr().err


def test_an_overlay_extending_a_fifo_is_refused(tmp_path):
    os.mkfifo(tmp_path / "base.yaml")
    (tmp_path / "over.yaml").write_text("extends: base.yaml\n")
    with pytest.raises(ScenarioError, match="base.yaml is not a regular file"):
        load_scenario(tmp_path / "over.yaml")


def test_a_symlink_to_a_regular_file_is_read(tmp_path, tiny_file):
    (tmp_path / "link.yaml").symlink_to(tiny_file)
    assert load_scenario(tmp_path / "link.yaml").scenario.name == "tiny"


def test_an_endless_regular_looking_read_is_capped(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (MAX_BYTES + 10) + b"\n")
    with pytest.raises(ScenarioError, match="limited to"):
        load_scenario(big)
