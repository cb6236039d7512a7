"""Wall time of a 24-candidate prioritisation on 1 and 2 workers, in process, in a pool and on Dask.

Run: ``python benchmarks/prioritise.py [--iterations 10000] [--repeat 1]``

The default scenario ``scenarios/veikart-22.1.yaml`` with its own (illustrative)
benefit rates; the candidates are the 24 orders of the four items that compete
for the EPJ vendors' capacity (as in ``notebooks/prioritering.ipynb``), each
run on every iteration (one round, no racing): 240,000 schedules of the full
scenario plus their benefits at 10,000 iterations; objective ``npv``. Cluster
start-up is timed apart from the run. The results are checked to be
byte-identical.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import simulator  # noqa: E402
from simulator.executors import DaskExecutor  # noqa: E402
from simulator.order_search import prioritise  # noqa: E402
from simulator.scenario.candidates import Permutations  # noqa: E402

SCENARIO = ROOT / "scenarios" / "veikart-22.1.yaml"
#: SFM and e-resept (tag), the vendors' PLL builds (tag), dialogue messages, kritisk informasjon.
ITEMS = ("sfm-gate", "pll-epj", "dialog-henvisning", "kritisk-info")
#: Iterations of the warm-up runs (numba's cache, imports, the Dask workers).
WARM_UP = 200


def _timed(label: str, fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<44} {best:8.2f} s", flush=True)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000, help="per candidate (>= 2)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    if args.iterations < 2 or args.repeat < 1:
        parser.error("--iterations must be >= 2 and --repeat >= 1")
    sc = simulator.load_scenario(SCENARIO)
    if sc.benefits is None:
        raise SystemExit(f"{SCENARIO} has no benefits: the npv objective needs them")
    space = Permutations(ITEMS, sc.priorities.rule)
    kw = dict(objective="npv", iterations=args.iterations, seed=1, rounds=1)
    warm = {**kw, "iterations": min(WARM_UP, args.iterations)}
    print(f"{SCENARIO.name}: {math.factorial(len(ITEMS))} candidates x {args.iterations:,} iterations; {os.cpu_count()} cores; "
          f"load average {os.getloadavg()[0]:.1f}")
    prioritise(sc, space, **warm)  # warm-up: numba's cache, imports
    base, ref = _timed("in process (1 worker)", lambda: prioritise(sc, space, **kw), args.repeat)
    outputs = [ref]
    two, p = _timed("process pool, 2 workers", lambda: prioritise(sc, space, workers=2, **kw), args.repeat)
    outputs.append(p)
    for n in (1, 2):
        t = time.perf_counter()
        ex = DaskExecutor(workers=n)
        start = time.perf_counter() - t
        try:
            ex.client.run(lambda: prioritise(sc, space, **warm))  # warm workers
            took, p = _timed(f"Dask LocalCluster, {n} worker(s)",
                             lambda: prioritise(sc, space, client=ex.client, **kw), args.repeat)
            outputs.append(p)
        finally:
            ex.close()
        print(f"{'  (cluster start-up)':<44} {start:8.2f} s")
        if n == 2:
            print(f"speed-up on Dask, 2 workers against 1: {dask1 / took:.2f}x")
        dask1 = took
    print(f"speed-up of the process pool, 2 workers against 1: {base / two:.2f}x")
    same = len({json.dumps(o.to_dict()) for o in outputs}) == 1
    print(f"byte-identical results: {same}")


if __name__ == "__main__":
    main()
