"""Ctrl-C and SIGTERM held back while something must not be cut in two, and a command's
clean-up after its first Ctrl-C kept from being cut short by the next."""

from __future__ import annotations

import os
import signal
import threading


class signals_deferred:
    """Hold SIGINT and SIGTERM back for the ``with`` block, then take them.

    Python handlers that only record the signal, not a signal mask: a signal sent to the
    process may be taken by any thread (numpy's BLAS threads, pyarrow's, tqdm's) and
    the mask covers only the calling one; Python then raises in the main thread wherever
    it is, in a fork's hooks too, where the KeyboardInterrupt is printed and dropped.
    Outside the main thread (where handlers cannot be set) nothing is held, nor a signal
    whose handler was set outside Python (it could not be put back).
    """

    _SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __enter__(self) -> None:
        self._caught: list[int] = []
        self._old = {}
        if threading.current_thread() is threading.main_thread():
            for sig in self._SIGNALS:
                if signal.getsignal(sig) is None:  # set outside Python: it could not be put back
                    continue
                self._old[sig] = signal.signal(sig, lambda signum, frame: self._caught.append(signum))

    def __exit__(self, *exc) -> None:
        for sig, handler in self._old.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(self._caught):  # delivered now, as if they came just after
            if sig == signal.SIGINT and callable(self._old[sig]):
                self._old[sig](sig, None)
            else:
                os.kill(os.getpid(), sig)


def interrupt_once() -> None:
    """Take the first Ctrl-C as Python does (a KeyboardInterrupt) and ignore every later one.

    A command stopped by Ctrl-C still has to stop its workers and leave its output folder
    whole. A second Ctrl-C in that clean-up (an impatient user; ``timeout -s INT`` sends
    one to the command and one to its process group) raised a KeyboardInterrupt inside it:
    a pool's shutdown was left half done, and the command hung at exit waiting for workers
    nobody had told to stop. Only in the main thread; for a command, not for a library.
    """
    if threading.current_thread() is not threading.main_thread():
        return

    def first(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, first)


def interrupted(exc: BaseException) -> bool:
    """Whether ``exc`` is a Ctrl-C: a KeyboardInterrupt, or the SystemError a compiled
    function gives when the KeyboardInterrupt is raised while it runs ("returned a result
    with an exception set"), whose chain of causes, one SystemError per call it was
    raised in, ends in the KeyboardInterrupt."""
    while isinstance(exc, SystemError) and exc.__cause__ is not None:
        exc = exc.__cause__
    return isinstance(exc, KeyboardInterrupt)
