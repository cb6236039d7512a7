"""Ctrl-C and SIGTERM held back while a pool forks or an output folder's files move
(simulator/signals.py): taken after the block, with the handlers of before in place again,
in the command and in the pool's workers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from pathlib import Path

import pytest

from simulator.executors import ProcessExecutor
from simulator.signals import signals_deferred

pytestmark = pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                                reason="signal handlers are set in the main thread only")


@pytest.fixture
def handlers():
    """SIGINT as in a terminal (also where the suite runs as a background job, which
    ignores it) and SIGTERM recorded by a handler of the test's own; both put back after."""
    seen: list[int] = []

    def on_term(signum, frame):
        seen.append(signum)

    old = {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
           signal.SIGTERM: signal.signal(signal.SIGTERM, on_term)}
    yield seen, on_term
    for sig, handler in old.items():
        signal.signal(sig, handler)


def test_a_ctrl_c_held_back_is_raised_after_the_block_and_the_handlers_are_back(handlers):
    """The Ctrl-C raises KeyboardInterrupt once the block is done; a second Ctrl-C must
    then be taken by the handler of before, not recorded by the block's (which would lose
    every later Ctrl-C of the command)."""
    _, on_term = handlers
    finished = False
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):  # time for Python to run the (recording) handler here
                pass
            finished = True
    assert finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is on_term
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(1000):
            pass


def test_a_sigterm_held_back_reaches_the_handler_of_before(handlers):
    seen, on_term = handlers
    with signals_deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass
        assert seen == []
    for _ in range(1000):
        pass
    assert seen == [signal.SIGTERM]
    assert signal.getsignal(signal.SIGTERM) is on_term


