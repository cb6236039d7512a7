"""One rule for printing shares (probabilities) and their intervals as percentages, everywhere.

The terminal, the report's headlines and its table all print a probability, its
95 % interval and its ± through :func:`share_text`, so they can never contradict
each other: the estimate and both ends use the same number of decimals, and that
number is one, or more where one would hide something: a share strictly between
0 and 1 that would read 0 % or 100 %, interval ends that differ but would read
the same, or a ± or a gain that is not zero but would read 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Decimals of a percentage unless more are needed.
BASE_DIGITS = 1
#: Never more decimals than this: a difference below 0.0001 percentage points is noise.
MAX_DIGITS = 4

_WORDS = {"nb": {"points": "prosentpoeng", "interval": "95\u00a0%-intervall"},
          "en": {"points": "percentage points", "interval": "95% interval"}}


#: Shares closer than this count as equal: interval ends computed in floating point (a
#: Wilson bound of 1 - 1e-16) are not a difference worth more decimals.
_EPS = 1e-9


def _hides(values: list[float], d: int) -> bool:
    """Whether ``d`` decimals of these shares' percentages would hide a difference."""
    shown = [round(100 * v, d) for v in values]
    if any(_EPS < v < 1 - _EPS and s in (0, 100) for v, s in zip(values, shown)):
        return True
    return any(abs(a - b) > _EPS and sa == sb
               for a, b, sa, sb in zip(values, values[1:], shown, shown[1:]))


def share_digits(*values: float, differences: tuple[float, ...] = ()) -> int:
    """Decimals for percentages of ``values`` (shares, sorted) and ``differences``.

    Parameters
    ----------
    *values : float
        Shares in [0, 1], in increasing order (e.g. low end, estimate, high end).
    differences : tuple of float
        Differences of shares (a ±, a gain): a nonzero one never reads 0.

    Returns
    -------
    int
        ``BASE_DIGITS``, or more (up to ``MAX_DIGITS``) where fewer would show a
        share strictly between 0 and 1 as 0 % or 100 %, two different values
        as equal, or a nonzero difference as 0.
    """
    finite = [float(v) for v in values if math.isfinite(v)]
    diffs = [abs(float(x)) for x in differences if math.isfinite(x)]
    d = BASE_DIGITS
    while d < MAX_DIGITS and (_hides(finite, d) or any(x > _EPS and round(100 * x, d) == 0 for x in diffs)):
        d += 1
    return d


def exact_digits(p: float) -> int:
    """Decimals that show an *input* share (a parameter of the scenario, not an estimate)
    as written: 0.6 is ``60 %``, 0.125 is ``12.5 %``."""
    d = 0
    while d < MAX_DIGITS and abs(round(100 * p, d) - 100 * p) > 1e-9:
        d += 1
    return d


def number(x: float, lang: str, digits: int) -> str:
    """A number with ``digits`` decimals, thousands separated, in the language's marks."""
    text = f"{x:,.{digits}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    if lang == "nb":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def signed(x: float, lang: str, digits: int) -> str:
    """A gain with its sign as :func:`points` writes one: ``+1.2``, ``−1.2`` (a minus sign),
    and ``0.0`` with no sign when it rounds to zero."""
    text = number(abs(x), lang, digits)
    if float(text.replace(",", ".").replace("\u00a0", "")) == 0:
        return text
    return ("+" if x > 0 else "\u2212") + text


def percent(p: float, lang: str, digits: int | None = None) -> str:
    """A share as a percentage: ``23,4 %`` (nb) or ``23.4%`` (en); ``–`` when not a number."""
    if not math.isfinite(p):
        return "–"
    d = share_digits(p) if digits is None else digits
    return f"{number(100 * p, lang, d)}\u00a0%" if lang == "nb" else f"{number(100 * p, lang, d)}%"


def points(x: float, lang: str, *, sign: bool = True, digits: int | None = None) -> str:
    """A difference of shares in percentage points: ``+3,1 prosentpoeng``; 0 without a sign."""
    if not math.isfinite(x):
        return "–"
    d = share_digits(differences=(x,)) if digits is None else digits
    text = number(abs(100 * x), lang, d)
    mark = "" if not sign or float(text.replace(",", ".").replace("\u00a0", "")) == 0 else (
        "+" if x > 0 else "−")
    return f"{mark}{text} {_WORDS[lang]['points']}"


@dataclass(frozen=True)
class ShareText:
    """A probability and its 95 % interval, printed with one number of decimals."""

    estimate: str      # "23,0 %"
    low: str           # "21,7 %"
    high: str          # "24,3 %"
    interval: str      # "21,7–24,3 %"
    uncertainty: str   # "±1,3 prosentpoeng" when about symmetric, else "95 %-intervall 21,7–24,3 %"
    digits: int


def share_text(p: float, lo: float, hi: float, lang: str = "en") -> ShareText:
    """Print a probability with its interval by the one rule of this module.

    Parameters
    ----------
    p, lo, hi : float
        The estimate and its interval's ends, ``lo <= p <= hi``.
    lang : {"nb", "en"}

    Returns
    -------
    ShareText
        The ``±`` form is used when the interval is about symmetric; near 0 %
        and 100 % it is lopsided (0 of 10,000 gives 0 to 0.04 %) and both ends
        are shown instead, since a ``±`` would understate one side.

    Examples
    --------
    >>> share_text(1.0, 0.9996, 1.0).interval
    '99.96–100.00%'
    >>> share_text(0.23, 0.217, 0.243, "en").uncertainty
    '±1.3 percentage points'
    """
    half = (hi - lo) / 2
    below, above = p - lo, hi - p
    symmetric = 2 * min(below, above) >= max(below, above)
    d = share_digits(lo, p, hi, differences=(half,) if symmetric else ())
    a, b = number(100 * lo, lang, d), number(100 * hi, lang, d)
    sep = "\u00a0%" if lang == "nb" else "%"
    interval = f"{a}–{b}{sep}"
    uncertainty = (f"±{number(100 * half, lang, d)} {_WORDS[lang]['points']}" if symmetric
                   else f"{_WORDS[lang]['interval']} {interval}")
    return ShareText(percent(p, lang, d), percent(lo, lang, d), percent(hi, lang, d), interval,
                     uncertainty, d)
