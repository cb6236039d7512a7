"""The ``veikart`` command line: validate, run, compare, report, calibrate, schema."""

from __future__ import annotations

import argparse
import os
import json
import sys
from typing import Sequence

from . import __version__
from .errors import ScenarioError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, but say more
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{value} is too small; use at least 2 iterations")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must be non-negative")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``veikart`` command."""
    parser = _Parser(prog="veikart", description="Monte Carlo schedule risk for the e-health roadmap.")
    parser.add_argument("--version", action="version", version=f"veikart {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a scenario file and show its deterministic plan")
    p.add_argument("file")

    p = sub.add_parser("run", help="simulate a scenario")
    p.add_argument("file")
    p.add_argument("-n", "--iterations", type=_positive, default=10_000)
    p.add_argument("--seed", type=_seed, default=None,
                   help="root seed (default: fresh entropy, printed so the run can be repeated)")
    p.add_argument("--sampling", choices=["mc", "lhs"], default="mc")
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")
    p.add_argument("--engine", choices=["cpm", "capacity", "des"], default=None,
                   help="scheduling engine (default: capacity when phases hold resources, else cpm)")
    p.add_argument("--workers", type=int, default=1, help="processes (the result does not change)")
    p.add_argument("--out", help="directory for summary.json, summary.csv, manifest.json, "
                   "report.html and the report-data/ it is built from")
    p.add_argument("--save-iterations", action="store_true", help="also write iterations.parquet")
    p.add_argument("--json", action="store_true", help="print the JSON result to stdout, nothing else")
    p.add_argument("--target", metavar="ID", default=None,
                   help="milestone, phase or initiative the sensitivity and risk ranking refer to")
    p.add_argument("--lang", choices=["nb", "en"], default="nb", help="language of report.html")
    p.add_argument("--no-report", action="store_true",
                   help="with --out, write no report.html (its data files are still written)")
    p.add_argument("--outside-view", action="store_true",
                   help="run the outside view: the plan stretched per initiative by a ratio drawn "
                   "from the scenario's reference_class (docs/design.md, 'The outside view')")

    p = sub.add_parser("calibrate", help="each initiative's simulated ratio actual/planned "
                       "beside the reference class's")
    p.add_argument("file")
    p.add_argument("-n", "--iterations", type=_positive, default=10_000)
    p.add_argument("--seed", type=_seed, default=None)
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")

    p = sub.add_parser("report", help="rebuild DIR/report.html from the data a run saved in DIR")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--lang", choices=["nb", "en"], default="nb")

    p = sub.add_parser("compare", help="compare scenarios on common random numbers")
    p.add_argument("files", nargs="+", metavar="FILE", help="the first is the baseline")
    p.add_argument("-n", "--iterations", type=_positive, default=10_000)
    p.add_argument("--seed", type=_seed, default=None)
    p.add_argument("--sampling", choices=["mc", "lhs"], default="mc")
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")

    sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted; no output was written", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, MemoryError) as exc:
        print(f"veikart: run failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so plainly; VEIKART_DEBUG=1 shows the traceback
        if os.environ.get("VEIKART_DEBUG"):
            raise
        print(f"veikart: internal error ({type(exc).__name__}: {exc}); "
              "rerun with VEIKART_DEBUG=1 for details", file=sys.stderr)
        return EXIT_FAILED


def _validate(args) -> int:
    from .commands import validate_text
    print(validate_text(args.file))
    return EXIT_OK


def _schema(args) -> int:
    from .scenario.schema import scenario_schema
    print(json.dumps(scenario_schema(), indent=2))
    return EXIT_OK


def _run(args) -> int:
    from .commands import run_command
    if args.workers < 1:
        print("veikart: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    return run_command(args)


def _calibrate(args) -> int:
    from .outside_commands import calibrate_command
    return calibrate_command(args)


def _compare(args) -> int:
    from .commands import compare_command
    return compare_command(args)


def _report(args) -> int:
    from .commands import report_command
    from .report.data import ReportDataError
    try:
        return report_command(args)
    except ReportDataError as exc:
        print(f"veikart: {exc}", file=sys.stderr)
        return EXIT_USAGE


_COMMANDS = {"validate": _validate, "run": _run, "compare": _compare, "report": _report,
             "schema": _schema, "calibrate": _calibrate}

__all__ = ["main", "build_parser"]
