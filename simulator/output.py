"""Write a run's files: summary.json, summary.csv, manifest.json, iterations.parquet."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from .analysis.result import Result


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``, renamed onto it only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; a report is meant to be shared
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    """Write text atomically, as UTF-8 with a final newline."""
    with atomic_path(target) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


def dumps(obj: object) -> str:
    """Deterministic JSON: the same object always gives the same bytes."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)


def manifest(result: Result, scenario_file: str | None = None) -> dict:
    """What is needed to reproduce a run, and with which software it was made."""
    from . import __version__
    return {
        "scenario_file": scenario_file,
        "scenario_sha256": result.scenario_hash,
        "seed": result.seed,
        "iterations": result.iterations,
        "sampling": result.sampling,
        "engine": result.engine,
        "mitigated": result.mitigated,
        "versions": {"veikart": __version__, "numpy": np.__version__, "pandas": pd.__version__,
                     "python": platform.python_version()},
    }


def iterations_frame(result: Result, lo: int = 0, hi: int | None = None) -> pd.DataFrame:
    """One row per iteration: start and finish of every activity, and which drivers fired.

    Parameters
    ----------
    result : Result
    lo, hi : int
        The iterations ``lo:hi`` only (default all).

    Raises
    ------
    ValueError
        When the run did not keep every iteration (``simulate(keep=...)``); such a run
        writes this table as it goes with ``simulate(iterations_file=...)``.
    """
    hi = result.iterations if hi is None else hi
    # keep='all' is the costly answer; a long run writes the table as it goes
    whole = result.whole("the per-iteration table", instead="iterations_file=PATH")
    return chunk_frame(result.network, whole.draws.columns(lo, hi), whole.schedule.columns(lo, hi), lo)


def chunk_frame(net, draws, sched, lo: int) -> pd.DataFrame:
    """:func:`iterations_frame` of one chunk's arrays, its first iteration being number ``lo``.

    Parameters
    ----------
    net : Network
    draws : Draws
    sched : Schedule
        The chunk's, as :func:`simulator.parallel.run_chunk` returns them.
    lo : int
    """
    cols: dict[str, np.ndarray] = {"iteration": np.arange(lo, lo + sched.finish.shape[1])}
    for i, act in enumerate(net.ids):
        cols[f"{act}.start"] = sched.start[i]
        cols[f"{act}.finish"] = sched.finish[i]
        cols[f"{act}.duration"] = sched.durations[i]
    for k, drv in enumerate(net.drivers):
        cols[f"{drv.id}.fired"] = draws.fired[k]
        cols[f"{drv.id}.factor"] = draws.factor[k]
    for g, gate in enumerate(net.gates):
        cols[f"{gate.id}.granted_at"] = draws.gate_times[g]
    return pd.DataFrame(cols)


@contextmanager
def iterations_writer(path: str | Path) -> Iterator[Callable[[pd.DataFrame], None]]:
    """Write Parquet a row group at a time; the file is in place only if the block ends well.

    Yields
    ------
    callable
        Takes the next rows (a chunk's :func:`chunk_frame`) and appends them as one
        row group. Only that chunk is held, so a long run costs no more memory than
        a short one.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq
    writer = None

    def write(frame: pd.DataFrame) -> None:
        nonlocal writer
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            # float dates repeat too seldom for dictionaries: without them the file is written
            # about three times faster and is smaller
            writer = pq.ParquetWriter(tmp, table.schema, use_dictionary=False)
        writer.write_table(table)

    with atomic_path(Path(path)) as tmp:
        try:
            yield write
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            raise ValueError("no iterations were written")


def write_iterations(result: Result, path: str | Path) -> None:
    """Write :func:`iterations_frame` to Parquet, one row group per chunk of iterations.

    Only one chunk's table is built at a time. The file is written under a
    temporary name and renamed into place when whole. A run that was not kept
    whole can still write this file while it runs: ``simulate(iterations_file=...)``.
    """
    from .sampling.streams import CHUNK
    with iterations_writer(path) as write:
        for lo in range(0, result.iterations, CHUNK):
            write(iterations_frame(result, lo, min(lo + CHUNK, result.iterations)))


#: A text cell starting with one of these is a formula to a spreadsheet (OWASP's list).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells a spreadsheet would evaluate made plain text by a leading ``'``.

    Numbers and dates are left as they are (a negative number stays a number);
    only text that starts like a formula (``=HYPERLINK(...)``, ``@SUM(...)``) changes.
    """
    def cell(v):
        return "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
    out = frame.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_datetime64_any_dtype(out[col])):
            out[col] = out[col].map(cell)
    out.index = out.index.map(cell)
    return out


def write_outputs(result: Result, out: str | Path, *, scenario_file: str | None = None,
                  save_iterations: bool = False) -> list[Path]:
    """Write the run's files into ``out`` as one unit (see :class:`simulator.outdir.OutputDir`).

    Parameters
    ----------
    result : Result
    out : str or Path
        Directory; created when missing. Files a previous run wrote there and
        this one does not are removed; other files are left alone.
    scenario_file : str, optional
        Recorded in the manifest.
    save_iterations : bool
        Also write ``iterations.parquet`` with every iteration's dates.

    Returns
    -------
    list of Path
        The files written.
    """
    from .outdir import OutputDir
    with OutputDir(out) as folder:
        write_files(result, folder.stage, scenario_file=scenario_file,
                    save_iterations=save_iterations)
        return folder.commit()


def write_files(result: Result, out: str | Path, *, scenario_file: str | None = None,
                save_iterations: bool = False) -> list[Path]:
    """Write the run's files into ``out``, each one atomically (a stage, for :func:`write_outputs`).

    Returns
    -------
    list of Path
        The files written.
    """
    out = Path(out)
    # everything is computed before the first file is touched
    summary_json = dumps(result.to_dict())
    wide = result.summary("wide")
    summary_csv = csv_safe(wide).to_csv(date_format="%Y-%m-%d", float_format="%.10g")
    manifest_json = dumps(manifest(result, scenario_file))
    written = []
    for name, text in (("summary.json", summary_json), ("summary.csv", summary_csv),
                       ("manifest.json", manifest_json)):
        write_text(out / name, text)
        written.append(out / name)
    if save_iterations:
        target = out / "iterations.parquet"
        write_iterations(result, target)
        written.append(target)
    return written
