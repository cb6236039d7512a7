"""Mutation run: plant hand-written single-point bugs in the core, one at a time, and see
whether the tests of that module catch each one.

Usage, from the repository root (not part of CI; 50 minutes with -j 2 on a busy two-core machine)::

    nice python tests/mutation/run.py -j 2             # every mutant, two at a time
    nice python tests/mutation/run.py -m stats -m cpm  # only these modules
    nice python tests/mutation/run.py -k stats-ci      # only mutants whose name contains this

The working tree is never modified: the package, tests, scenarios and pyproject.toml
are copied to a temporary folder, each mutant is written into the copy, the targeted
tests run there (``python -m pytest -x -q -p no:cacheprovider``, no byte code, no
Hypothesis database, so no mutant's run can influence another's), and the original
file is written back before the next mutant. A mutant is *killed* when the tests fail
(or time out), *survived* when they pass. The table printed at the end is the one
recorded in ``tests/README.md``.
"""

from __future__ import annotations

import argparse
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from mutants import MUTANTS, TESTS  # noqa: E402

TIMEOUT = 600  # seconds; a mutant that makes the tests hang counts as killed


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in ("simulator", "tests", "scenarios", "notebooks", "schema"):
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, dest / name, ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


def _run_tests(cwd: Path, tests: list[str]) -> tuple[str, float, str]:
    # the copy first on the path of every process, so that a test's own subprocess (a script
    # in a temporary folder, which does not start in cwd) imports the mutant too
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", HYPOTHESIS_PROFILE="mutation",
               PYTHONPATH=os.pathsep.join(filter(None, (str(cwd), os.environ.get("PYTHONPATH")))))
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "killed (timeout)", time.perf_counter() - t0, ""
    elapsed = time.perf_counter() - t0
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    if proc.returncode == 0:
        return "survived", elapsed, last
    if proc.returncode in (1, 2):  # failures, or an error while collecting (import fails)
        first_fail = next((ln for ln in proc.stdout.splitlines() if ln.startswith(("FAILED", "ERROR"))), last)
        return "killed", elapsed, first_fail
    return f"error (pytest exit {proc.returncode})", elapsed, last


def _one(work: Path, mt) -> tuple:
    """Run one mutant in the copy at ``work``; the copy's file is always restored."""
    path = work / mt.file
    original = path.read_text(encoding="utf-8")
    if original.count(mt.old) != 1:
        return mt, f"stale (snippet found {original.count(mt.old)} times)", 0.0, ""
    try:
        path.write_text(original.replace(mt.old, mt.new), encoding="utf-8")
        outcome, secs, detail = _run_tests(work, TESTS[mt.module])
    finally:
        path.write_text(original, encoding="utf-8")
    return mt, outcome, secs, detail


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-m", "--module", action="append", help="only these modules (e.g. cpm, stats)")
    ap.add_argument("-k", "--keyword", action="append", help="only mutants whose name contains this")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    ap.add_argument("--baseline", action="store_true", help="first check the unmutated tests pass")
    args = ap.parse_args(argv)
    # a terminated run still removes its temporary copies
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    chosen = [mt for mt in MUTANTS
              if (not args.module or mt.module in args.module)
              and (not args.keyword or any(k in mt.name for k in args.keyword))]
    results = []
    with tempfile.TemporaryDirectory(prefix="veikart-mutation-") as tmp:
        copies = [Path(tmp) / f"copy{j}" for j in range(max(1, args.jobs))]
        for work in copies:
            _copy_tree(work)
        check = subprocess.run([sys.executable, "-c", "import simulator; print(simulator.__file__)"],
                               cwd=copies[0], capture_output=True, text=True, check=True)
        if not check.stdout.strip().startswith(str(copies[0])):
            print(f"the copy does not import its own package: {check.stdout}", file=sys.stderr)
            return 2
        if args.baseline:
            for module in sorted({mt.module for mt in chosen}):
                outcome, secs, detail = _run_tests(copies[0], TESTS[module])
                print(f"baseline {module:12s} {outcome:10s} {secs:6.1f}s {detail}", flush=True)
                if outcome != "survived":
                    return 2
        free: queue.Queue[Path] = queue.Queue()
        for work in copies:
            free.put(work)

        def task(mt):
            work = free.get()
            try:
                return _one(work, mt)
            finally:
                free.put(work)

        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            for mt, outcome, secs, detail in pool.map(task, chosen):
                results.append((mt, outcome, secs, detail))
                print(f"{mt.name:40s} {outcome:18s} {secs:6.1f}s  {detail[:110]}", flush=True)

    _table(results)
    return 0


def _table(results) -> None:
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # killed, real, equivalent
    survivors = []
    for mt, outcome, _, _ in results:
        row = per[mt.module]
        if mt.equivalent:
            row[2] += 1
            if outcome.startswith("killed"):
                print(f"note: {mt.name} is marked equivalent but was killed")
            continue
        row[1] += 1
        if outcome.startswith("killed"):
            row[0] += 1
        else:
            survivors.append((mt, outcome))
    print("\n| module | killed | non-equivalent | score | equivalent (not scored) |")
    print("|---|---:|---:|---:|---:|")
    total = [0, 0, 0]
    for module in sorted(per):
        k, n, e = per[module]
        total = [total[0] + k, total[1] + n, total[2] + e]
        print(f"| {module} | {k} | {n} | {100 * k / n if n else 100:.0f} % | {e} |")
    k, n, e = total
    print(f"| **all** | {k} | {n} | {100 * k / n if n else 100:.0f} % | {e} |")
    if survivors:
        print("\nsurvivors:")
        for mt, outcome in survivors:
            print(f"- {mt.name} ({mt.module}, {outcome}): {mt.why}")


if __name__ == "__main__":
    sys.exit(main())
