"""``veikart compare`` on edge cases: one file, nothing in common, a side after the horizon."""

from __future__ import annotations

from texts import TINY

from simulator.cli import main

NEVER = TINY.replace("    applies_to: {ids: [pll-utproving]}\n", (
    "    applies_to: {ids: [pll-utproving]}\n  - id: gate\n    category: financing\n"
    "    funding: {decisions: {dates: [2023-12-15]}, grant_probability: 0}\n"
    "    applies_to: {ids: [pll-innforing]}\n"))


def test_one_file_is_a_usage_error(tiny_file, capsys):
    assert main(["compare", str(tiny_file), "-n", "200"]) == 2
    assert "at least one scenario to compare" in capsys.readouterr().err


def test_nothing_in_common_is_a_clear_error(tiny_file, write, capsys):
    other = write(TINY.replace("sfm", "xfm").replace("pll", "qll").replace("id: done", "id: end"),
                  "other.yaml")
    assert main(["compare", str(tiny_file), str(other), "-n", "200", "--seed", "1"]) == 2
    err = capsys.readouterr().err
    assert "no initiative or milestone id in common" in err and "internal error" not in err


def test_a_side_after_the_horizon_is_said_in_words(tiny_file, write, capsys):
    never = write(NEVER, "never.yaml")
    assert main(["compare", str(tiny_file), str(never), "-n", "300", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "inf" not in out.replace("from within", "")
    pll = next(line for line in out.splitlines() if line.strip().startswith("pll "))
    assert "from within the horizon to after it" in pll and "after hor." in pll
    sfm = next(line for line in out.splitlines() if line.strip().startswith("sfm "))
    assert "gain   0.00" in sfm
    assert main(["compare", str(never), str(tiny_file), "-n", "300", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "from after the horizon to within it" in out and " inf " not in out
