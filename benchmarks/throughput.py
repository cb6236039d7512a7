"""Throughput of the cpm pipeline on a synthetic layered network, against bare uniform generation.

Run: ``python benchmarks/throughput.py [--iterations 100000] [--repeat 5]``

It builds 100 activities in 10 layers (about 2 predecessors each: the previous
phase of its initiative, and one link from another initiative's previous layer),
10 risk drivers, and prints:

- activity-samples per second of sampling + scheduling (one process, one core);
- the ratio of that time to the time numpy takes to generate the uniforms the
  run consumes, in one call, in the same process (the distance to the physical limit);
- the default scenario end to end (load, simulate, summary), in process;
- peak resident memory.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simulator  # noqa: E402
from simulator.parallel import run_chunks  # noqa: E402
from simulator.scenario.compile import compile_scenario  # noqa: E402

DISTS = [
    {"dist": "triangular", "min": 2, "mode": 4, "max": 9},
    {"dist": "pert", "min": 2, "mode": 4, "max": 9},
    {"dist": "lognormal", "p50": 4, "p90": 7},
    {"dist": "uniform", "min": 3, "max": 6},
]
KINDS = ["konsept", "utvikling", "tilpasning", "utproving", "innforing"]


def synthetic(layers: int = 10, width: int = 10, drivers: int = 10) -> dict:
    """A layered network: ``width`` initiatives of ``layers`` phases, cross-linked."""
    rng = np.random.default_rng(0)  # fixes the network's shape only
    initiatives = []
    for w in range(width):
        phases = []
        for layer in range(layers):
            ph = {"id": f"a{w}-{layer}", "kind": KINDS[layer % len(KINDS)],
                  "duration": dict(DISTS[(w + layer) % len(DISTS)]), "tags": [f"t{(w * layers + layer) % 5}"]}
            if layer > 0:
                other = int(rng.integers(width - 1))
                other += other >= w
                link_type = "FS" if layer % 3 else "SS"
                ph["after"] = [{"id": f"a{other}-{layer - 1}", "type": link_type, "lag": 1}]
            phases.append(ph)
        initiatives.append({"id": f"i{w}", "phases": phases})
    risks = [{"id": f"r{k}", "category": "vendor", "probability": 0.1 + 0.05 * k,
              **({"impact": {"dist": "triangular", "min": 1.0, "mode": 1.2, "max": 1.8}} if k % 2 else
                 {"delay": {"dist": "uniform", "min": 1, "max": 4}}),
              "applies_to": {"tags": [f"t{k % 5}"]} if k < 5 else {"kinds": [KINDS[k % 5]]}}
             for k in range(drivers)]
    return {"scenario": {"name": "synthetic", "version": "1", "start": "2022-01-01",
                         "deadline": "2026-12-31", "unit": "months"},
            "initiatives": initiatives, "milestones": [{"id": "end", "after": [f"i{w}" for w in range(width)]}],
            "risks": risks}


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.iterations

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.yaml"
        path.write_text(yaml.safe_dump(synthetic(), sort_keys=False))
        net = compile_scenario(simulator.load_scenario(path))
    links = int(net.pred_ptr[-1])
    engine = best_of(args.repeat, lambda: run_chunks(net, 1, n, "mc"))
    consumed = n * (net.size + 2 * len(net.drivers) + len(net.gates))
    rng = np.random.default_rng(1)
    buf = np.empty(consumed)
    bare = best_of(args.repeat, lambda: rng.random(out=buf))

    default = ROOT / "scenarios" / "veikart-22.1.yaml"
    def end_to_end():
        sc = simulator.load_scenario(default)
        simulator.simulate(sc, n, 1).summary()
    e2e = best_of(args.repeat, end_to_end)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}; python {platform.python_version()}; "
          f"numpy {np.__version__}; one process")
    print(f"network: {net.size} activities, {links} links ({links / net.size:.2f} per activity), "
          f"{len(net.drivers)} drivers; {n:,} iterations; best of {args.repeat}")
    print(f"sample + schedule: {engine:.3f} s = {net.size * n / engine / 1e6:.1f} M activity-samples/s")
    print(f"bare uniforms:     {bare:.3f} s for {consumed:,} = {consumed / bare / 1e6:.0f} M/s; "
          f"engine / bare = {engine / bare:.1f}x")
    print(f"default scenario end to end in process (load, simulate, summary): {e2e:.3f} s")
    print(f"peak resident memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
