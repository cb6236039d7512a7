"""Every text the terminal, the report and its figures print is refused when it holds a
control character, wherever in the scenario it is written."""

from __future__ import annotations

import shutil

import pytest
from conftest import SCENARIOS
from pydantic import TypeAdapter, ValidationError

from simulator import ScenarioError, load_scenario
from simulator.scenario import models as m

TEXT, PROSE = TypeAdapter(m.Text), TypeAdapter(m.Prose)


@pytest.mark.parametrize("ch", ["\x00", "\t", "\n", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
                                "\u2028", "\u2029", "\u202a", "\u202e", "\u2066", "\u2069"])
def test_controls_in_a_name_are_refused(ch):
    with pytest.raises(ValidationError, match=f"holds the control character U\\+{ord(ch):04X} at "
                                              "position 3; it is printed on one line"):
        TEXT.validate_python(f"ab{ch}cd")


@pytest.mark.parametrize("text", [" ", "~", "\xa0", "Tromsø – Ålesund", "\u2027", "\u202f", "\u2065",
                                  "\u206a", "\U0001f600"])
def test_printable_text_is_kept_as_written(text):
    assert TEXT.validate_python(f"a{text}b") == f"a{text}b"


@pytest.mark.parametrize("ending", ["\n", "\r\n", "\n\n"])
def test_the_line_break_a_block_scalar_ends_with_is_taken_off(ending):
    assert TEXT.validate_python(f"folded name{ending}") == "folded name"


def test_notes_may_break_lines_but_hold_no_other_control():
    assert PROSE.validate_python("a\nb\tc\r\nd\n") == "a\nb\tc\r\nd\n"
    for ch in ("\x0b", "\x1b", "\u2028", "\x85"):
        with pytest.raises(ValidationError, match=f"U\\+{ord(ch):04X} at position 2; only line "
                                                  "breaks and tabs are allowed here"):
            PROSE.validate_python(f"a{ch}")


# (the default scenario's line, as written; the path the refusal names)
FIELDS = [
    ('  version: "22.1"', "scenario.version"),
    ("    name: DIPS Arena (sykehus i Sør-Øst, Vest og Nord), integrasjonskapasitet",
     "resources[0].name"),
    ("    tags: [enabler, tillit-grunndata]", "initiatives[0].tags[0]"),
    ("        tags: [finansiering-uavklart]  ", "initiatives[7].phases[2].tags[0]"),
    ("    applies_to: {tags: [steg2]}", ".applies_to.tags[0]"),
    ("  name: Offentlige IT-prosjekter (tidsoverskridelse)", "reference_class.name"),
    ("    name: Fellesferie (uke 28–31)", "blackouts[0].name"),
    ("  unit: MNOK  ", "benefits.unit"),
    ("      name: Pasientens legemiddelliste i bruk (per område)", "benefits.rates[0].name"),
]


@pytest.mark.parametrize("line, path", FIELDS, ids=[p for _, p in FIELDS])
def test_each_printed_field_refuses_a_control(line, path, tmp_path):
    text = (SCENARIOS / "veikart-22.1.yaml").read_text(encoding="utf-8")
    assert text.count(line) >= 1, line
    head, _, rest = line.partition(": ")
    if rest.startswith("{tags: ["):  # a selector's tag
        bad = f"{head}: {{tags: [\"x\\a\", {rest[len('{tags: ['):]}"
    elif rest.startswith("["):
        bad = f"{head}: [\"x\\a\", {rest[1:]}"
    else:
        bad = f'{head}: "x\\a{rest.strip().strip(chr(34))}"'
    shutil.copytree(SCENARIOS / "data", tmp_path / "data")
    path_file = tmp_path / "s.yaml"
    path_file.write_text(text.replace(line, bad, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path_file)
    said = [(p.path, p.message) for p in info.value.problems]
    assert len(said) == 1 and said[0][0].endswith(path), said
    assert said[0][1].endswith("holds the control character U+0007 at position 2; it is printed on one line")


def test_a_unit_name_from_a_csv_file_refuses_a_control(tmp_path):
    shutil.copytree(SCENARIOS / "data", tmp_path / "data")
    shutil.copy(SCENARIOS / "veikart-22.1.yaml", tmp_path / "s.yaml")
    csv = tmp_path / "data" / "helsefellesskap.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    cells = lines[2].split(",")
    cells[1] = "In\x1bnlandet"
    lines[2] = ",".join(cells)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "s.yaml")
    problem = info.value.problems[0]
    assert problem.path == "units.helsefellesskap.list[1].name"
    assert "U+001B at position 3" in problem.message