def _handlers(_):
    return (signal.getsignal(signal.SIGINT) is signal.default_int_handler,
            signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_pool_workers_take_ctrl_c_and_sigterm_as_python_does(handlers):
    """The workers are forked while the command holds the signals back; they must not keep
    the recording handlers, or a Ctrl-C (sent to the whole process group) and the SIGTERM
    Linux sends when the command dies would be recorded and dropped, the workers left running."""
    with ProcessExecutor(2, "fork") as pool:
        got = set(pool.map(_handlers, range(4)))
    assert got == {(True, True)}


def test_a_handler_set_outside_python_is_left_alone(handlers, monkeypatch):
    """``signal.getsignal`` gives None for a handler set by C code; it could not be put back,
    so it is not replaced (before, leaving the block raised TypeError)."""
    _, on_term = handlers
    real = signal.getsignal
    monkeypatch.setattr(signal, "getsignal",
                        lambda sig: None if sig == signal.SIGTERM else real(sig))
    with signals_deferred():
        assert real(signal.SIGTERM) is on_term  # not replaced
        assert real(signal.SIGINT) is not signal.default_int_handler  # held back
    assert real(signal.SIGINT) is signal.default_int_handler


def _pid(_):
    return os.getpid()


def _sleep_then_pid(seconds):
    import time
    time.sleep(seconds)
    return os.getpid()


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
def test_a_ctrl_c_reaching_an_idle_worker_prints_nothing_and_one_at_work_stops_its_unit(tmp_path):
    """A Ctrl-C goes to the whole process group. A worker waiting for work printed
    "Process ForkProcess-N: Traceback ... KeyboardInterrupt" and died; the command, which
    gets the same Ctrl-C, stops the pool itself. A worker at work stops its unit, which
    the command gets back as a KeyboardInterrupt."""
    import subprocess
    import sys
    script = tmp_path / "idle.py"
    script.write_text(
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "from simulator.executors import ProcessExecutor\n"
        "sys.path.insert(0, %r)\n"
        "from test_signals import _pid, _sleep_then_pid\n"
        "with ProcessExecutor(2, 'fork') as pool:\n"
        "    pids = set(pool.map(_pid, range(8)))\n"
        "    pids |= set(pool._pool._processes)  # both, though one may have done every unit\n"
        "    for pid in pids:\n"
        "        os.kill(pid, signal.SIGINT)\n"
        "    time.sleep(0.5)\n"
        "    print('still working:', set(pool.map(_pid, range(8))) <= pids, flush=True)\n"
        "    late = pool.submit(_sleep_then_pid, 5)\n"
        "    time.sleep(1)\n"
        "    for pid in pids:\n"
        "        os.kill(pid, signal.SIGINT)\n"
        "    try:\n"
        "        late.result()\n"
        "        print('ran on', flush=True)\n"
        "    except KeyboardInterrupt:\n"
        "        print('unit stopped', flush=True)\n" % str(Path(__file__).parent))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["still working: True", "unit stopped"], done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")
@pytest.mark.parametrize("handler", [
    "interrupt_once()",  # the command line's: later Ctrl-Cs are ignored
    "signal.signal(signal.SIGINT, signal.default_int_handler)",  # a library's: the pool's own guard
])
def test_a_second_ctrl_c_while_the_pool_stops_does_not_leave_the_command_hanging(tmp_path, handler):
    """``timeout -s INT`` sends a Ctrl-C to the command and another to its process group,
    and users press it twice. The second, taken while the pool shut down after the first,
    cut the shutdown short, and an interrupted ``veikart run`` hung at exit joining workers
    nobody had stopped (3 of 20 runs interrupted 1.5-2.4 s in). Here the second Ctrl-C
    comes exactly then: when the KeyboardInterrupt reaches the command, its workers
    must have stopped."""
    import subprocess
    import sys
    script = tmp_path / "twice.py"
    script.write_text(
        "import concurrent.futures.process as cfp, os, signal, time\n"
        "from simulator.executors import ProcessExecutor\n"
        "from simulator.signals import interrupt_once\n"
        f"{handler}\n"
        "real = cfp.ProcessPoolExecutor.shutdown\n"
        "def shutdown(self, *args, **kwargs):\n"
        "    os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C, as the pool stops\n"
        "    for _ in range(100000):\n"
        "        pass\n"
        "    return real(self, *args, **kwargs)\n"
        "cfp.ProcessPoolExecutor.shutdown = shutdown\n"
        "try:\n"
        "    with ProcessExecutor(2, 'fork') as pool:\n"
        "        units = [pool.submit(time.sleep, 0.3) for _ in range(6)]\n"
        "        os.kill(os.getpid(), signal.SIGINT)  # the first\n"
        "        time.sleep(30)\n"
        "    print('ran on', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    import multiprocessing\n"
        "    print('stopped, workers left:', len(multiprocessing.active_children()), flush=True)\n")
    try:
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              timeout=60)
    except subprocess.TimeoutExpired as hung:
        pytest.fail(f"the command hung after a second Ctrl-C: {hung.stdout!r}")
    assert done.stdout.splitlines() == ["stopped, workers left: 0"], done.stdout + done.stderr
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_after_the_first_ctrl_c_later_ones_are_ignored():
    """:func:`interrupt_once`: a KeyboardInterrupt for the first, nothing for the next."""
    import subprocess
    import sys
    code = ("import os, signal\n"
            "from simulator.signals import interrupt_once\n"
            "interrupt_once()\n"
            "try:\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    for _ in range(100000):\n"
            "        pass\n"
            "    print('not taken')\n"
            "except KeyboardInterrupt:\n"
            "    os.kill(os.getpid(), signal.SIGINT)\n"
            "    for _ in range(100000):\n"
            "        pass\n"
            "    print('first taken, second ignored:', signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["first taken, second ignored: True"], done.stdout + done.stderr


def _raised_in_compiled_code(cause: BaseException) -> SystemError:
    """The chain a compiled function gives when ``cause`` is raised while it runs: a
    SystemError per call it passed through, each caused by the one before."""
    try:
        try:
            try:
                raise cause
            except BaseException as exc:
                raise SystemError("<function _numba_unpickle> returned a result with an exception set") from exc
        except SystemError as exc:
            raise SystemError("CPUDispatcher(<function merge_lists>) returned a result with an "
                              "exception set") from exc
    except SystemError as exc:
        return exc


def test_a_ctrl_c_raised_in_compiled_code_is_an_interrupt_and_nothing_else_is():
    from simulator.signals import interrupted
    assert interrupted(KeyboardInterrupt())
    assert interrupted(_raised_in_compiled_code(KeyboardInterrupt()))
    assert not interrupted(_raised_in_compiled_code(ValueError("a bug")))
    assert not interrupted(SystemError("no cause"))
    assert not interrupted(ValueError("a bug"))
    during = ValueError("raised while handling a Ctrl-C")
    during.__context__ = KeyboardInterrupt()
    assert not interrupted(during)  # only a cause chain of SystemErrors counts


def test_a_ctrl_c_in_compiled_code_is_reported_as_an_interruption(tmp_path, monkeypatch, capsys):
    """The chain of SystemErrors is what a Ctrl-C gave in 2 of 20 interrupted runs: the output
    folder must still say what it holds, and the command must not call it an internal error."""
    import simulator.commands
    from simulator.cli import main
    from simulator.outdir import OutputDir
    with pytest.raises(KeyboardInterrupt, match=f"no output was written to {tmp_path / 'out'}"):
        with OutputDir(tmp_path / "out"):
            raise _raised_in_compiled_code(KeyboardInterrupt())

    def run_command(args):
        raise _raised_in_compiled_code(KeyboardInterrupt())

    monkeypatch.setattr(simulator.commands, "run_command", run_command)
    assert main(["run", str(tmp_path / "any.yaml")]) == 1
    assert capsys.readouterr().err == "veikart: interrupted; no output was written\n"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or "fork" not in
                    multiprocessing.get_all_start_methods(), reason="reads a process's children in /proc")
def test_a_worker_killed_from_outside_fails_the_run_with_a_message(tmp_path):
    """Killed by the system (out of memory) or by hand: the command died of SIGPIPE, silently,
    with its stage left in the folder (its default action had been set for stdout's sake;
    the pool closes the pipe its workers read from). Now: said, exit 1, the folder clean."""
    import subprocess
    import sys
    import time
    from conftest import ROOT, SCENARIOS
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "simulator", "run",
                            str(SCENARIOS / "examples" / "capacity.yaml"), "-n", "2000000",
                            "--seed", "1", "--workers", "2", "--out", str(out)],
                           cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        children: list[int] = []
        deadline = time.monotonic() + 120
        while not children and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            tasks = Path(f"/proc/{run.pid}/task")
            children = [int(c) for t in tasks.iterdir() for c in (t / "children").read_text().split()]
        assert children, "no worker started"
        time.sleep(1.0)  # at work on its chunks
        os.kill(children[0], signal.SIGKILL)
        err = run.communicate(timeout=120)[1]
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 1, err[-500:]
    assert "veikart: run failed: a worker process was killed" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == [".veikart.lock"]  # no stage, no half a set
