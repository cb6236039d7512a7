"""Why a request for worker processes is capped: one sentence for the API's warning and the CLI."""

from __future__ import annotations

from . import parallel
from .sampling.streams import CHUNK


def capped(requested: int, iterations: int) -> tuple[int, str] | None:
    """The workers a run of ``iterations`` can use and why, when fewer than ``requested``.

    Returns
    -------
    (int, str) or None
        The usable count (:func:`simulator.parallel.usable_workers`) and the reason,
        e.g. ``"500 iterations make 1 chunk of up to 8,192, and 4 CPUs are available"``;
        None when the request is not capped.
    """
    used = parallel.usable_workers(requested, iterations)
    if used >= requested:
        return None
    chunks, cpus = -(-iterations // CHUNK), parallel.available_cpus()
    return used, (f"{iterations:,} iterations make {chunks} chunk{'s' if chunks != 1 else ''} of "
                  f"up to {CHUNK:,}, and {cpus} CPU{'s are' if cpus != 1 else ' is'} available")


__all__ = ["capped"]
