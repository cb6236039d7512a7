"""The scenario's printed texts: names, tags and notes, with no control characters."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError


def _no_controls(text: str, allowed: str = "") -> str:
    """Refuse control characters (a line break, a bell, an escape, ...) and the bidirectional
    overrides and isolates in a text the terminal, the report and its figures print: they
    break a table's row or a label, reach the terminal as commands, or make a name read
    as another. ``allowed`` are let through (a note's line breaks)."""
    for k, ch in enumerate(text):
        if (ch < " " or "\x7f" <= ch <= "\x9f" or ch in "\u2028\u2029" or "\u202a" <= ch <= "\u202e"
                or "\u2066" <= ch <= "\u2069") and ch not in allowed:
            raise PydanticCustomError(
                "control_character", "holds the control character U+{code} at position {at}; "
                "{rule}", {"code": f"{ord(ch):04X}", "at": k + 1,
                           "rule": "only line breaks and tabs are allowed here" if allowed
                           else "it is printed on one line"})
    return text


#: A name, tag or other short text: printed on one line, so no control characters. The line
#: break a YAML block scalar (``name: >``) ends with is not the writer's, and is taken off.
Text = Annotated[str, AfterValidator(lambda text: _no_controls(text.rstrip("\r\n")))]
#: A longer text (a note, a source), whose line breaks and tabs are printed as spaces.
Prose = Annotated[str, AfterValidator(lambda text: _no_controls(text, "\n\r\t"))]
