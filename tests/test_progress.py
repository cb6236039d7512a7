"""The command line's progress bar ends on the run's true count; timed by a fake clock."""

from __future__ import annotations

import pytest
import tqdm.std

from simulator.commands import _progress


@pytest.fixture
def clock(monkeypatch):
    """tqdm's clock, set by hand."""
    now = [0.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: now[0])
    return now


def _frames(err: str) -> list[str]:
    """The bar's drawings on stderr, in order: tqdm draws each over the last after a \\r."""
    return [f for f in err.split("\r") if "simulating" in f]


def test_the_bar_is_drawn_at_its_final_count_before_it_is_cleared(clock, capsys):
    """The run's last chunks come within tqdm's 0.1 s between drawings: the bar drew
    8.19k/30.0k last, and is drawn once more at 30.0k/30.0k, not more often."""
    with _progress(30_000) as bar:
        clock[0] = 2.0
        bar.update(8192)      # past the 1 s delay: drawn
        clock[0] = 2.05
        bar.update(16_384)    # within 0.1 s of the last drawing: not drawn
        clock[0] = 2.06
        bar.update(5424)
    err = capsys.readouterr().err
    frames = _frames(err)
    assert len(frames) == 2
    assert "8.19k/30.0k" in frames[0] and " 27%" in frames[0]
    assert "30.0k/30.0k" in frames[1] and "100%" in frames[1]
    assert err.endswith("\r") and err.split("\r")[-2].strip() == ""  # then cleared


def test_a_bar_drawn_at_its_final_count_is_not_drawn_again(clock, capsys):
    with _progress(1000) as bar:
        clock[0] = 2.0
        bar.update(1000)
    frames = _frames(capsys.readouterr().err)
    assert len(frames) == 1 and "1.00k/1.00k" in frames[0]


def test_a_run_shorter_than_the_delay_draws_no_bar(clock, capsys):
    with _progress(30_000) as bar:
        clock[0] = 0.5
        bar.update(30_000)
    bar = _progress(None, "scheduling")  # the counter of the prioritisation, closed by hand
    bar.update(10)
    bar.close()
    assert capsys.readouterr().err == ""
