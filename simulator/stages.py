"""Progress of a command's stages on stderr, and the time the whole command took."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import IO, Iterator


#: When the program began (``time.perf_counter()``), set by the command line when it runs as
#: the program: its imports and the scenario's loading count in "done in" too.
PROGRAM_STARTED: float | None = None


class Stages:
    """Say on stderr what a long command is doing, stage by stage, with each stage's time.

    A stage is announced when it begins (``analysing ...``) and its time is
    written on the same line when it ends, so a run is never silent for long
    after its progress bar has finished; :attr:`total` is the time since the
    command began.

    Parameters
    ----------
    stream : file, optional
        Where to write; default ``sys.stderr`` (stdout is kept for results).
    """

    def __init__(self, stream: IO[str] | None = None):
        self.started = PROGRAM_STARTED if PROGRAM_STARTED is not None else time.perf_counter()
        self.stream = stream
        self.times: dict[str, float] = {}

    @contextmanager
    def __call__(self, what: str) -> Iterator[None]:
        """Time the block as stage ``what``; say when it starts and how long it took."""
        out = self.stream or sys.stderr
        print(f"{what} ...", end="", file=out, flush=True)
        began = time.perf_counter()
        try:
            yield
        except BaseException:
            print(" stopped", file=out, flush=True)
            raise
        self.times[what] = time.perf_counter() - began
        print(f" {seconds(self.times[what])}", file=out, flush=True)

    @property
    def total(self) -> float:
        """Seconds since the command began."""
        return time.perf_counter() - self.started

    def done(self) -> None:
        """Say how long the whole command took."""
        print(f"done in {seconds(self.total)}", file=self.stream or sys.stderr, flush=True)


def seconds(t: float) -> str:
    """A duration for people: ``0.42 s``, ``12.3 s``, ``2 min 05 s``."""
    if t < 10:
        return f"{t:.2f} s"
    if t < 60:
        return f"{t:.1f} s"
    return f"{int(t // 60)} min {int(t % 60):02d} s"
