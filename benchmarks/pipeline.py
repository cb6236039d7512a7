"""The whole command on the default scenario: wall time and peak memory, and the analyses
against the simulation.

Run: ``python benchmarks/pipeline.py [--iterations 100000] [--repeat 3] [--skip-api]
[--synthetic WIDTH]``

``--synthetic 500`` runs the layered network of ``throughput.py`` with 500 initiatives of 10
phases (5,001 activities) instead of the default scenario.

Each command runs in a fresh process under ``/usr/bin/time -v`` (Linux), so its figures
include Python's start-up, the imports and numba's cache load, as a user of the command
line pays them; the median of ``--repeat`` runs is printed with the peak resident memory
of the largest process. Then, in this process, the time of ``simulate`` and of the
analyses that follow it (``risk_ranking``, ``activity_sensitivity``, the JSON object).
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
SCENARIO = ROOT / "scenarios" / "veikart-22.1.yaml"


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one run of ``cmd`` under /usr/bin/time -v."""
    began = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1))
    return wall, rss / 1024


def commands(scenario: Path, n: int, out: str) -> list[tuple[str, list[str]]]:
    run = [sys.executable, "-m", "simulator", "run", str(scenario), "-n", str(n), "--seed", "1"]
    return [
        ("--json, 1 worker", [*run, "--json", "--workers", "1"]),
        ("--json, every CPU (the default)", [*run, "--json"]),
        ("terminal summary with top risks, every CPU", run),
        ("--out with report, 1 worker", [*run, "--out", out, "--workers", "1"]),
        ("--out with report, every CPU", [*run, "--out", out]),
    ]


def api(path: Path, n: int) -> None:
    import simulator
    from simulator.analysis.sensitivity import activity_sensitivity, risk_ranking

    scenario = simulator.load_scenario(path)
    simulator.simulate(scenario, 2_000, 1)  # the compiled engine loaded from numba's cache
    t = time.perf_counter()
    result = simulator.simulate(scenario, n, 1)
    sim = time.perf_counter() - t
    print(f"simulate, {n:,} iterations, 1 worker: {sim:.2f} s")
    for name, fn in (("risk_ranking", risk_ranking), ("activity_sensitivity", activity_sensitivity),
                     ("JSON object (to_dict)", lambda r: r.to_dict())):
        t = time.perf_counter()
        fn(result)
        took = time.perf_counter() - t
        print(f"{name}: {took:.2f} s ({took / sim:.2f}x simulate)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--synthetic", type=int, metavar="WIDTH")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        scenario = SCENARIO
        if args.synthetic:
            import yaml
            from throughput import synthetic
            scenario = Path(tmp) / "synthetic.yaml"
            scenario.write_text(yaml.safe_dump(synthetic(width=args.synthetic), sort_keys=False))
        print(f"{scenario.name}, {args.iterations:,} iterations")
        for name, cmd in commands(scenario, args.iterations, str(Path(tmp) / "out")):
            runs = [timed(cmd) for _ in range(args.repeat)]
            print(f"{name}: {statistics.median(w for w, _ in runs):.2f} s wall "
                  f"(median of {args.repeat}), peak RSS {max(r for _, r in runs):,.0f} MiB")
        if not args.skip_api:
            api(scenario, args.iterations)


if __name__ == "__main__":
    main()
