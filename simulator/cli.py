"""The ``veikart`` command line: validate, run, compare, report, calibrate, schema."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from typing import NoReturn, Sequence

from . import __version__
from .errors import ScenarioError
from .outdir import OutputDirError
from .signals import interrupt_once, interrupted
from .terminal import SafeStream

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# as near the program's start as the package sees: numpy, pandas and numba are not loaded yet
_IMPORTED = time.perf_counter()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as argparse does, but say more
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _at_least(least: int, what: str = ""):
    """An argparse type: a whole number of at least ``least`` (``what`` names the unit)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is too small; use at least {least}{what}")
        return value
    return parse


_positive = _at_least(2, " iterations")
_count = _at_least(1)


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("the seed must be non-negative")
    return value


def _extends_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-extends-outside", action="store_true",
                   help="let an overlay's `extends:` name files outside the folder of the file "
                   "given (and its subfolders); refused by default")


def _sampling_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--sampling", choices=["mc", "lhs"], default="mc",
                   help="mc: plain Monte Carlo; lhs: Latin Hypercube, stratified per chunk of "
                   "iterations (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``veikart`` command."""
    parser = _Parser(prog="veikart", description="Monte Carlo schedule risk for the e-health roadmap.")
    parser.add_argument("--version", action="version", version=f"veikart {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a scenario file and show its deterministic plan",
                       description="Check a scenario file (or an overlay and the files it extends). "
                       "Exit 0 and show the counts, the deterministic plan, the critical path "
                       "and any warnings; or exit 2 and list every problem as file:line:col, "
                       "the field and the rule broken.")
    p.add_argument("file", help="scenario YAML file, or an overlay with `extends:`")
    _extends_option(p)

    p = sub.add_parser("run", help="simulate a scenario", description="Simulate a scenario and "
                       "print the delivery outlook per initiative and the top risks.")
    p.add_argument("file", help="scenario YAML file, or an overlay with `extends:`")
    p.add_argument("-n", "--iterations", type=_positive, default=10_000,
                   help="Monte Carlo iterations, at least 2 (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=None,
                   help="root seed (default: fresh entropy, printed so the run can be repeated)")
    _sampling_option(p)
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")
    p.add_argument("--engine", choices=["cpm", "capacity", "des"], default=None,
                   help="cpm: the compiled forward pass, without capacity; capacity: the compiled "
                   "engine for phases that hold resources; des: the SimPy discrete-event engine, "
                   "same dates, much slower (default: capacity when phases hold resources, else cpm)")
    p.add_argument("--workers", type=int, default=None,
                   help="processes, capped at what the run and the CPUs can use; the result "
                   "does not change (default: every CPU this process may use, as far as the "
                   "memory available allows)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on the Dask scheduler at ADDRESS (the result does not change)")
    p.add_argument("--out", help="directory for summary.json, summary.csv, manifest.json, "
                   "report.html and the report-data/ it is built from")
    p.add_argument("--save-iterations", action="store_true",
                   help="also write every iteration to iterations.parquet in the --out "
                   "directory (a row group per chunk, as the run goes)")
    p.add_argument("--json", action="store_true", help="print the JSON result to stdout, nothing else")
    p.add_argument("--target", metavar="ID", default=None,
                   help="milestone, phase or initiative the sensitivity and risk ranking refer to")
    p.add_argument("--why", metavar="ID", action="append", default=[],
                   help="print the top risk drivers of this initiative, milestone or phase "
                   "(its own risk ranking by exclusion); may be given more than once")
    p.add_argument("--lang", choices=["nb", "en"], default="nb",
                   help="language of report.html (default: %(default)s)")
    p.add_argument("--no-report", action="store_true",
                   help="with --out, write no report.html (its data files are still written)")
    _extends_option(p)
    p.add_argument("--outside-view", action="store_true",
                   help="run the outside view: the plan stretched per initiative by a ratio drawn "
                   "from the scenario's reference_class (docs/design.md, 'The outside view')")

    p = sub.add_parser("calibrate", help="each initiative's simulated ratio actual/planned "
                       "beside the reference class's")
    p.add_argument("file", help="scenario YAML file, or an overlay with `extends:`")
    _extends_option(p)
    p.add_argument("-n", "--iterations", type=_positive, default=10_000,
                   help="Monte Carlo iterations, at least 2 (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=None,
                   help="root seed (default: fresh entropy, printed so the run can be repeated)")
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")

    p = sub.add_parser("report", help="rebuild DIR/report.html from the data a run saved in DIR",
                       description="Rebuild DIR/report.html from the data a run saved in DIR, "
                       "with no simulation; the figures are drawn by one process per CPU (the "
                       "same bytes as one process draws).")
    p.add_argument("dir", metavar="DIR", help="the --out folder of an earlier `veikart run`")
    p.add_argument("--lang", choices=["nb", "en"], default="nb",
                   help="language of report.html (default: %(default)s)")

    p = sub.add_parser("compare", help="compare scenarios on common random numbers",
                       description="Simulate each scenario with the same seed and print, per "
                       "initiative and milestone they share, the P80 date and its gain on the "
                       "calendar (in months and days) and the gain in P(by deadline) with its "
                       "paired standard error, against the first (the baseline).")
    p.add_argument("files", nargs="+", metavar="FILE", help="the first is the baseline")
    p.add_argument("-n", "--iterations", type=_positive, default=10_000,
                   help="Monte Carlo iterations per scenario, at least 2 (default: %(default)s)")
    p.add_argument("--seed", type=_seed, default=None,
                   help="root seed shared by every scenario (default: fresh entropy, printed)")
    _sampling_option(p)
    p.add_argument("--mitigated", action="store_true", help="use the risks' mitigated values")
    p.add_argument("--target", metavar="ID", default=None,
                   help="compare only this milestone, phase or initiative (present in every "
                   "scenario); default every initiative and milestone they share")
    p.add_argument("--json", action="store_true", help="print the JSON comparison to stdout, nothing "
                   "else (docs/outputs-compare.md)")
    p.add_argument("--out", help="directory for comparison.json, comparison.csv and manifest.json, "
                   "written as one unit as `run --out` writes")
    p.add_argument("--lang", choices=["nb", "en"], default="en",
                   help="language of the printed comparison (default: %(default)s)")
    p.add_argument("--workers", type=_count, default=None,
                   help="processes for each scenario's run, capped at what the run and the CPUs "
                   "can use; the result does not change (default: every CPU this process may use, "
                   "as far as the memory available allows)")
    _extends_option(p)

    p = sub.add_parser("prioritise", help="find the priority order that serves an objective best",
                       description="Evaluate priority orders of the scenario's initiatives on "
                       "common random numbers, race them, and print the best with its gain over "
                       "the scenario's own order and plan-order, each with a 95 % interval, and "
                       "the probability that it is the best of the orders evaluated.")
    p.add_argument("file", help="scenario YAML file, or an overlay with `extends:`")
    _extends_option(p)
    p.add_argument("--objective", choices=["npv", "benefit-by-deadline", "p-target", "p80-target"],
                   default=None, help="default npv with benefits:, else p-target")
    p.add_argument("--candidates", metavar="FILE", default=None,
                   help="YAML: `candidates:` (orders) or `permute:` (items); default the orders "
                   "of the initiatives that hold a resource")
    p.add_argument("--budget", type=_count, default=200, help="most orders a local search evaluates")
    p.add_argument("-n", "--iterations", type=_positive, default=2000,
                   help="iterations of every order that survives racing")
    p.add_argument("--rounds", type=_count, default=3, help="racing rounds (1: no racing)")
    p.add_argument("--seed", type=_seed, default=None)
    p.add_argument("--workers", type=_count, default=None,
                   help="local processes (default 1; with --dask, the machine's cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="run on the Dask scheduler at ADDRESS, e.g. tcp://host:8786")
    p.add_argument("--dask", action="store_true",
                   help="without --scheduler: a local Dask cluster of --workers processes")
    p.add_argument("--out", help="directory for prioritisation.json, prioritisation.csv, tradeoff.png "
                   "(and, where a run saved its report there, report.html with a Prioritering section)")
    p.add_argument("--lang", choices=["nb", "en"], default="nb", help="language of report.html")
    p.add_argument("--json", action="store_true", help="print the JSON result to stdout, nothing else")

    sub.add_parser("schema", help="print the JSON Schema of the scenario format")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Called as the program (``argv`` None), a closed pipe on stdout ends it
    quietly, as it does any Unix filter (``veikart validate f.yaml | head -3``).
    """
    if argv is None:
        interrupt_once()
        from . import stages
        stages.PROGRAM_STARTED = _IMPORTED
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        code = _main(argv)
        if argv is None:
            sys.stdout.flush()  # a pipe's reader gone shows here, while it can still be taken
        return code
    except BrokenPipeError:
        if argv is None:
            _die_of_sigpipe()
        raise
    finally:
        sys.stdout, sys.stderr = streams
        if argv is None:  # the command is done: a Ctrl-C now would only cut Python's exit short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            from . import stages
            stages.PROGRAM_STARTED = None


def entry() -> NoReturn:
    """The ``veikart`` program: :func:`main`, then the process ends without tearing Python down.

    Python's own exit frees every module, and numba's compiled code, one by one: 0.3–0.5 s
    after a run, spent on nothing, since when ``main`` returns the output is flushed, every
    file is closed or committed and the worker processes are gone. An exception (argparse's
    exit for a usage error) leaves the usual way.
    """
    code = main()  # which flushed stdout; stderr is line-buffered, and its stage lines flush
    os._exit(code)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # say it in the words, and with the usage, of the subcommand it was given to
        _subcommand(parser, args.command).error(_unrecognised(parser, args.command, extra))
    try:
        return _COMMANDS[args.command](args)
    except ScenarioError as exc:
        # a file that cannot be opened is the command's complaint, like any other of its own
        unopened = len(exc.problems) == 1 and exc.line is None and not os.path.isfile(exc.file)
        print(f"veikart: {exc.file}: {exc.problems[0].message}" if unopened else exc,
              file=sys.stderr)
        return EXIT_USAGE
    except OutputDirError as exc:
        print(f"veikart: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:  # the output folder, when there is one, says what it holds
        return _interrupted(exc)
    except BrokenPipeError:
        if argv is None:  # the program ends as a filter does
            _die_of_sigpipe()
        _stdout_to_devnull()  # in process: quiet, and no second error when stdout is flushed
        return EXIT_FAILED
    except BrokenProcessPool:  # a worker killed from outside: no bug of the run's, nothing written
        print("veikart: run failed: a worker process was killed (by the system when memory ran "
              "out, or by a signal); an output folder keeps what it held", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, MemoryError) as exc:
        print(f"veikart: run failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug: say so plainly; VEIKART_DEBUG=1 shows the traceback
        if interrupted(exc):  # a Ctrl-C while compiled code ran, outside an output folder
            return _interrupted(KeyboardInterrupt())
        if os.environ.get("VEIKART_DEBUG"):
            raise
        print(f"veikart: internal error ({type(exc).__name__}: {exc}); "
              "rerun with VEIKART_DEBUG=1 for details", file=sys.stderr)
        return EXIT_FAILED


def _interrupted(exc: KeyboardInterrupt) -> int:
    print(f"veikart: interrupted; {exc.args[0] if exc.args else 'no output was written'}",
          file=sys.stderr)
    return EXIT_FAILED


def _subcommand(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def _unrecognised(parser: argparse.ArgumentParser, name: str, extra: list[str]) -> str:
    from .errors import suggest
    options = [o for a in _subcommand(parser, name)._actions for o in a.option_strings]
    first = next((e.split("=")[0] for e in extra if e.startswith("-")), None)
    hint = suggest(first, options) if first else ""
    return f"unrecognized arguments: {' '.join(extra)}{hint}"


def _die_of_sigpipe() -> None:
    """End as a Unix filter does when the reader of its output is gone: killed by SIGPIPE.

    Only then: the signal's default action for the whole command would also kill it when a
    pool worker dies and the pool closes the pipe the workers read from, silently (exit
    141) and before the output folder is cleaned up. So SIGPIPE stays ignored, as Python
    sets it, and a write to a closed stdout is a BrokenPipeError until here.
    """
    _stdout_to_devnull()  # nothing more for Python to flush at exit
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGPIPE)


def _stdout_to_devnull() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout replaced by something without a file
        pass


def _validate(args) -> int:
    from .commands import validate_text
    print(validate_text(args.file, allow_extends_outside=args.allow_extends_outside))
    return EXIT_OK


def _schema(args) -> int:
    from .scenario.schema import scenario_schema
    print(json.dumps(scenario_schema(), indent=2))
    return EXIT_OK


def _run(args) -> int:
    from .commands import run_command
    if args.workers is not None and args.workers < 1:
        print("veikart: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    return run_command(args)


def _calibrate(args) -> int:
    from .outside_commands import calibrate_command
    return calibrate_command(args)


def _compare(args) -> int:
    from .compare_command import compare_command
    if len(args.files) < 2:
        print("usage: veikart compare BASELINE FILE [FILE ...]\n"
              "veikart compare: error: give a baseline and at least one scenario to compare with it",
              file=sys.stderr)
        return EXIT_USAGE
    return compare_command(args)


def _prioritise(args) -> int:
    from .prioritise_command import prioritise_command
    return prioritise_command(args)


def _report(args) -> int:
    from .commands import report_command
    from .report.data import ReportDataError
    try:
        return report_command(args)
    except ReportDataError as exc:
        print(f"veikart: {exc}", file=sys.stderr)
        return EXIT_USAGE


_COMMANDS = {"validate": _validate, "run": _run, "compare": _compare, "report": _report,
             "prioritise": _prioritise, "schema": _schema, "calibrate": _calibrate}

__all__ = ["main", "build_parser"]
