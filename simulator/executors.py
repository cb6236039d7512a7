"""Where chunks of work run: in this process, a pool of local processes, or a Dask cluster.

Every executor maps a top-level function over a list of work units and gives
the results back in the order of the list, whatever order they finish in.
Work units carry everything they need (network, seed, iteration range), and
every random stream is keyed by the seed, an element's id and the iteration,
never by the worker, so the results do not depend on the executor, the number
of workers or how the work was cut into units.

Dask: ``client`` (a ``distributed.Client``) or ``scheduler`` (its address, e.g.
``tcp://10.0.0.5:8786`` of a ``dask scheduler`` with ``dask worker``\\ s
attached) sends the units to a cluster; ``dask=True`` without either starts a
``LocalCluster`` of ``workers`` processes for the duration of the run. A task
lost with a worker that dies is run again elsewhere by the scheduler, and as
the units are pure functions of their inputs the result is unchanged.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
import uuid
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Iterator, Sequence

from .signals import signals_deferred


class Executor:
    """Runs work units in this process, one after the other."""

    workers = 1

    def map(self, fn: Callable, items: Sequence) -> Iterator[Any]:
        """``fn(item)`` for each item, yielded in the order of ``items``."""
        return (fn(item) for item in items)

    def share(self, obj: Any) -> Any:
        """A handle to ``obj`` for many work units: the object itself, here and in a pool."""
        return obj

    def submit(self, fn: Callable, item: Any) -> Any:
        """Start ``fn(item)``; the returned handle's ``result()`` gives its value."""
        return _Done(fn(item))

    def imap(self, fn: Callable, make: Callable[[int], Any], count: int,
             ahead: int, meanwhile: Callable[[], None] | None = None,
             first: int = 1) -> Iterator[Any]:
        """``fn(make(i))`` for ``i`` in ``range(count)``, yielded in order.

        At most ``ahead`` units are under way at once, and ``make(i)`` is called
        only when unit ``i`` is started: a unit can carry what the results
        yielded before it taught (the bands of a streamed run). ``meanwhile``, if
        given, is work for this process: it is done once ``first`` units are under
        way, before the first of them is waited for (a streamed run's first chunk,
        which the parent schedules itself while the other workers start).
        """
        from collections import deque
        started: deque = deque()
        nxt = 0

        def start(limit):  # units until ``limit`` are under way
            nonlocal nxt
            while nxt < count and len(started) < min(limit, max(1, ahead)):
                started.append(self.submit(fn, make(nxt)))
                nxt += 1

        if meanwhile is not None:
            start(first)
            meanwhile()
        while nxt < count or started:
            start(max(1, ahead))
            handle = started.popleft()
            try:
                yield handle.result()
            finally:
                release = getattr(handle, "release", None)
                if release is not None:
                    release()

    def close(self) -> None:
        """Release what the executor started (nothing here)."""

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Done:
    """The handle of a unit run at once."""

    def __init__(self, value: Any):
        self.value = value

    def result(self) -> Any:
        return self.value


