"""A seed veikart picks survives a JSON round trip through tools that read numbers as doubles."""

from __future__ import annotations

import json

import numpy as np

from simulator import load_scenario, simulate
from simulator.cli import main
from simulator.sampling.streams import root_seed


def _exact_as_double(seed: int) -> bool:
    return 0 <= seed < 2**53 and int(float(seed)) == seed


def test_derived_seeds_are_exact_as_doubles():
    drawn = [root_seed(None) for _ in range(200)]
    assert all(_exact_as_double(s) for s in drawn)
    assert len(set(drawn)) == 200  # fresh entropy each time
    assert max(drawn) > 2**50  # and the whole range is used, not a few bits
    assert _exact_as_double(root_seed(np.random.default_rng(1)))
    spawned = np.random.SeedSequence(5).spawn(1)[0]
    assert _exact_as_double(root_seed(spawned))
    assert root_seed(spawned) == root_seed(np.random.SeedSequence(5).spawn(1)[0])


def test_the_default_seed_is_printed_and_repeats_the_run(tiny_file, tmp_path, capsys):
    assert main(["run", str(tiny_file), "-n", "300", "--json", "--out", str(tmp_path / "o"),
                 "--no-report"]) == 0
    payload = json.loads(capsys.readouterr().out)
    seed = payload["seed"]
    assert _exact_as_double(seed)
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["seed"] == seed
    # a JSON tool that reads the seed as a double gets the same run back
    again = simulate(load_scenario(tiny_file), 300, int(float(seed)))
    assert again.to_dict()["activities"] == payload["activities"]
