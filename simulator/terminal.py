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


class SafeStream:
    """A text stream that escapes control characters in everything written to it.

    ``raw`` is the stream underneath, for the progress bar, whose own ``\r``
    is the only control character veikart means to send.
    """

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(escape_controls(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)
