"""The HTML report: one self-contained file (inline CSS and images) rendered from ReportData."""

from __future__ import annotations

import json
import math
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from ..shares import exact_digits, points, share_text
from .data import ReportData
from .figures import pictures
from .prioritering import benefits_section, section
from .text import (
    PERIODS,
    category,
    check_lang,
    distribution,
    fmt_date,
    fmt_number,
    fmt_percent,
    headline,
    label,
    risk_kind,
    selector,
)

#: Where ``veikart run --out DIR`` puts the report.
REPORT_NAME = "report.html"
#: Headlines shown (lowest probability first); the table below lists every initiative.
MAX_HEADLINES = 30

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("simulator.report", "templates"),
    autoescape=True,  # every string from a scenario is text, never markup
    undefined=jinja2.StrictUndefined,
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)


def render_html(data: ReportData, *, lang: str = "nb", period: str = "quarter",
                top_risks: int = 5, prioritisation: dict | None = None, workers: int = 1) -> str:
    """Render the report as one HTML document that needs nothing else to open.

    Parameters
    ----------
    data : ReportData
    lang : {"nb", "en"}
        Norwegian bokmål (dd.mm.yyyy, decimal comma) or English (ISO dates).
    period : {"quarter", "tertial"}
        How percentile dates are summarised beside the exact date.
    top_risks : int
        Rows of the risk table.
    prioritisation : dict, optional
        A saved prioritisation (:func:`~simulator.report.prioritering.load_prioritisation`):
        adds the "Prioritering" section.
    workers : int
        Processes to draw the figures with (forked, where the platform can); the
        document does not depend on it.

    Returns
    -------
    str
    """
    check_lang(lang)
    if period not in PERIODS:
        raise ValueError(f"period must be one of {tuple(PERIODS)}, got {period!r}")
    context = _context(data, lang, period, top_risks, workers)
    context["prioritering"] = section(prioritisation, lang)
    context["nytte"] = benefits_section(data.meta.get("benefits"), lang)
    return _ENV.get_template("report.html").render(**context)


def write_report(data: ReportData, path: str | Path, *, lang: str = "nb",
                 period: str = "quarter", prioritisation: dict | None = None,
                 workers: int = 1) -> Path:
    """Render the report (:func:`render_html`) and write it atomically: ``path`` is whole
    or untouched.

    Returns
    -------
    Path
    """
    from ..output import atomic_path
    text = render_html(data, lang=lang, period=period,  # before the file is touched
                       prioritisation=prioritisation, workers=workers)
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _context(data: ReportData, lang: str, period: str, top_risks: int, workers: int = 1) -> dict:
    meta = data.meta
    summary = data.summary
    initiatives = summary[summary["element"] == "initiative"]
    target = meta["target"]
    target_row = summary.loc[target] if target in summary.index else None
    return {
        "lang": lang,
        "meta": meta,
        "title": meta["name"],
        "deadline": fmt_date(data.deadline, lang),
        "start": fmt_date(data.start, lang),
        "horizon": fmt_date(meta["horizon"], lang),
        "iterations": fmt_number(meta["iterations"], lang, 0),
        "ranked": (fmt_number(meta["ranked_iterations"], lang, 0)
                   if meta.get("ranked_iterations") and meta["ranked_iterations"] < meta["iterations"]
                   else None),
        "unit": meta["unit"],
        "target_name": meta["target_name"],
        "target_headline": None if target_row is None else _headline(data, target, lang, period),
        "headlines": [_headline(data, i, lang, period) | {"why": _why(data, i, lang)}
                      for i in _worst_first(initiatives)[:MAX_HEADLINES]],
        "more_headlines": max(0, len(initiatives) - MAX_HEADLINES),
        "percentiles": [f"P{p:g}" for p in meta["percentiles"]],
        "rows": [_row(data, i, lang, period) for i in initiatives.index],
        "target_rows": [] if target_row is None or target in initiatives.index
                       else [_row(data, target, lang, period)],
        "planned_rows": _planned_rows(data, lang),
        "risks": _risks(data, lang, top_risks),
        "drivers": _drivers(data, lang),
        "figures": pictures(data, lang, workers),
        "after_horizon": label(lang, "after_horizon"),
    }


def _median(data: ReportData, element: str):
    if "finish_date_p50" in data.summary.columns:
        return data.summary.at[element, "finish_date_p50"]
    day = data.finish_days(element).quantile(0.5)
    return np.datetime64("NaT", "D") if day is None else np.datetime64(data.start, "D") + day


def _headline(data: ReportData, element: str, lang: str, period: str) -> dict:
    """The headline sentence, split after the name so the page can set the name in bold."""
    row = data.summary.loc[element]
    name, prob = data.name(element), float(row["prob_by_deadline"])
    text = headline(name, prob, float(row["prob_by_deadline_lo"]), float(row["prob_by_deadline_hi"]),
                    data.deadline, _median(data, element), lang, period)
    level = "good" if prob >= 0.8 else "fair" if prob >= 0.5 else "poor"
    return {"name": name, "rest": text[len(name):], "text": text, "level": level}


def _worst_first(initiatives: pd.DataFrame) -> list[str]:
    """Initiatives by probability of finishing by the deadline, lowest (red) first; ties
    keep the scenario's order."""
    return list(initiatives["prob_by_deadline"].sort_values(kind="stable").index)


