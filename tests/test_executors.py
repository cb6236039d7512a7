"""The executor layer: the same bytes in process, in a process pool and on a Dask cluster,
also when a Dask worker dies mid-run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
import time

import numpy as np
import pytest
from conftest import ROOT

import simulator
from simulator.executors import Executor, ProcessExecutor, make_executor
from simulator.order_search import prioritise

EXAMPLE = ROOT / "scenarios" / "examples" / "capacity.yaml"
BENEFITS = {"note": "illustrative", "rates": [{"of": "pll-innforing", "per_month": 3},
                                               {"of": "kritisk-info", "per_month": 1, "ramp_up": 6}]}

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scenario():
    return simulator.scenario.derive(simulator.load_scenario(EXAMPLE), {"benefits": BENEFITS})


@pytest.fixture(scope="module")
def cluster():
    """A LocalCluster of two worker processes, one thread each, closed after the module."""
    # a free port for the dashboard: 8787 may be held by another cluster on the machine
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as c, distributed.Client(c) as client:
        yield c, client


def _bytes(p) -> tuple:
    return json.dumps(p.to_dict()), tuple(p.metrics[k].tobytes() for k in sorted(p.metrics))


def test_executors_keep_the_order_of_the_units():
    with make_executor(1) as one, make_executor(2) as two:
        assert type(one) is Executor and isinstance(two, ProcessExecutor)
        assert list(one.map(abs, [-3, 1, -2])) == list(two.map(abs, [-3, 1, -2])) == [3, 1, 2]
    with pytest.raises(ValueError, match="workers"):
        make_executor(0)


@pytest.mark.parametrize("workers", [1, 2])
def test_imap_works_meanwhile_once_the_first_units_are_under_way(workers):
    """``meanwhile`` runs once, after ``first`` units were made and before any result is
    waited for; the units made after it see what it did, and the results keep their order."""
    log = []

    def make(i):
        log.append(("make", i, len([e for e in log if e[0] == "meanwhile"])))
        return -i

    with make_executor(workers) as pool:
        got = list(pool.imap(abs, make, 5, 3, meanwhile=lambda: log.append(("meanwhile",)),
                             first=1))
    assert got == [0, 1, 2, 3, 4]
    assert log[:2] == [("make", 0, 0), ("meanwhile",)]
    assert [e for e in log if e[0] == "make"] == [("make", i, 0 if i == 0 else 1) for i in range(5)]


@pytest.mark.slow
def test_same_bytes_on_1_2_3_workers_and_a_dask_cluster(scenario, cluster):
    _, client = cluster
    kw = dict(objective="npv", iterations=300, seed=21, piece=75)
    runs = [prioritise(scenario, workers=w, **kw) for w in (1, 2, 3)]
    runs.append(prioritise(scenario, client=client, **kw))
    runs.append(prioritise(scenario, client=client, **{**kw, "piece": 64}))
    assert len({_bytes(r) for r in runs}) == 1


def test_simulate_on_a_dask_cluster_gives_the_same_result(scenario, cluster):
    _, client = cluster
    here = simulator.simulate(scenario, 9000, seed=5, workers=1)
    there = simulator.simulate(scenario, 9000, seed=5, client=client)
    assert json.dumps(here.to_dict()) == json.dumps(there.to_dict())
    assert np.array_equal(here.schedule.finish, there.schedule.finish)


def test_a_streamed_run_on_a_dask_cluster_gives_the_same_tables(scenario, cluster):
    """Chunks reduced on the cluster's workers (the network shared once, the bands sent with
    each chunk) give the tables of the run kept whole in this process."""
    _, client = cluster
    here = simulator.simulate(scenario, 20_000, seed=6, workers=1)
    there = simulator.simulate(scenario, 20_000, seed=6, client=client, keep="report")
    assert not there.is_whole
    assert json.dumps(here.to_dict()) == json.dumps(there.to_dict())
    from simulator.analysis.rollouts import coverage_table
    assert coverage_table(here).equals(coverage_table(there))


@pytest.mark.slow
def test_a_worker_killed_mid_run_changes_nothing(scenario, cluster):
    c, client = cluster
    # the des engine is slow enough that a unit of 25 iterations is still running when killed
    kw = dict(objective="npv", iterations=400, seed=9, piece=25, engine="des", rounds=1)
    expected = _bytes(prioritise(scenario, **kw))
    pids = client.run(os.getpid)
    killed: list[str] = []

    def kill_a_busy_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not killed:
            busy = [w for w, tasks in client.processing().items() if tasks and w in pids]
            if busy:
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(busy[0])
            time.sleep(0.02)
    killer = threading.Thread(target=kill_a_busy_worker)
    killer.start()
    got = _bytes(prioritise(scenario, client=client, **kw))
    killer.join()
    assert killed, "no worker was busy while the run lasted"
    assert got == expected
    client.wait_for_workers(2, timeout=60)  # the nanny brings the worker back


def test_the_command_line_on_a_scheduler_address(scenario, cluster, write, tmp_path, capsys):
    from simulator.cli import main
    c, _ = cluster
    shutil.copytree(EXAMPLE.parent, tmp_path / "examples")  # an overlay extends only files below it
    path = write(f"extends: examples/{EXAMPLE.name}\nbenefits:\n  rates: [{{of: pll-innforing, per_month: 3}}]\n", "b.yaml")
    outs = []
    for extra in ([], ["--scheduler", c.scheduler_address]):
        assert main(["run", str(path), "-n", "9000", "--seed", "2", "--json", *extra]) == 0
        assert main(["prioritise", str(path), "-n", "200", "--seed", "2", "--json", *extra]) == 0
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1] and '"benefits"' in outs[0] and '"recommended"' in outs[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG) is Linux's")
def test_pool_workers_end_with_a_command_killed_by_sigkill(tmp_path):
    """A command killed with SIGKILL runs no clean-up; its workers must not wait forever."""
    import subprocess
    script = tmp_path / "pool.py"
    script.write_text(
        "import os, time\n"
        "from simulator.executors import ProcessExecutor\n"
        "def pid(_):\n"
        "    time.sleep(0.2)  # every worker gets one\n"
        "    return os.getpid()\n"
        "pool = ProcessExecutor(2, 'fork')\n"
        "futs = [pool.submit(pid, None) for _ in range(4)]\n"
        "print(' '.join(sorted({str(f.result()) for f in futs})), flush=True)\n"
        "time.sleep(60)\n")
    with subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True) as proc:
        workers = [int(p) for p in proc.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(p) for p in workers)
        proc.kill()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"  # a zombie has ended; init reaps it
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not hasattr(os, "register_at_fork"),
                    reason="no fork hooks here")
def test_a_ctrl_c_while_a_pool_forks_stops_the_command(tmp_path):
    """Python prints and drops a KeyboardInterrupt raised in a fork's own hooks, so a Ctrl-C
    that lands while a pool starts its workers was lost and the command ran on to exit 0.
    The signal is held back until the workers have started, then taken; the workers get
    the signals back. Here the Ctrl-C is sent from a hook that runs as the pool forks,
    while another thread could take it."""
    import subprocess
    script = tmp_path / "fork.py"
    script.write_text(
        "import os, signal, threading, time\n"
        "from simulator.executors import ProcessExecutor\n"
        # a thread that takes signals, as numpy's BLAS threads do: a signal mask on the
        # main thread alone then does not hold Ctrl-C back
        "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\n"
        # as in a terminal, even where this test runs with SIGINT ignored (a background job)
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "sent = []\n"
        "def ctrl_c():\n"
        "    if not sent:\n"
        "        sent.append(1)\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "        time.sleep(0.2)\n"  # taken by then, by whichever thread
        "os.register_at_fork(before=ctrl_c)\n"
        "def blocked(_):\n"
        "    return signal.getsignal(signal.SIGINT) is not signal.default_int_handler\n"
        "try:\n"
        "    with ProcessExecutor(2, 'fork') as pool:\n"
        "        print('workers hold Ctrl-C back:', any(pool.map(blocked, range(4))), flush=True)\n"
        "    print('ran on', flush=True)\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted', flush=True)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "interrupted", done.stdout + done.stderr
    assert "Exception ignored" not in done.stderr
    script.write_text(script.read_text().replace("os.register_at_fork(before=ctrl_c)\n", ""))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["workers hold Ctrl-C back: False", "ran on"], done.stderr


def _mark(path):
    time.sleep(0.2)
    open(path, "w").close()


def test_a_pool_left_by_an_exception_drops_the_units_not_yet_started(tmp_path):
    """An interrupted command does not wait for every queued unit (the report's figures,
    the ranking's risks): only those already under way finish."""
    with pytest.raises(KeyboardInterrupt):
        with ProcessExecutor(2, "fork" if "fork" in mp_methods() else None) as pool:
            for k in range(20):
                pool.submit(_mark, str(tmp_path / f"{k}.done"))
            raise KeyboardInterrupt
    assert len(list(tmp_path.glob("*.done"))) <= 6  # two workers, a few queued ahead
    with ProcessExecutor(2) as pool:  # left normally: every unit runs
        for k in range(6):
            pool.submit(_mark, str(tmp_path / f"all{k}.done"))
    assert len(list(tmp_path.glob("all*.done"))) == 6


def mp_methods():
    import multiprocessing
    return multiprocessing.get_all_start_methods()