def _die_with_parent(parent: int) -> None:
    """Start of a pool worker: end it when the process that started it dies.

    A command killed with SIGKILL runs no clean-up, and its pool's workers (which
    hold the pipes of their siblings) would otherwise wait for work forever. Linux
    sends them SIGTERM instead (``prctl(PR_SET_PDEATHSIG)``); elsewhere nothing changes.
    The handlers the parent held Ctrl-C and SIGTERM back with while it forked are
    replaced: SIGTERM's by the default, Ctrl-C's by none between units (see
    :func:`_interruptible`).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGTERM, 0, 0, 0) != 0:  # 1 = PR_SET_PDEATHSIG
            return
    except (OSError, AttributeError):  # no prctl on this platform
        return
    if os.getppid() != parent:  # the parent died before the call took effect
        os._exit(1)


def _interruptible(fn: Callable, item: Any) -> Any:
    """``fn(item)`` in a pool worker, with Ctrl-C taken as Python does.

    A Ctrl-C reaches the whole process group. A worker at work stops its unit, and the
    KeyboardInterrupt goes back to the command as the unit's exception; a worker waiting
    for work leaves it to the command, which stops the pool (before, it printed a
    traceback and died, and the pool broke).
    """
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return fn(item)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor(Executor):
    """A pool of local processes, started on first use.

    Parameters
    ----------
    workers : int
    context : str, optional
        The multiprocessing start method (``"fork"``: workers inherit what the
        parent holds at their start, e.g. memory shared with them); default the
        platform's.
    """

    def __init__(self, workers: int, context: str | None = None):
        self.workers = workers
        self.context = context
        self._pool: ProcessPoolExecutor | None = None
        self._fresh = False  # workers not yet started

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            import multiprocessing
            ctx = None if self.context is None else multiprocessing.get_context(self.context)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                             initializer=_die_with_parent,
                                             initargs=(os.getpid(),))
            self._fresh = True
        return self._pool

    def _call(self, method: str, *args) -> Any:
        """The pool's ``method``; its first call starts the workers (a fork pool starts
        them all then) with Ctrl-C held back: a KeyboardInterrupt raised in the fork's
        own hooks is printed and dropped by Python, and the command would run on. The
        signal is taken as soon as the workers have started."""
        pool = self._started()
        if not self._fresh:
            return getattr(pool, method)(*args)
        try:
            with signals_deferred():
                return getattr(pool, method)(*args)
        finally:
            self._fresh = False

    def map(self, fn: Callable, items: Sequence) -> Iterator[Any]:
        return self._call("map", functools.partial(_interruptible, fn), items)

    def submit(self, fn: Callable, item: Any) -> Any:
        return self._call("submit", functools.partial(_interruptible, fn), item)

    def close(self, cancel: bool = False) -> None:
        """Stop the workers once the units under way are done; with ``cancel``, drop the
        units not yet started (the command was interrupted: nobody waits for them).

        Ctrl-C and SIGTERM are held back meanwhile: a shutdown cut short leaves the workers
        waiting for work that never comes, and the command hangs at exit joining them.
        (Ending the workers at once is no way out: the pool then closes the read end of
        their pipe, and the command, which takes SIGPIPE's default action as a filter
        does, dies of it.)
        """
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        with signals_deferred():
            pool.shutdown(cancel_futures=cancel)

    def __exit__(self, exc_type, *exc) -> None:
        self.close(cancel=exc_type is not None)


class DaskExecutor(Executor):
    """A Dask distributed client; a LocalCluster of its own when given no client or address.

    Parameters
    ----------
    client : distributed.Client, optional
        Used as it is and left open.
    scheduler : str, optional
        Address of a running scheduler; the client made for it is closed on ``close()``.
    workers : int
        Processes of the LocalCluster started when neither is given.
    """

    def __init__(self, client=None, scheduler: str | None = None, workers: int = 1):
        from distributed import Client, LocalCluster
        self._own: list = []
        if client is None and scheduler is not None:
            client = Client(scheduler)
            self._own.append(client)
        elif client is None:
            # a free port for the dashboard: the default 8787 clashes with any other
            # cluster on the machine, and the clash is a warning that stops the start
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                   dashboard_address=":0")
            client = Client(cluster)
            self._own += [client, cluster]
        self.client = client
        self.workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)

    def share(self, obj: Any) -> Any:
        """``obj`` sent to the cluster once: units that name it find it in worker memory, one
        object per worker, so what is cached on it (the priority positions) is computed once.

        It is the result of a task rather than scattered data, so that when the worker
        holding it dies the scheduler can make it again (scattered data would be lost, and
        every unit that needs it cancelled).
        """
        return self.client.submit(_identity, obj, pure=False)

    def map(self, fn: Callable, items: Sequence) -> Iterator[Any]:
        # explicit, unique keys: the units are not hashed (a Network is costly to tokenize)
        batch = uuid.uuid4().hex
        futures = self.client.map(fn, list(items), key=[f"veikart-{batch}-{i}" for i in range(len(items))],
                                  pure=False)
        try:
            for f in futures:
                yield f.result()
        finally:
            for f in futures:
                f.release()

    def submit(self, fn: Callable, item: Any) -> Any:
        return self.client.submit(fn, item, key=f"veikart-{uuid.uuid4().hex}", pure=False)

    def close(self) -> None:
        for thing in self._own:
            thing.close()
        self._own = []


def _identity(obj: Any) -> Any:
    return obj


#: What the units of the running :func:`fork_map` share; forked workers inherit it.
_SHARED: Any = None


def shared() -> Any:
    """What the running :func:`fork_map` was given to share (in its workers too)."""
    return _SHARED


def fork_map(fn: Callable, items: Sequence, workers: int, state: Any) -> list:
    """``fn(item)`` for each item, in order, on up to ``workers`` forked processes that
    inherit ``state`` (``fn`` reads it with :func:`shared`) instead of being sent it: for
    what does not pickle, or is large. In this process with one worker, one item, or where
    the platform cannot fork."""
    global _SHARED
    from .parallel import can_fork
    _SHARED = state
    try:
        if workers > 1 and len(items) > 1 and can_fork():
            with make_executor(min(workers, len(items)), context="fork") as pool:
                return list(pool.map(fn, items))
        return [fn(item) for item in items]
    finally:
        _SHARED = None


def make_executor(workers: int = 1, *, client=None, scheduler: str | None = None,
                  dask: bool = False, context: str | None = None) -> Executor:
    """The executor for a run.

    Parameters
    ----------
    workers : int
        Local processes (1: run in this process).
    client : distributed.Client, optional
        Run on this Dask client.
    scheduler : str, optional
        Run on the Dask scheduler at this address.
    dask : bool
        With neither, run on a LocalCluster of ``workers`` processes instead of a
        process pool.
    context : str, optional
        The start method of a process pool's workers (see :class:`ProcessExecutor`).

    Returns
    -------
    Executor
        Close it (or use it in a ``with`` block) to stop what it started.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if client is not None or scheduler is not None or dask:
        return DaskExecutor(client, scheduler, workers)
    return ProcessExecutor(workers, context) if workers > 1 else Executor()


__all__ = ["Executor", "ProcessExecutor", "DaskExecutor", "fork_map", "make_executor", "shared"]
