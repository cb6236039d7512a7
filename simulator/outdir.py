"""A run's output directory as one unit: locked, staged, committed whole, recovered after a kill."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from .signals import interrupted, signals_deferred

try:  # POSIX; elsewhere runs go unlocked
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".veikart.lock"
JOURNAL_NAME = ".veikart-commit.json"
STAGE_PREFIX = ".veikart-stage-"
MANIFEST = "manifest.json"


def run_names() -> tuple[str, ...]:
    """Every name ``veikart run`` or ``veikart report`` may write, relative to the output directory."""
    from .report.data import DATA_DIR, TABLES  # the report data's own list of tables
    return ("summary.json", "summary.csv", MANIFEST, "iterations.parquet", "report.html",
            f"{DATA_DIR}/meta.json", *(f"{DATA_DIR}/{t}.parquet" for t in TABLES))


def output_names() -> tuple[str, ...]:
    """Every name a veikart command may write (a run's, ``veikart compare``'s and
    ``veikart prioritise``'s)."""
    from .compare_command import COMPARE_FILES
    from .report.prioritering import PRIORITISE_FILES
    return (*run_names(), *COMPARE_FILES, *PRIORITISE_FILES)


class OutputDirError(Exception):
    """``--out`` cannot be used: locked by another run, not writable, or holding foreign files."""


class OutputDir:
    """Write a run's files into ``path`` so that they replace the previous set as one unit.

    Files are written into a stage folder inside ``path`` and moved into place only
    when all of them are complete. A journal written just before the moves makes
    them redoable: a run killed during the moves is completed by the next command
    that opens the folder, and a run killed earlier leaves the previous output as
    it was (its stage is removed on the next open). ``manifest.json`` records which
    files the project wrote, with their sha256, so that files of a previous run that
    the new one does not write are removed, and nothing else in ``path`` ever is.
    An exclusive lock keeps a second run out while one is using the folder.

    Parameters
    ----------
    path : str or Path
        The output directory; created when missing.
    writes : iterable of str, optional
        The names (of :func:`output_names`; by default a run's, :func:`run_names`)
        the command may write: each must be absent or written by an earlier
        veikart command.
    """

    def __init__(self, path: str | os.PathLike, writes=None) -> None:
        self.path = Path(path)
        self.writes = tuple(run_names() if writes is None else writes)
        self.stage: Path | None = None
        self.committed = False
        #: files of an earlier command that the commit removed (they are not this one's)
        self.removed: list[str] = []
        self.had_output = False
        self._lock_fd: int | None = None

    # --- opening ----------------------------------------------------------------

    def __enter__(self) -> OutputDir:
        self.open()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()
        if exc is not None and interrupted(exc):
            raise KeyboardInterrupt(self.interrupted_text()) from None

    def open(self) -> None:
        """Lock the folder, finish or clean up what a killed run left, and make the stage.

        Raises
        ------
        OutputDirError
            When another run holds the folder, it cannot be written, or a file of
            an output name is there that the project did not write.
        """
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._lock()
            recover(self.path)
            owned = owned_files(self.path)
            self.had_output = bool(owned)
            foreign = [n for n in self.writes if _exists(self.path / n) and n not in owned]
            foreign += sorted({str(p) for n in self.writes for p in Path(n).parents  # in the way
                               if str(p) != "." and _exists(self.path / p)
                               and not (self.path / p).is_dir()})
            if foreign:
                raise OutputDirError(
                    f"--out {self.path}: {', '.join(foreign)} not written by veikart "
                    "(no manifest.json lists it); move it away or choose another directory")
            self.stage = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, dir=self.path))
        except OutputDirError:
            self.close()
            raise
        except OSError as exc:
            self.close()
            raise OutputDirError(f"--out {self.path}: cannot be written ({exc.strerror or exc})") from None

    def _lock(self) -> None:
        if fcntl is None:
            return
        fd = os.open(self.path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputDirError(f"--out {self.path}: another veikart command is using it{who}; "
                                 "wait for it to finish or choose another directory") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._lock_fd = fd

    def close(self) -> None:
        """Remove an uncommitted stage and release the lock."""
        if self.stage is not None and not self.committed:
            shutil.rmtree(self.stage, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing releases the flock
            self._lock_fd = None

    # --- committing -------------------------------------------------------------

    def commit(self, *, keep_previous: bool = False) -> list[Path]:
        """Move everything in the stage into place as one unit.

        Parameters
        ----------
        keep_previous : bool
            Keep the previous run's files that the stage does not replace (as
            ``veikart report`` does); by default they are removed, so the folder
            holds exactly this run's files and whatever else was there.

        Returns
        -------
        list of Path
            The files now in place, in the folder (not the stage).
        """
        if self.stage is None or self.committed:
            raise RuntimeError("commit needs an open, uncommitted OutputDir")
        previous = owned_files(self.path)
        new = sorted(str(p.relative_to(self.stage).as_posix()) for p in self.stage.rglob("*")
                     if p.is_file() and p.name != MANIFEST)
        record = {n: file_sha256(self.stage / n) for n in new}
        if keep_previous:
            record = {**{n: s for n, s in previous.items() if n != MANIFEST}, **record}
        self._write_manifest(record)
        remove = sorted(n for n in previous if n not in record and n != MANIFEST)
        journal = {"stage": self.stage.name, "install": [*new, MANIFEST], "remove": remove}
        with signals_deferred():
            _write_json(self.path / JOURNAL_NAME, journal)
            self.committed = True
            _apply(self.path, journal)
        self.removed = remove
        return [self.path / n for n in journal["install"]]

    def said(self, written: list[Path]) -> str:
        """The line a command prints after :meth:`commit`: what it wrote, and what of an
        earlier command's output it removed (a folder holds one command's output)."""
        text = f"wrote {', '.join(str(p) for p in written)}"
        if self.removed:
            text += (f"; removed {', '.join(self.removed)}, which an earlier command wrote "
                     f"in {self.path} (a folder holds one command's output)")
        return text

    def _write_manifest(self, record: dict[str, str]) -> None:
        path = self.stage / MANIFEST
        try:
            head = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            head = _read_json(self.path / MANIFEST) or {}
        head = {k: v for k, v in head.items() if k != "files"}
        _write_json(path, {**head, "files": dict(sorted(record.items()))})

    def interrupted_text(self) -> str:
        """What an interruption left in the folder, in one sentence for the user."""
        if self.committed:
            return f"the output in {self.path} is complete"
        if self.had_output:
            return f"{self.path} holds the previous run's output, unchanged"
        return f"no output was written to {self.path}"


def read_manifest(folder: Path) -> dict:
    """``folder``'s ``manifest.json`` (the run it records and its files), or {} where there
    is none a veikart command could have written."""
    head = _read_json(folder / MANIFEST)
    return head if isinstance(head, dict) else {}


def owned_files(folder: Path) -> dict[str, str]:
    """The files a previous veikart command wrote into ``folder``, by ``manifest.json``.

    Returns
    -------
    dict
        Relative path to sha256 ("" where not recorded), ``manifest.json``
        included; empty when the folder holds no veikart manifest.
    """
    head = read_manifest(folder)
    files = head.get("files")
    if isinstance(files, dict) and all(isinstance(k, str) for k in files):
        owned = {k: str(v) for k, v in files.items() if _safe_name(k)}
    elif "scenario_sha256" in head:  # written before the record existed: the fixed names
        owned = {n: "" for n in output_names() if _exists(folder / n)}
    else:
        return {}
    return {**owned, MANIFEST: ""}


def recover(folder: Path) -> None:
    """Complete a commit a killed run left half done; remove stages and temporaries of killed runs.

    Call only while holding the folder's lock.
    """
    journal = _read_json(folder / JOURNAL_NAME)
    if isinstance(journal, dict):
        _apply(folder, journal)
    (folder / JOURNAL_NAME).unlink(missing_ok=True)
    for stage in folder.glob(STAGE_PREFIX + "*"):
        shutil.rmtree(stage, ignore_errors=True)
    for name in (*output_names(), JOURNAL_NAME):  # temporaries of killed writes
        target = folder / name
        for tmp in target.parent.glob(f".{target.name.lstrip('.')}.*.tmp"):
            tmp.unlink(missing_ok=True)


def _apply(folder: Path, journal: dict) -> None:
    """Carry out a commit journal; safe to repeat after an interruption at any point."""
    stage = folder / str(journal.get("stage", ""))
    for name in journal.get("install", []):
        if not _safe_name(name) or not (stage / name).is_file():
            continue  # already moved
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / name, folder / name)
    for name in journal.get("remove", []):
        if _safe_name(name) and name in output_names():
            (folder / name).unlink(missing_ok=True)
    data_dir = folder / "report-data"
    if data_dir.is_dir() and not any(data_dir.iterdir()):
        data_dir.rmdir()
    if stage.name.startswith(STAGE_PREFIX):
        shutil.rmtree(stage, ignore_errors=True)
    (folder / JOURNAL_NAME).unlink(missing_ok=True)


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def file_sha256(path: Path) -> str:
    """sha256 of a file, read a megabyte at a time (a run's tables can be hundreds)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_json(path: Path):
    if not path.is_file():  # a FIFO would block the open
        return None
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, obj: object) -> None:
    tmp = path.with_name(f".{path.name.lstrip('.')}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
