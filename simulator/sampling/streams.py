"""Stable random streams: an element's draws depend only on the seed, its id and the iteration."""

from __future__ import annotations

import hashlib

import numpy as np

#: Iterations per chunk. Part of the stream definition: changing it changes the draws.
CHUNK = 8192

#: What a stream is used for, so one element's streams never overlap.
DURATION, OCCURS, FACTOR, GATE, COPULA = range(5)

SeedLike = int | np.random.SeedSequence | np.random.Generator | None


#: Bits of a seed veikart draws itself: below 2**53, exact as a JSON number everywhere.
SEED_BITS = 53


def root_seed(seed: SeedLike) -> int:
    """Normalise any accepted seed to the one integer that is recorded in results.

    Parameters
    ----------
    seed : int, SeedSequence, Generator or None
        None draws fresh entropy from the operating system. A Generator is
        consumed once to derive the integer. An integer veikart derives
        itself (None, a Generator, a spawned SeedSequence) is below 2**53.

    Returns
    -------
    int
        A non-negative integer; the same integer always gives the same draws.
    """
    # a seed veikart picks has 53 bits: it survives JSON tools that read numbers as doubles
    if seed is None:
        return int(np.random.SeedSequence().entropy) >> (128 - SEED_BITS)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**SEED_BITS))
    if isinstance(seed, np.random.SeedSequence):
        if not seed.spawn_key:
            return int(seed.entropy)
        return int(seed.generate_state(1, np.uint64)[0]) >> (64 - SEED_BITS)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, SeedSequence, Generator or None, not {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return int(seed)


def _id_words(element_id: str) -> tuple[int, int]:
    digest = hashlib.blake2b(element_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


def stream(seed: int, element_id: str, purpose: int, chunk: int) -> np.random.Generator:
    """The Generator for one element, purpose and chunk of iterations.

    Parameters
    ----------
    seed : int
        From :func:`root_seed`.
    element_id : str
        Activity, risk or correlation-group id.
    purpose : int
        One of DURATION, OCCURS, FACTOR, GATE, COPULA.
    chunk : int
        Chunk number; iteration ``i`` lies in chunk ``i // CHUNK``.
    """
    key = (*_id_words(element_id), purpose, chunk)
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def uniforms(seed: int, ids: list[str] | tuple[str, ...], purpose: int, chunk: int, n: int,
             method: str, out: np.ndarray | None = None) -> np.ndarray:
    """Uniforms for several elements over one chunk, one row per element.

    ``method="mc"`` gives plain Monte Carlo draws, so the first ``n`` values of a
    chunk never depend on ``n``. ``method="lhs"`` stratifies each row into ``n``
    equal strata (Latin Hypercube within the chunk), independently per row.
    """
    out = np.empty((len(ids), n)) if out is None else out
    for row, element_id in enumerate(ids):
        rng = stream(seed, element_id, purpose, chunk)
        if method == "mc":
            rng.random(out=out[row])
        else:
            rng.random(out=out[row])
            out[row] += rng.permutation(n)
            out[row] /= n
    return out
