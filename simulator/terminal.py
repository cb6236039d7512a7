"""What reaches a terminal: control characters from scenario files shown as escapes, never obeyed."""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls but newline and tab, DEL, C1 controls (8-bit CSI, OSC, ...), and the bidirectional
# overrides and isolates that can make text read differently from what it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def escape_controls(text: str) -> str:
    r"""Replace every control character with its ``\uXXXX`` escape.

    The escape is the JSON one, so a JSON document stays the same document,
    and on a terminal the character is seen rather than obeyed.

    Examples
    --------
    >>> escape_controls("a\x1b]52;c;bad\x07b")
    'a\\u001b]52;c;bad\\u0007b'
    """
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def encodable(text: str, encoding: str) -> str:
    r"""``text`` with each character ``encoding`` cannot write as its ``\uXXXX`` escape
    (a surrogate pair past U+FFFF), which is the JSON one, as :func:`escape_controls`'.

    Examples
    --------
    >>> encodable("Møre og Romsdal", "ascii")
    'M\\u00f8re og Romsdal'
    """
    def one(ch: str) -> str:
        try:
            ch.encode(encoding)
            return ch
        except UnicodeEncodeError:
            code = ord(ch)
            if code <= 0xFFFF:
                return f"\\u{code:04x}"
            code -= 0x10000
            return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return "".join(map(one, text))


class SafeStream:
    """A text stream that escapes control characters in everything written to it.

    ``raw`` is the stream underneath, for the progress bar, whose own ``\r``
    is the only control character veikart means to send.
    """

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        safe = escape_controls(text)
        try:
            self.raw.write(safe)
        except UnicodeEncodeError:  # e.g. LANG=C: the scenario's ø and å as escapes, not a crash
            self.raw.write(encodable(safe, getattr(self.raw, "encoding", None) or "ascii"))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)
