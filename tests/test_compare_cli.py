"""``veikart compare`` on edge cases: one file, nothing in common."""

from __future__ import annotations

from texts import TINY

from simulator.cli import main


def test_one_file_is_a_usage_error(tiny_file, capsys):
    assert main(["compare", str(tiny_file), "-n", "200"]) == 2
    assert "at least one scenario to compare" in capsys.readouterr().err


def test_nothing_in_common_is_a_clear_error(tiny_file, write, capsys):
    other = write(TINY.replace("sfm", "xfm").replace("pll", "qll").replace("id: done", "id: end"),
                  "other.yaml")
    assert main(["compare", str(tiny_file), str(other), "-n", "200", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "no initiative or milestone id in common" in err and "internal error" not in err
