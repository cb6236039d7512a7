""".ci/run installs Chromium even while another package manager holds the apt lock for a while."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# a stand-in apt-get: fails like a held lock until its counter reaches FAILS, then succeeds
FAKE_APT = """#!/usr/bin/env bash
echo "$*" >> "$LOG"
n=$(cat "$COUNT" 2>/dev/null || echo 0); echo $((n + 1)) > "$COUNT"
if [ "$n" -lt "$FAILS" ]; then
    echo "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)" >&2
    exit 100
fi
exit 0
"""

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _install(tmp_path, fails: int) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "apt-get").write_text(FAKE_APT)
    (bin_dir / "apt-get").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "LOG": str(tmp_path / "log"),
           "COUNT": str(tmp_path / "count"), "FAILS": str(fails), "APT_RETRY_WAIT": "0"}
    proc = subprocess.run(["bash", "-c", "set -euo pipefail; source .ci/apt-install.sh; "
                           "apt_install chromium chromium-driver"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    log = (tmp_path / "log").read_text().splitlines() if (tmp_path / "log").exists() else []
    return proc, log


def test_a_held_lock_is_waited_for_and_retried(tmp_path):
    proc, log = _install(tmp_path, fails=3)
    assert proc.returncode == 0, proc.stderr
    assert all("DPkg::Lock::Timeout=300" in line for line in log)
    assert log[-1].endswith("install -y -qq chromium chromium-driver")
    assert "attempt 3 of 5" in proc.stderr


def test_it_gives_up_after_five_attempts(tmp_path):
    proc, log = _install(tmp_path, fails=100)
    assert proc.returncode == 1
    assert len(log) == 5 and "after 5 attempts" in proc.stderr


def test_the_ci_script_uses_it():
    text = (ROOT / ".ci" / "run").read_text()
    assert "source .ci/apt-install.sh" in text and "apt_install chromium chromium-driver" in text
