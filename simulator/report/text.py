"""Words and number formats of the report in Norwegian bokmål (``nb``) and English (``en``)."""

from __future__ import annotations

import pandas as pd

from .. import shares

LANGS = ("nb", "en")

#: Labels shared by the plots and the HTML report; one table per language.
LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "after_horizon": "etter horisonten",
        "deadline": "frist",
        "finish_date": "Ferdigdato",
        "share_finished": "Andel iterasjoner ferdig",
        "iterations": "Iterasjoner",
        "prob_by_deadline": "Sannsynlighet for ferdig innen {deadline}",
        "planned": "Plan (mest sannsynlig)",
        "p10_p90": "P10–P90",
        "median": "P50 (median)",
        "p80": "P80",
        "p80_gain": "P80 tidligere uten risikoen ({unit})",
        "criticality": "Kritikalitet",
        "ssi": "Sensitivitet (SSI)",
        "share": "Andel",
        "months": "måneder",
        "days": "dager",
        "not_reached": "{share} etter horisonten",
        "beyond_axis": "{share} senere enn aksen viser",
    },
    "en": {
        "after_horizon": "after the horizon",
        "deadline": "deadline",
        "finish_date": "Finish date",
        "share_finished": "Share of iterations finished",
        "iterations": "Iterations",
        "prob_by_deadline": "Probability of finishing by {deadline}",
        "planned": "Plan (most likely)",
        "p10_p90": "P10–P90",
        "median": "P50 (median)",
        "p80": "P80",
        "p80_gain": "P80 earlier without the risk ({unit})",
        "criticality": "Criticality",
        "ssi": "Sensitivity (SSI)",
        "share": "Share",
        "months": "months",
        "days": "days",
        "not_reached": "{share} after the horizon",
        "beyond_axis": "{share} later than the axis shows",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is a report language; raise ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    return lang


def label(lang: str, key: str, **fields: object) -> str:
    """A label in ``lang``, with ``fields`` filled in."""
    return LABELS[check_lang(lang)][key].format(**fields)


def _missing(d: object) -> bool:
    return d is None or bool(pd.isna(d))


def fmt_date(d: object, lang: str) -> str:
    """A date as ``dd.mm.yyyy`` (nb) or ISO (en); a missing date is after the horizon."""
    if _missing(d):
        return label(lang, "after_horizon")
    ts = pd.Timestamp(d)
    return ts.strftime("%d.%m.%Y") if check_lang(lang) == "nb" else ts.date().isoformat()


def fmt_quarter(d: object, lang: str) -> str:
    """The quarter a date falls in: ``3. kvartal 2027`` or ``Q3 2027``."""
    if _missing(d):
        return label(lang, "after_horizon")
    ts = pd.Timestamp(d)
    return f"{ts.quarter}. kvartal {ts.year}" if check_lang(lang) == "nb" else f"Q{ts.quarter} {ts.year}"


def fmt_tertial(d: object, lang: str) -> str:
    """The tertial (four-month period) a date falls in: ``2. tertial 2027`` or ``T2 2027``."""
    if _missing(d):
        return label(lang, "after_horizon")
    ts = pd.Timestamp(d)
    k = (ts.month - 1) // 4 + 1
    return f"{k}. tertial {ts.year}" if check_lang(lang) == "nb" else f"T{k} {ts.year}"


PERIODS = {"quarter": fmt_quarter, "tertial": fmt_tertial}


def fmt_number(x: float, lang: str, digits: int = 1) -> str:
    """A number with ``digits`` decimals and the language's decimal mark."""
    return shares.number(x, check_lang(lang), digits)


def fmt_percent(p: float, lang: str, digits: int | None = None) -> str:
    """A share as a percentage, by the rule of :mod:`simulator.shares` (one decimal, more
    where one would read 0 % or 100 %) unless ``digits`` is given (axis ticks: 0)."""
    return shares.percent(p, check_lang(lang), digits)


def fmt_points(half_width: float, lang: str) -> str:
    """The ± of a probability, in percentage points (never ``±0`` when it is not zero)."""
    return "±" + shares.points(half_width, check_lang(lang), sign=False)


def fmt_uncertainty(prob: float, lo: float, hi: float, lang: str) -> str:
    """The 95 % interval of a probability: ``±`` when it is about symmetric, else both ends
    (see :func:`simulator.shares.share_text`)."""
    return shares.share_text(prob, lo, hi, check_lang(lang)).uncertainty


def headline(name: str, prob: float, lo: float, hi: float, deadline: object,
             median: object, lang: str, period: str = "quarter") -> str:
    r"""One plain sentence about an initiative: its chance by the deadline and its median.

    Examples
    --------
    >>> headline("PLL", 0.23, 0.217, 0.243, "2026-12-31", "2027-08-01", "nb")
    'PLL: 23,0\xa0% sannsynlighet for ferdig innen 31.12.2026 (±1,3 prosentpoeng); median 3. kvartal 2027'
    """
    when = PERIODS[period](median, lang)
    share = shares.share_text(prob, lo, hi, check_lang(lang))
    pct, pm = share.estimate, share.uncertainty
    if lang == "nb":
        return (f"{name}: {pct} sannsynlighet for ferdig innen {fmt_date(deadline, lang)} "
                f"({pm}); median {when}")
    return f"{name}: {pct} probability of finishing by {fmt_date(deadline, lang)} ({pm}); median {when}"


# --- the assumptions: risks in words -------------------------------------------------

_CATEGORY = {"nb": {"financing": "finansiering", "vendor": "leverandør", "dependency": "avhengighet",
                    "other": "annet"},
             "en": {"financing": "financing", "vendor": "vendor", "dependency": "dependency",
                    "other": "other"}}
_KIND = {"nb": {"impact": "forlenger varigheten (faktor)", "delay": "legger til tid",
                "funding": "finansieringsport"},
         "en": {"impact": "stretches durations (factor)", "delay": "adds time",
                "funding": "funding gate"}}
_PARAM = {"nb": {"min": "min", "mode": "mest sannsynlig", "max": "maks", "value": "verdi",
                 "mean": "snitt", "sd": "standardavvik", "p50": "P50", "p90": "P90",
                 "lambda": "lambda"},
          "en": {"min": "min", "mode": "mode", "max": "max", "value": "value", "mean": "mean",
                 "sd": "sd", "p50": "P50", "p90": "P90", "lambda": "lambda"}}
_SELECTOR = {"nb": {"ids": "id-er", "kinds": "fasetyper", "initiatives": "tiltak", "tags": "merker"},
             "en": {"ids": "ids", "kinds": "phase kinds", "initiatives": "initiatives", "tags": "tags"}}
_UNIT = {"nb": {"days": "dager", "weeks": "uker", "months": "måneder"},
         "en": {"days": "days", "weeks": "weeks", "months": "months"}}


def fmt_value(x: float, lang: str) -> str:
    """A parameter value as short as it goes (``1,15``, ``4``)."""
    text = f"{x:g}"
    return text.replace(".", ",") if check_lang(lang) == "nb" else text


def category(name: str, lang: str) -> str:
    """A risk category in words."""
    return _CATEGORY[check_lang(lang)].get(name, name)


def risk_kind(kind: str, lang: str) -> str:
    """What a risk does, in words."""
    return _KIND[check_lang(lang)].get(kind, kind)


def distribution(kind: str, spec: dict, unit: str, lang: str) -> str:
    """A risk's distribution (or funding decisions) in words.

    Parameters
    ----------
    kind : {"impact", "delay", "funding"}
    spec : dict
        The ``distribution`` JSON of :func:`simulator.report.data.drivers_table`.
    unit : str
        The scenario unit, for delays.
    lang : {"nb", "en"}
    """
    if kind == "funding":
        return _funding(spec, lang)
    spec = dict(spec)
    name = spec.pop("dist", "?")
    if name == "pert" and spec.get("lambda") == 4:
        spec.pop("lambda")
    words = _PARAM[check_lang(lang)]
    params = ", ".join(f"{words.get(k, k)} {fmt_value(v, lang)}" for k, v in spec.items()
                       if isinstance(v, (int, float)))
    text = f"{name} ({params})"
    if kind == "delay":
        text += f" {_UNIT[lang].get(unit, unit)}"
    return text


def _funding(spec: dict, lang: str) -> str:
    grant = spec.get("grant_probability")
    grants = grant if isinstance(grant, (list, tuple)) else [grant]
    chance = " / ".join(fmt_percent(float(g), lang, shares.exact_digits(float(g)))
                        for g in grants if g is not None)
    if spec.get("yearly"):
        month, day = spec["yearly"].split("-")
        first = spec.get("first")
        if lang == "nb":
            when = f"årlig budsjettvedtak {day}.{month}." + (f" fra {first}" if first else "")
        else:
            when = f"yearly budget decision on {spec['yearly']}" + (f" from {first}" if first else "")
    else:
        dates = [fmt_date(d, lang) for d in spec.get("dates", [])]
        when = ("budsjettvedtak " if lang == "nb" else "budget decisions ") + ", ".join(dates)
    return f"{when}; " + (f"innvilges med {chance}" if lang == "nb" else f"granted with {chance}")


def selector(spec: dict, lang: str) -> str:
    """An ``applies_to`` selector in words: ``fasetyper: tilpasning``."""
    words = _SELECTOR[check_lang(lang)]
    return "; ".join(f"{words.get(k, k)}: {', '.join(map(str, v))}" for k, v in spec.items() if v)
