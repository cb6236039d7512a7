"""The one exception for bad scenario input, carrying where and what went wrong."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable

#: How many problems one ScenarioError lists before it stops counting.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class Problem:
    """One broken rule at one place in a scenario file.

    Parameters
    ----------
    file : str
        Path of the file the value came from.
    line, col : int or None
        1-based position of the value, when known.
    path : str
        Field path such as ``initiatives[2].phases[0].duration.mode``.
    message : str
        The bad value and the rule it broke.
    """

    file: str
    line: int | None
    col: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.col is not None:
                where += f":{self.col}"
        return f"{where} {self.path}: {self.message}" if self.path else f"{where} {self.message}"


class ScenarioError(ValueError):
    """A scenario file is not valid.

    Holds every problem found (up to :data:`MAX_PROBLEMS`), so that one run of
    ``veikart validate`` shows them all. The first problem's position is
    exposed as ``file``, ``line``, ``col`` and ``path``.
    """

    def __init__(self, problems: Iterable[Problem]):
        problems = list(problems)
        if not problems:
            raise ValueError("ScenarioError needs at least one problem")
        self.truncated = len(problems) > MAX_PROBLEMS
        self.problems: tuple[Problem, ...] = tuple(problems[:MAX_PROBLEMS])
        first = self.problems[0]
        self.file, self.line, self.col, self.path = first.file, first.line, first.col, first.path
        super().__init__(self._render())

    def _render(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.truncated:
            lines.append(f"... more problems not shown (stopped after {MAX_PROBLEMS})")
        return "\n".join(lines)

    @classmethod
    def single(cls, file: str, message: str, line: int | None = None,
               col: int | None = None, path: str = "") -> "ScenarioError":
        """Build an error with one problem."""
        return cls([Problem(str(file), line, col, path, message)])


def suggest(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean `x`?)"`` for the closest candidate, or ``""``."""
    match = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean `{match[0]}`?)" if match else ""


def format_path(parts: Iterable[object]) -> str:
    """Render a path tuple such as ``("risks", 0, "impact")`` as ``risks[0].impact``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
