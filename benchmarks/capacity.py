"""Capacity engine throughput: iterations per second on one core, against the SimPy reference.

    python benchmarks/capacity.py [--iterations 50000] [--repeat 3]

Scenarios: the small example (scenarios/examples/capacity.yaml) and a synthetic network at
the scale of a national rollout plan: 24 initiatives of three phases, four vendor teams
shared by the tilpasning phases, six area-wise rollouts over 19 areas (3 national teams) and
two municipality-wise rollouts over 357 municipalities (10 teams): 900 activities. Each
engine schedules the same Draws; the capacity engine's dates are checked equal to the SimPy
engine's on the first iterations.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np

from simulator import load_scenario
from simulator.engines import capacity, des
from simulator.sampling.draws import sample_chunk
from simulator.scenario.check import build_scenario
from simulator.scenario.compile import compile_scenario
from simulator.scenario.yamlio import SourceMap

ROOT = Path(__file__).resolve().parent.parent


def synthetic() -> dict:
    """A rollout plan of 24 initiatives with shared vendor teams and area-wise rollouts."""
    vendors = ["dips", "epic", "cgm", "infodoc"]
    areas = [{"id": f"hf{k:02d}", "weight": 1.0 + k % 5, "epj": "epic" if k in (12, 13, 14)
              else "dips"} for k in range(19)]
    towns = [{"id": f"k{k:03d}", "weight": 1.0 + (k * 37) % 11, "region": f"r{k % 4}"}
             for k in range(357)]
    inis = []
    for k in range(24):
        phases = [
            {"id": f"i{k}-utvikling", "kind": "utvikling",
             "duration": {"dist": "pert", "min": 4, "mode": 6 + k % 4, "max": 14}},
            {"id": f"i{k}-tilpasning", "kind": "tilpasning", "tags": [vendors[k % 4]],
             "duration": {"dist": "triangular", "min": 2, "mode": 3 + k % 3, "max": 8}},
            {"id": f"i{k}-innforing", "kind": "innforing",
             "duration": {"dist": "triangular", "min": 0.5, "mode": 1, "max": 3}},
        ]
        if k < 6:
            phases[2]["rollout"] = {"over": "hf", "order": "weight", "ready": [
                {"when": {"epj": ["epic"]}, "after": ["i1-tilpasning"]}]}
            phases[2]["uses"] = {"hf-team": 1}
        elif k < 8:
            phases[2]["rollout"] = {"over": "kommuner", "order": {"by": "region"}}
            phases[2]["uses"] = {"kommune-team": 1}
        if k >= 4:
            phases[0]["after"] = [f"i{k - 4}-utvikling"]
        inis.append({"id": f"i{k}", "phases": phases})
    return {
        "scenario": {"name": "synthetic rollout plan", "version": "1",
                     "start": dt.date(2022, 1, 1), "deadline": dt.date(2026, 12, 31),
                     "unit": "months"},
        "resources": [{"id": v, "capacity": 1 + (v == "dips"), "applies_to": {"tags": [v]}}
                      for v in vendors]
        + [{"id": "hf-team", "capacity": 3}, {"id": "kommune-team", "capacity": 10}],
        "units": {"hf": areas, "kommuner": towns},
        "initiatives": inis,
        "milestones": [{"id": "alt", "after": [f"i{k}" for k in range(24)]}],
        "risks": [{"id": "lokal", "category": "vendor", "probability": 0.2, "scope": "unit",
                   "delay": {"dist": "uniform", "min": 0.5, "max": 2},
                   "applies_to": {"kinds": ["innforing"]}}],
    }


def bench(name: str, net, n: int, repeat: int) -> None:
    draws = sample_chunk(net, 1, 0, n)
    durations = draws.durations(net)
    capacity.schedule(net, durations[:, :10], draws.gate_times[:, :10])  # compile once
    best = min(_time(lambda: capacity.schedule(net, durations, draws.gate_times))
               for _ in range(repeat))
    k = min(n, 200 if net.size < 500 else 20)  # SimPy takes about a second an iteration there
    slow = _time(lambda: des.schedule(net, durations[:, :k], draws.gate_times[:, :k]))
    a = capacity.schedule(net, durations[:, :k], draws.gate_times[:, :k])
    b = des.schedule(net, durations[:, :k], draws.gate_times[:, :k])
    same = all(np.array_equal(getattr(a, f), getattr(b, f)) for f in ("start", "finish", "driver"))
    print(f"{name}: {net.size} activities, {int(net.claim_ptr[-1])} hold resources")
    print(f"  capacity engine: {n / best:,.0f} iterations/s ({best:.3f} s for {n:,})")
    print(f"  SimPy engine:    {k / slow:,.1f} iterations/s; equal to the bit on {k}: {same}")


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    example = compile_scenario(load_scenario(ROOT / "scenarios/examples/capacity.yaml"))
    bench("example (scenarios/examples/capacity.yaml)", example, args.iterations, args.repeat)
    sc, _ = build_scenario(synthetic(), SourceMap(), "<synthetic>")
    bench("synthetic national rollout plan", compile_scenario(sc), args.iterations, args.repeat)
    default = compile_scenario(load_scenario(ROOT / "scenarios/veikart-22.1.yaml"))
    if default.needs_capacity:
        bench("default scenario", default, args.iterations, args.repeat)


if __name__ == "__main__":
    main()
