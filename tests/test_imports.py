"""A run that draws nothing imports no plotting library and no scipy.stats: about a second saved."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import ROOT, SCENARIOS

# what a run prints or saves without drawing never needs these (scipy.stats alone costs a
# third of a second; the project uses scipy.special)
HEAVY = ("matplotlib", "seaborn", "scipy.stats")

# run the command line in a fresh interpreter (this one has imported everything), then list
# which of HEAVY it imported; the command's own output goes to stderr so stdout is ours
PROBE = """
import contextlib, json, sys
from simulator.cli import main
with contextlib.redirect_stdout(sys.stderr):
    code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] if not m.startswith("scipy.") else m
                for m in sys.modules} & set(json.loads(%r)))
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _imported(*argv: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", PROBE % json.dumps(HEAVY), *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("how", ["--json", "--no-report", "terminal"])
@pytest.mark.parametrize("name", ["tiny", "capacity"])
def test_a_run_that_draws_nothing_imports_no_heavy_library(how, name, tiny_file, tmp_path):
    path = tiny_file if name == "tiny" else SCENARIOS / "examples" / "capacity.yaml"
    extra = {"--json": ["--json"], "--no-report": ["--out", str(tmp_path / "out"), "--no-report"],
             "terminal": []}[how]
    got = _imported("run", str(path), "-n", "300", "--seed", "1", *extra)
    assert got == {"code": 0, "heavy": []}
    if how == "--no-report":
        assert (tmp_path / "out" / "report-data").is_dir()
        assert not (tmp_path / "out" / "report.html").exists()


def test_the_probe_sees_an_import(tiny_file, tmp_path):
    # the same probe on a run that draws the report must see matplotlib, or it proves nothing
    got = _imported("run", str(tiny_file), "-n", "300", "--seed", "1", "--out", str(tmp_path / "o"))
    assert got["code"] == 0 and "matplotlib" in got["heavy"]
