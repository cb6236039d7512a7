"""Every class of bad input gets exit code 2, the file and line, and no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulator import ScenarioError, load_scenario
from simulator.cli import main

from texts import TINY


def _cli(path, capsys) -> tuple[int, str]:
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.err


# (name, old text, new text, expected message fragment, expected line)
EDITS = [
    ("unknown key", "        kind: utvikling\n", "        kind: utvikling\n        durtion: 3\n",
     "unknown key `durtion` (did you mean `duration`?)", 13),
    ("missing key", "        kind: utvikling\n", "", "required key is missing", 11),
    ("wrong type", "probability: 0.6", "probability: high", "expected a finite number, got 'high'", 34),
    ("quoted number", "probability: 0.6", "probability: '0.6'", "expected a finite number", 34),
    ("mode above max", "min: 8, mode: 12, max: 22", "min: 8, mode: 30, max: 22",
     "duration.mode: 30 is above max 22 (min <= mode <= max)", 13),
    ("min not below max", "{dist: uniform, min: 24, max: 48}", "{dist: uniform, min: 48, max: 24}",
     "is not above min 48 (min < max)", 27),
    ("sd not positive", "{dist: uniform, min: 24, max: 48}", "{dist: normal, mean: 30, sd: 0}",
     "sd: 0 is not positive (sd > 0)", 27),
    ("p50 not below p90", "{dist: uniform, min: 24, max: 48}", "{dist: lognormal, p50: 30, p90: 20}",
     "p90: 20 is not above p50 30 (0 < p50 < p90)", 27),
    ("negative duration", "min: 6, mode: 9, max: 18", "min: -6, mode: 9, max: 18",
     "a duration must be >= 0", 16),
    ("probability above 1", "probability: 0.6", "probability: 1.6", "1.6 is not within [0, 1]", 34),
    ("deadline before start", "deadline: 2026-12-31", "deadline: 2021-12-31",
     "2021-12-31 is not after start 2022-01-01", 5),
    ("date with a time", "start: 2022-01-01", "start: 2022-01-01T10:00:00",  # not a Python repr
     "scenario.start: '2022-01-01T10:00:00' is not a date in the form YYYY-MM-DD", 4),
    ("nan as text", "probability: 0.6", "probability: nan",  # no hint: it is no finite number
     "probability: expected a finite number, got 'nan'", None),
    ("quoted plain number", "probability: 0.6", "probability: '0.6'",
     "expected a finite number, got the text '0.6': write it without quotes", None),
    ("date for a number", "probability: 0.6", "probability: 2022-01-01",
     "probability: expected a finite number, got '2022-01-01'", None),
    ("exponent read as text", "probability: 0.6", "probability: 6e-1",
     "got the text '6e-1': YAML reads a number with an exponent only with a dot and a sign, as 6.0e-01",
     None),
    ("bad date", "start: 2022-01-01", "start: 2022-13-01",
     "scenario.start: '2022-13-01' is not a valid value: month must be in 1..12", 4),
    ("unknown reference", "after: [sfm-utproving]", "after: [sfm-utprovng]",
     "`sfm-utprovng` is not a known phase, milestone or initiative (did you mean `sfm-utproving`?)", 22),
    ("unknown kind", "kind: innforing", "kind: innføring", "is not one of", 25),
    ("unknown distribution", "{dist: uniform, min: 24, max: 48}", "{dist: uniformal, min: 24, max: 48}",
     "(did you mean `uniform`?)", 27),
    ("duplicate id", "  - id: pll\n", "  - id: sfm\n", "ids must be unique across the scenario", 8),
    ("selector matches nothing", "applies_to: {kinds: [utproving]}", "applies_to: {kinds: [konsept]}",
     "selects no activity", 36),
    ("selector unknown id", "applies_to: {ids: [pll-utproving]}", "applies_to: {ids: [pll-utprovin]}",
     "(did you mean `pll-utproving`?)", 41),
    ("impact and delay both", "    delay: {dist: uniform, min: 2, max: 6}\n",
     "    delay: {dist: uniform, min: 2, max: 6}\n    impact: {dist: fixed, value: 2}\n",
     "needs exactly one of `impact`, `delay` or `funding`", 37),
    ("impact factor not positive", "{dist: triangular, min: 1.1, mode: 1.3, max: 1.8}",
     "{dist: triangular, min: 0, mode: 1.3, max: 1.8}", "an impact factor must be > 0", 35),
    # no `min` to name: the message said "impact.min: 0 is not allowed" of a key not written
    ("impact factor a normal", "{dist: triangular, min: 1.1, mode: 1.3, max: 1.8}",
     "{dist: normal, mean: 1.2, sd: 0.5}",
     "impact.dist: a normal is truncated at 0, so it can draw values down to 0, but an impact "
     "factor must be > 0", 35),
    ("duplicate key", "        kind: utvikling\n", "        kind: utvikling\n        kind: utvikling\n",
     "key `kind` appears twice", 13),
    ("bad id", "  - id: pll\n", "  - id: 'pll liste'\n", "is not a valid id", 17),
    ("not a mapping", TINY, "- just\n- a list\n", "must be a mapping at the top level", 1),
    ("YAML syntax", "    phases:\n      - id: sfm-utvikling", "    phases:\n     - id: sfm-utvikling: [",
     "YAML syntax error", None),
    # a control character would break the terminal's and the report's rows and labels
    ("line break in a name", "name: Pasientens legemiddelliste", 'name: "Pasientens\\nlegemiddelliste"',
     "initiatives[1].name: 'Pasientens\\nlegemiddelliste': holds the control character U+000A at "
     "position 11; it is printed on one line", 18),
    ("escape in a name", "name: tiny", 'name: "tiny\\e[2J"',
     "scenario.name: 'tiny\\x1b[2J': holds the control character U+001B at position 5", 2),
    ("C1 control in a tag", "name: Pasientens legemiddelliste",
     'name: Pasientens legemiddelliste\n    tags: ["a\\x85b"]',
     "initiatives[1].tags[0]: 'a\\x85b': holds the control character U+0085 at position 2", 19),
]


@pytest.mark.parametrize("name,old,new,fragment,line", EDITS, ids=[e[0] for e in EDITS])
def test_bad_input_is_reported_with_position(name, old, new, fragment, line, write, capsys):
    assert old in TINY, "the edit must apply to the fixture"
    path = write(TINY.replace(old, new, 1))
    code, err = _cli(path, capsys)
    assert code == 2
    assert fragment in err
    assert "Traceback" not in err
    first = next(ln for ln in err.splitlines() if fragment in ln)
    assert first.startswith(f"{path}:")
    if line is not None:
        assert first.startswith(f"{path}:{line}:"), first


def test_cycle_is_spelled_out(write):
    text = TINY.replace("      - id: sfm-utvikling\n        kind: utvikling\n",
                        "      - id: sfm-utvikling\n        kind: utvikling\n        after: [pll-utproving]\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(text))
    msg = str(info.value)
    assert "dependency cycle: " in msg
    cycle = msg.split("dependency cycle: ")[1].split(" (")[0].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"sfm-utvikling", "sfm-utproving", "pll-utproving"}


def test_all_problems_are_reported_together(write):
    text = (TINY.replace("probability: 0.6", "probability: 2")
            .replace("min: 8, mode: 12, max: 22", "min: 8, mode: 30, max: 22")
            .replace("after: [sfm-utproving]", "after: [nothing-here]"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(text))
    assert len(info.value.problems) == 3
    assert [p.line for p in info.value.problems] == sorted(p.line for p in info.value.problems)


def test_error_carries_structured_position(write):
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(TINY.replace("min: 8, mode: 12, max: 22", "min: 8, mode: 30, max: 22")))
    err = info.value
    assert (err.line, err.col, err.path) == (13, 46, "initiatives[0].phases[0].duration.mode")


# --- hostile files ------------------------------------------------------------

def _write_bytes(tmp_path, data: bytes):
    path = tmp_path / "hostile.yaml"
    path.write_bytes(data)
    return path


HOSTILE = {
    "huge file": (b"# " + b"x" * 3_000_000 + b"\n", "limited to"),
    # refused by our depth check, or by libyaml's own limit where the scanner reads ahead
    "deep nesting": (b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", "nesting"),
    "deep block nesting": ("".join(f"{'  ' * i}k{i}:\n" for i in range(60)).encode() + b"  " * 60 + b"x\n",
                           "nesting deeper than 32"),
    "billion laughs": (b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
                       b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
                       b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n",
                       "anchors and aliases"),
    "tab indentation": (b"scenario:\n\tname: x\n", "tab used for indentation"),
    "byte-order mark": (b"\xef\xbb\xbf" + TINY.encode(), "byte-order mark"),
    "latin-1 encoding": (TINY.replace("tiny", "tiny \u00e6\u00f8\u00e5").encode("latin-1"), "not valid UTF-8"),
    "UTF-16 encoding": (TINY.encode("utf-16"), "UTF-16"),
    "binary": (b"\x00\x01\x02scenario", "NUL"),
    "python object tag": (b"a: !!python/object/apply:os.system ['echo hi']\n", "is not allowed"),
    "python scalar tag": (b"a: !!python/name:os.system ''\n", "YAML syntax error"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_refused(name, tmp_path, capsys):
    data, fragment = HOSTILE[name]
    path = _write_bytes(tmp_path, data)
    code, err = _cli(path, capsys)
    assert code == 2
    assert fragment in err
    assert err.startswith(str(path))
    assert "Traceback" not in err


def test_missing_file(tmp_path, capsys):
    code, err = _cli(tmp_path / "nope.yaml", capsys)
    assert code == 2 and "file not found" in err


def test_cli_subprocess_has_no_traceback(write):
    path = write(TINY.replace("probability: 0.6", "probability: 1.6"))
    proc = subprocess.run([sys.executable, "-m", "simulator", "validate", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert f"{path}:34:18 risks[0].probability: 1.6 is not within [0, 1]" in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2


def test_structural_and_semantic_problems_are_reported_together(write):
    text = (TINY.replace("        kind: utvikling\n", "        kind: utvikling\n        durtion: 3\n")
            .replace("probability: 0.3", "probability: 3")
            .replace("after: [sfm-utproving]", "after: [nothing-here]"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(text))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 3, messages
    assert any("unknown key `durtion`" in msg for msg in messages)
    assert any("3 is not within [0, 1]" in msg for msg in messages)
    assert any("`nothing-here` is not a known" in msg for msg in messages)
    assert [p.line for p in info.value.problems] == sorted(p.line for p in info.value.problems)


def test_a_broken_element_causes_no_follow_on_errors(write):
    # pll-utproving is broken; pll-innforing (the next phase, index 1) has its own problem
    text = (TINY.replace("        after: [sfm-utproving]\n", "        after: [sfm-utproving]\n        colour: red\n")
            .replace("after: [{id: sfm-utproving, type: SS, lag: 3}]", "after: [pll-innforing]"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(text))
    problems = info.value.problems
    paths = [p.path for p in problems]
    # the risk that names the broken phase is not reported as pointing at nothing
    assert not any("pll-utproving" in p.message for p in problems), [str(p) for p in problems]
    assert "initiatives[1].phases[0].colour" in paths
    self_ref = next(p for p in problems if "cannot depend on itself" in p.message)
    assert self_ref.path == "initiatives[1].phases[1].after[0]" and self_ref.line == 27
