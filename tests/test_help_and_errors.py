"""Help texts and error messages as a user meets them."""

from __future__ import annotations

import pytest
from texts import TINY

from simulator import ScenarioError, load_scenario
from simulator.cli import main


def _help(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_every_option_has_help_and_its_default(capsys):
    run = _help(capsys, "run")
    for text in ("Monte Carlo iterations, at least 2 (default: 10000)", "(default: mc)",
                 "Latin Hypercube", "(default: capacity when phases hold resources, else cpm)", "SimPy", "scenario YAML file"):
        assert text in run, text
    compare = _help(capsys, "compare")
    assert "(default: 10000)" in compare and "(default: mc)" in compare
    validate = _help(capsys, "validate")
    assert "Check a scenario file" in validate and "scenario YAML file" in validate
    assert "--out folder of an earlier" in _help(capsys, "report")


def test_a_typo_in_an_option_shows_the_subcommand_usage(tiny_file, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(tiny_file), "--sed", "1"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: veikart run ")
    assert "veikart run: error: unrecognized arguments: --sed 1 (did you mean `--seed`?)" in err


def test_counts_are_pluralised(write, capsys):
    text = TINY.replace("    applies_to: {ids: [pll-utproving]}\n", (
        "    applies_to: {ids: [pll-utproving]}\n  - id: gate\n    category: financing\n"
        "    funding: {decisions: {dates: [2023-12-15]}, grant_probability: 0.5}\n"
        "    applies_to: {ids: [pll-innforing]}\n"))
    assert main(["validate", str(write(text))]) == 0
    assert "2 initiatives, 4 phases, 1 milestone, 3 risks (2 drivers, 1 funding gate), 0 blackouts, " \
           "0 correlation groups" in capsys.readouterr().out


def test_a_bare_number_as_a_distribution_suggests_fixed(write):
    path = write(TINY.replace("{dist: uniform, min: 24, max: 48}", "5"))
    with pytest.raises(ScenarioError, match=r"expected a mapping, got 5; a fixed value is written "
                                            r"\{dist: fixed, value: 5\}"):
        load_scenario(path)


def test_unknown_keys_are_matched_against_their_own_element(write):
    text = TINY + "correlations:\n  - id: c1\n    applies_to: {kinds: [utproving]}\n    correlation: 0.5\n"
    with pytest.raises(ScenarioError, match=r"unknown key `correlation` \(did you mean `rank_correlation`\?\)"):
        load_scenario(write(text))
    with pytest.raises(ScenarioError, match=r"unknown key `milestone` \(did you mean `milestones`\?\)"):
        load_scenario(write(TINY.replace("milestones:", "milestone:")))


def test_removing_an_unknown_id_is_located_in_the_remove_list(write):
    write(TINY, "base.yaml")
    path = write("extends: base.yaml\nremove: [late-sfm-release, sfm, nothing-here]\n", "over.yaml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    paths = {p.path: p for p in info.value.problems}
    assert paths["remove[2]"].line == 2 and "`nothing-here` is not an id" in paths["remove[2]"].message
    assert "this overlay removes `sfm`, but `done` still refers to it" in paths["remove[1]"].message
    assert all(p.file == str(path) for p in info.value.problems)


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_a_file_that_cannot_be_opened_has_the_veikart_prefix(tmp_path, capsys, make):
    path = tmp_path / "scenario.yaml"
    if make == "directory":
        path.mkdir()
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"veikart: {path}: ")


def test_a_header_key_at_the_top_level_is_said_to_belong_under_scenario(write, capsys):
    path = write("""\
name: Fast
version: "1"
start: 2025-01-01
initiatives:
  - id: a
    deadline: 2026-12-31
    phases:
      - {id: a1, kind: utvikling, duration: {dist: fixed, value: 3}}
""")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "1:1 name: unknown key `name` at the top level: it belongs under `scenario:`" in err
    assert "3:1 start: unknown key `start` at the top level: it belongs under `scenario:`" in err
    assert "initiatives[0].deadline: `deadline` is a key of the format, but not of this element" in err
    assert "did you mean `name`" not in err and "did you mean `deadline`" not in err
