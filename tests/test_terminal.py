"""Control characters from a scenario reach the terminal as visible escapes, never raw."""

from __future__ import annotations

import json
import re

from texts import TINY

from simulator.cli import main
from simulator.terminal import escape_controls

# what a terminal would obey: an OSC 52 clipboard write, a window title, clear screen, an 8-bit CSI
EVIL = r"\e]52;c;ZXZpbA==\a\e]0;owned\a\e[2J\x9b2J\u202e"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _evil(write):
    text = TINY.replace("name: tiny", f'name: "tiny{EVIL}"')
    text = text.replace("name: Pasientens legemiddelliste", f'name: "PLL{EVIL}"')
    text = text.replace("  - id: late-sfm-release\n", f'  - id: late-sfm-release\n    name: "late{EVIL}"\n')
    return write(text, "evil.yaml")


def test_names_with_controls_are_refused_and_the_refusal_printed_escaped(write, capsys):
    """A name the terminal would obey never gets that far: it is refused where it is written,
    and the message quotes it escaped."""
    path = _evil(write)
    twin = write(path.read_text(), "evil-twin.yaml")  # compare takes each file once
    for argv in (["validate", path], ["run", path, "-n", "300", "--seed", "1"],
                 ["run", path, "-n", "300", "--seed", "1", "--json"],
                 ["compare", path, twin, "-n", "300", "--seed", "1"]):
        assert main([str(a) for a in argv]) == 2
        out, err = capsys.readouterr()
        assert out == "" and not RAW.search(err), argv
        assert "scenario.name: 'tiny\\x1b]52;c;" in err and "initiatives[1].name: 'PLL" in err
        assert "risks[1].name: 'late" in err and "holds the control character U+001B at position 5" in err


def test_a_direction_override_alone_is_refused(write, capsys):
    path = write(TINY.replace("name: tiny", 'name: "tiny\\u202e"'), "rlo.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "scenario.name: 'tiny\\u202e': holds the control character U+202E at position 5" in err


def test_an_escaped_json_document_is_the_same_document():
    doc = {"name": "PLL\x1b]52;c;ZXZpbA==\x07\x9b2J\u202e", "ok": "ø æ å –", "n": [1.5, None]}
    text = json.dumps(doc, ensure_ascii=False)
    assert RAW.search(text) and not RAW.search(escape_controls(text))
    assert json.loads(escape_controls(text)) == doc


def test_errors_are_printed_escaped(write, capsys):
    path = write(TINY.replace("  version:", '  "vers\\e[2Jion": 1\n  version:'), "bad.yaml")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "unknown key `vers\\u001b[2Jion`" in err and not RAW.search(err)


def test_escape_controls_keeps_ordinary_text():
    text = "Pasientens legemiddelliste – e-resept i sykehjem, P(≤ 31.12.2026)\n\tø æ å"
    assert escape_controls(text) == text
    assert escape_controls("\x1b\x07\x9b\x7f\r") == "\\u001b\\u0007\\u009b\\u007f\\u000d"


def test_a_terminal_that_cannot_write_the_names_gets_escapes_not_an_internal_error(write):
    """Under LANG=C (cron, some CI runners) stdout is ASCII: the default scenario's "ø" ended
    the run with "internal error (UnicodeEncodeError ...)". The terminal text shows escapes,
    and the JSON stays the same document."""
    import subprocess
    import sys
    from conftest import ROOT, SCENARIOS
    env = {**__import__("os").environ, "PYTHONIOENCODING": "ascii"}
    path = SCENARIOS / "veikart-22.1.yaml"
    run = [sys.executable, "-m", "simulator", "run", str(path), "-n", "200", "--seed", "1"]
    text = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert text.returncode == 0, text.stderr
    assert b"e-helsel\\u00f8sninger 2021\\u20132026" in text.stdout
    assert b"  pll-nasjonal-innforing-st\\u2026 " in text.stdout  # a long id is cut, and says so
    as_json = subprocess.run([*run, "--json"], cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["scenario"]["name"].endswith("e-helseløsninger 2021–2026")


def test_encodable_escapes_what_the_encoding_lacks_as_json_does():
    from simulator.terminal import encodable
    text = "Møre – 😀"
    assert encodable(text, "utf-8") == text
    escaped = encodable(text, "ascii")
    assert escaped == "M\\u00f8re \\u2013 \\ud83d\\ude00"
    assert json.loads(f'"{escaped}"') == text  # the escapes read back as JSON


def test_on_an_ascii_stream_control_characters_are_still_escaped():
    """The fallback for a character the stream cannot write must escape the controls too."""
    import io
    from simulator.terminal import SafeStream
    raw = io.TextIOWrapper(io.BytesIO(), encoding="ascii", errors="strict")
    SafeStream(raw).write("M\u00f8re\x1b[2J")
    raw.flush()
    assert raw.buffer.getvalue() == b"M\\u00f8re\\u001b[2J"
