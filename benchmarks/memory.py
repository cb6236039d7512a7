"""Peak memory and wall time of the command line against the number of iterations.

Run: ``python benchmarks/memory.py [--sizes 100000 1000000] [--workers 1 2]
[--modes json terminal out iterations compare]``

Each command runs in a fresh process under ``/usr/bin/time -v``; the peak resident memory
is that of the largest process (the parent or a worker). ``json`` is ``veikart run
--json``; ``terminal`` the summary printed with the top risks; ``out`` is ``veikart run
--out DIR`` with every file and the report; ``iterations`` that with
``--save-iterations`` too (every iteration written to Parquet as it is scheduled);
``compare`` is ``veikart compare --json`` of the scenario and its funded overlay
(``veikart-22.1-steg2-funded.yaml``), each run kept whole while it is short
(``parallel.fits_whole``) and beyond streamed with a bit per iteration and compared element. A run
kept whole grows by about 20 KB an iteration on the default scenario; a streamed run
(what the command line does) should stay nearly flat.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pipeline import SCENARIO, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--modes", nargs="+", choices=["json", "terminal", "out", "iterations", "compare"],
                        default=["json", "out"])
    parser.add_argument("--scenario", type=Path, default=SCENARIO)
    args = parser.parse_args()
    print(f"{args.scenario.name}; wall seconds and peak RSS (MiB) of one run each")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes:
            for n in args.sizes:
                for w in args.workers:
                    cmd = [sys.executable, "-m", "simulator", "run", str(args.scenario),
                           "-n", str(n), "--seed", "1", "--workers", str(w)]
                    if mode == "compare":
                        funded = args.scenario.parent / "veikart-22.1-steg2-funded.yaml"
                        cmd[3:5] = ["compare", str(args.scenario), str(funded)]
                    cmd += {"json": ["--json"], "terminal": [], "compare": ["--json"],
                            "out": ["--out", str(Path(tmp) / "out")],
                            "iterations": ["--out", str(Path(tmp) / "out"), "--save-iterations"]}[mode]
                    wall, rss = timed(cmd)
                    print(f"{mode:8} {n:>10,} iterations, {w} worker{'s' if w > 1 else ' '}: "
                          f"{wall:7.1f} s, peak RSS {rss:7,.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