def _why(data: ReportData, element: str, lang: str) -> dict:
    """The initiative's own top drivers in words: each risk's P80 and P(by deadline) gain."""
    rows = data.why[data.why["target"] == element].sort_values("rank")
    items = []
    later, lower = (("senere", "lavere sannsynlighet for å nå fristen") if lang == "nb"
                    else ("later", "lower chance of meeting the deadline"))
    for row in rows.itertuples(index=False):
        text = f"P80 {_gain(row.p80_gain_days, lang)} {later}" if row.p80_gain_days > 0 else ""
        if row.prob_gain > 0:  # what the risk costs: the gain of removing it
            text += (", " if text else "") + f"{points(row.prob_gain, lang, sign=False)} {lower}"
        items.append({"id": str(row.id), "name": str(row.name), "gain": text or "P50"})
    return {"items": items,
            "none": ("ingen av risikoene flytter dette tiltaket" if lang == "nb"
                     else "none of the risks moves this initiative")}


def _row(data: ReportData, element: str, lang: str, period: str) -> dict:
    row = data.summary.loc[element]
    cells = []
    for p in data.meta["percentiles"]:
        d = row.get(f"finish_date_p{p:g}")
        late = d is None or pd.isna(d)
        cells.append({"date": fmt_date(d, lang), "period": "" if late else PERIODS[period](d, lang),
                      "late": late})
    prob, lo, hi = (float(row[k]) for k in ("prob_by_deadline", "prob_by_deadline_lo",
                                            "prob_by_deadline_hi"))
    share = share_text(prob, lo, hi, lang)  # the headline's rule: the same digits, never a contradiction
    return {"id": element, "name": data.name(element), "cells": cells,
            "prob": share.estimate, "ci": share.interval, "pm": share.uncertainty,
            "planned": fmt_date(row.get("planned_finish_date"), lang),
            "within": fmt_percent(float(row.get("prob_within_horizon", 1.0)), lang)}


def _planned_rows(data: ReportData, lang: str) -> list[dict]:
    """Rows of the section on the plan's own dates; none for data saved without them."""
    summary = data.summary
    if "prob_by_planned" not in summary.columns:
        return []
    months = data.unit_days / (365.25 / 12)
    out = []
    for element, row in summary[summary["prob_by_planned"].notna()].iterrows():
        slips = []
        for q in ("p50", "p85", "p90"):
            x = float(row[f"slip_{q}"]) * months
            slips.append(label(lang, "after_horizon") if math.isinf(x) else "–" if math.isnan(x)
                         else fmt_number(x, lang, 1))
        ratio, ref = float(row.get("ratio_p80", math.nan)), float(row.get("reference_p80", math.nan))
        out.append({"name": data.name(element), "date": fmt_date(row["planned_date"], lang),
                    "own": row["planned_from"] == "scenario",
                    "prob": fmt_percent(float(row["prob_by_planned"]), lang), "slips": slips,
                    "ratio": "–" if math.isnan(ratio) else label(lang, "after_horizon")
                    if math.isinf(ratio) else fmt_number(ratio, lang, 2),
                    "reference": "–" if math.isnan(ref) else fmt_number(ref, lang, 2),
                    "flag": float(row.get("optimistic", 0.0)) == 1.0})
    return out


def _gain(days: float, lang: str) -> str:
    if math.isnan(days):
        return "–"
    if math.isinf(days):
        return ("mer enn horisonten" if lang == "nb" else "beyond the horizon") if days > 0 else "–"
    months = days / (365.25 / 12)
    unit = "mnd." if lang == "nb" else "months"
    return f"{fmt_number(months, lang, 1)} {unit} ({fmt_number(days, lang, 0)} {label(lang, 'days')})"


def _risks(data: ReportData, lang: str, top: int) -> list[dict]:
    out = []
    for rid, row in data.risks.head(top).iterrows():
        unit_days = data.unit_days
        p80 = float(row.get("p80_gain_days", row["p80_gain"] * unit_days))
        p50 = float(row.get("p50_gain_days", row.get("p50_gain", math.nan) * unit_days))
        prob = float(row.get("prob_gain", math.nan))
        pp = points(prob, lang)
        out.append({"id": str(rid), "name": str(row.get("name", rid)),
                    "category": category(str(row.get("category", "")), lang),
                    "kind": risk_kind(str(row.get("kind", "")), lang),
                    "p80": _gain(p80, lang), "p50": _gain(p50, lang), "prob": pp})
    return out


def _drivers(data: ReportData, lang: str) -> list[dict]:
    out = []
    for row in data.drivers.itertuples(index=False):
        spec, applies = json.loads(row.distribution), json.loads(row.applies_to)
        prob = float(row.probability)
        out.append({"id": row.id, "name": row.name, "category": category(row.category, lang),
                    "kind": risk_kind(row.kind, lang),
                    "probability": "–" if math.isnan(prob) else fmt_percent(prob, lang, exact_digits(prob)),
                    "distribution": distribution(row.kind, spec, data.meta["unit"], lang),
                    "applies_to": selector(applies, lang), "mitigated": bool(row.mitigated)})
    return out
