"""Time of the risk ranking by exclusion on the default scenario.

Run: ``python benchmarks/ranking.py [--iterations 10000] [--repeat 5]``

The ranking reschedules the run's own draws once per risk (common random
numbers), so it costs one forward pass per risk and no sampling.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simulator  # noqa: E402
from simulator.analysis.sensitivity import activity_sensitivity, risk_ranking  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    scenario = simulator.load_scenario(ROOT / "scenarios" / "veikart-22.1.yaml")
    result = simulator.simulate(scenario, args.iterations, 1)
    net = result.network
    risks = f"{len(net.risk_groups()) + len(net.gates)} risks and gates ({len(net.drivers)} drivers)"
    for name, fn in (("risk_ranking", risk_ranking), ("activity_sensitivity", activity_sensitivity)):
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn(result)
            best = min(best, time.perf_counter() - t)
        print(f"{name}: {best:.3f} s for {risks}, {result.network.size} activities, "
              f"{args.iterations:,} iterations (best of {args.repeat})")


if __name__ == "__main__":
    main()
