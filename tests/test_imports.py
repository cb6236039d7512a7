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


LAZY = """
import json, sys
import simulator
listed = {"simulate", "prioritise", "Result", "load_scenario"} <= set(dir(simulator))  # before any use
before = sorted(m for m in ("numpy", "pandas", "scipy", "numba", "pydantic") if m in sys.modules)
from simulator.cli import build_parser
build_parser().format_help()
after_cli = sorted(m for m in ("numpy", "pandas", "scipy", "numba", "pydantic") if m in sys.modules)
import simulator.order_search  # the module first, as a user might: the name stays the function
print(json.dumps({"listed": listed, "before": before, "after_cli": after_cli, "function": callable(simulator.prioritise),
                  "name": simulator.prioritise.__name__}))
"""


def test_the_package_and_the_command_line_start_without_the_numeric_stack():
    """`import simulator` and `veikart --help` load none of it: a tenth of the start-up."""
    proc = subprocess.run([sys.executable, "-c", LAZY], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got == {"listed": True, "before": [], "after_cli": [], "function": True, "name": "prioritise"}


def test_every_public_name_is_the_object_of_its_module():
    import importlib

    import simulator
    homes = {"Result": "simulator.analysis.result", "Scenario": "simulator.scenario.models",
             "ScenarioError": "simulator.errors", "compare": "simulator.api",
             "compile_scenario": "simulator.scenario.compile", "load_scenario": "simulator.scenario",
             "plan": "simulator.api", "plan_table": "simulator.analysis.planned",
             "prioritise": "simulator.order_search", "simulate": "simulator.api"}
    assert sorted(simulator.__all__) == sorted([*homes, "__version__"])
    for name, module in homes.items():
        assert getattr(simulator, name) is getattr(importlib.import_module(module), name), name
    assert set(homes) <= set(dir(simulator))
    namespace: dict = {}
    exec("from simulator import *", namespace)
    assert {k for k in namespace if k != "__builtins__"} == {*homes, "__version__"}
    with pytest.raises(AttributeError, match="has no attribute 'simulatte'"):
        simulator.simulatte
