"""A large array's rows worked on in blocks, one per thread.

numpy's sort and take release the GIL, so the first chunk's rows (ten thousand of them on
a wide network) are sorted and copied on as many cores as the run may use while the
parent schedules it and the workers are not yet busy.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable

#: Rows below which one thread does all: starting threads would cost more than it saves.
MIN_ROWS = 256


def by_rows(fn: Callable[[slice], object], rows: int, threads: int = 1) -> None:
    """Call ``fn`` on consecutive blocks of ``range(rows)`` (as slices), one block per
    thread, and wait for all.

    Each row is in exactly one block, so what ``fn`` does to its rows, and with it the
    result, does not depend on ``threads``. An exception in a block is raised here.
    """
    if threads <= 1 or rows < MIN_ROWS:
        fn(slice(0, rows))
        return
    edges = [rows * k // threads for k in range(threads + 1)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(fn, [slice(a, b) for a, b in zip(edges[:-1], edges[1:])]))
