"""The cpm engine's compiled forward pass against the same date rule vectorised with numpy.

Run: ``python benchmarks/cpm_pass.py [--repeat 5]``

Both give the same dates to the bit (the script checks it). The compiled pass
(:func:`simulator.engines.kernel.forward`, what ``cpm.schedule`` runs) takes the activities
one by one, each over a row of iterations; the vectorised rule
(:func:`simulator.engines.cpm.activity_dates`, what the SimPy engine applies) does the same
with a few numpy calls per activity. On the layered networks of ``throughput.py`` (101 and
5,001 activities) and the default scenario, at 1 (the plan), 256 and 8,192 iterations (a
chunk), into output arrays written once before, so that first touches of fresh memory are
not timed. Best of ``--repeat``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import simulator
    from simulator.engines import cpm
    from simulator.parallel import sample_chunk
    from simulator.scenario.compile import compile_scenario
    from throughput import best_of, synthetic

    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for width in (10, 500):
            paths[f"layered, {width} initiatives"] = Path(tmp) / f"w{width}.yaml"
            paths[f"layered, {width} initiatives"].write_text(
                yaml.safe_dump(synthetic(width=width), sort_keys=False))
        paths["default scenario"] = ROOT / "scenarios" / "veikart-22.1.yaml"
        print("iterations  compiled  vectorised  (seconds, best of %d)" % args.repeat)
        for name, path in paths.items():
            net = compile_scenario(simulator.load_scenario(path))
            print(f"{name}: {net.size:,} activities")
            for n in (1, 256, 8192):
                draws = sample_chunk(net, 1, 0, n, "mc")
                d, gates = draws.durations(net), draws.gate_times
                ours, theirs = (cpm.Schedule.empty(*d.shape, durations=d) for _ in range(2))
                scratch = cpm.Scratch.for_width(n)

                def compiled():
                    cpm.schedule(net, d, gates, out=ours)

                def vectorised():
                    for i in net.order:
                        cpm.activity_dates(net, i, d, gates, theirs, scratch)
                compiled(), vectorised()  # warm up (numba's cache, first touches)
                t_ours, t_theirs = best_of(args.repeat, compiled), best_of(args.repeat, vectorised)
                same = all(np.array_equal(getattr(ours, f), getattr(theirs, f))
                           for f in ("start", "finish", "driver"))
                print(f"  {n:>8,}  {t_ours:8.4f}  {t_theirs:10.4f}  {'same dates' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
