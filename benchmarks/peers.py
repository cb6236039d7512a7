"""veikart against pmcontrols' PERT Monte Carlo on the same 100-phase network, cold and warm.

Run: ``python benchmarks/peers.py [--iterations 100000] [--repeat 3]``

pmcontrols (``pip install pmcontrols``; not a dependency of the project) samples PERT
durations on a finish-to-start network and reports the finish's mean and percentiles and
a criticality index per activity; it has no risk events, calendars or confidence
intervals. The network here is what both can express: 10 initiatives of 10 phases, each
phase after the previous one of its initiative and after a phase of another initiative's
previous layer (finish-to-start, no lag), PERT durations, no risks.

"Cold" is a new process per run, as a command-line user pays it: for veikart
``python -m simulator run FILE -n N --seed 1 --json`` (summary with percentile intervals,
P(by deadline) and criticality, as JSON), for pmcontrols ``python -c`` importing it and
calling ``pert`` on the same network. "Warm" is the call alone in a process that has
imported the package and run once. Medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def network(layers: int = 10, width: int = 10) -> list[dict]:
    """Phases as ``{id, a, m, b, predecessors}``: the network both tools are given."""
    rng = np.random.default_rng(0)  # fixes the network's shape only
    phases = []
    for w in range(width):
        for layer in range(layers):
            a = 2.0 + (w + layer) % 4
            preds = [f"a{w}-{layer - 1}"] if layer else []
            if layer:
                other = int(rng.integers(width - 1))
                other += other >= w
                preds.append(f"a{other}-{layer - 1}")
            phases.append({"id": f"a{w}-{layer}", "a": a, "m": a + 2, "b": a + 7,
                           "predecessors": preds})
    return phases


def scenario(phases: list[dict], width: int = 10) -> dict:
    """The same network in the scenario format."""
    initiatives = {}
    for p in phases:
        w, layer = p["id"][1:].split("-")
        cross = [q for q in p["predecessors"] if not q.startswith(f"a{w}-")]
        phase = {"id": p["id"], "kind": "utvikling",
                 "duration": {"dist": "pert", "min": p["a"], "mode": p["m"], "max": p["b"]}}
        if cross:
            phase["after"] = cross  # the previous phase of its own initiative is implicit
        initiatives.setdefault(w, []).append(phase)
    return {"scenario": {"name": "net-100", "version": "1", "start": "2022-01-01",
                         "deadline": "2030-12-31", "unit": "months", "horizon": "2060-12-31"},
            "initiatives": [{"id": f"i{w}", "phases": ph} for w, ph in initiatives.items()]}


def cold(cmd: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import pmcontrols
    except ImportError:
        raise SystemExit("pmcontrols is not installed: pip install pmcontrols")
    import simulator

    phases, n = network(), args.iterations
    with tempfile.TemporaryDirectory() as tmp:
        yml, js = Path(tmp) / "net.yaml", Path(tmp) / "net.json"
        yml.write_text(yaml.safe_dump(scenario(phases), sort_keys=False))
        js.write_text(json.dumps(phases))
        ours = [sys.executable, "-m", "simulator", "run", str(yml), "-n", str(n), "--seed", "1",
                "--json"]
        theirs = [sys.executable, "-c", "import json, sys, pmcontrols; "
                  f"pmcontrols.pert(json.load(open(sys.argv[1])), n_sim={n}, seed=1)", str(js)]
        cold(ours), cold(theirs)  # disk caches (numba's too) warmed once
        rows = {"veikart": [cold(ours) for _ in range(args.repeat)],
                "pmcontrols": [cold(theirs) for _ in range(args.repeat)]}
        sc = simulator.load_scenario(yml)

        def veikart_warm():
            simulator.simulate(sc, n, 1).to_dict()

        def pmcontrols_warm():
            pmcontrols.pert(phases, n_sim=n, seed=1)

        warm = {}
        for name, fn in (("veikart", veikart_warm), ("pmcontrols", pmcontrols_warm)):
            fn()
            times = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t)
            warm[name] = statistics.median(times)
    c = {k: statistics.median(v) for k, v in rows.items()}
    print(f"net-100 (100 phases, PERT, finish-to-start), {n:,} iterations, median of {args.repeat}:")
    print(f"  cold (new process): veikart {c['veikart']:.2f} s, pmcontrols {c['pmcontrols']:.2f} s, "
          f"veikart {c['pmcontrols'] / c['veikart']:.1f}x faster")
    print(f"  warm (the call):    veikart {warm['veikart']:.3f} s, pmcontrols {warm['pmcontrols']:.3f} s, "
          f"veikart {warm['pmcontrols'] / warm['veikart']:.1f}x faster")


if __name__ == "__main__":
    main()
