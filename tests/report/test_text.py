"""Dates, periods, percentages and headlines in bokmål and English."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from simulator.report import text

NBSP = "\u00a0"


@pytest.mark.parametrize("lang, date, quarter, tertial", [
    ("nb", "31.12.2026", "4. kvartal 2026", "3. tertial 2026"),
    ("en", "2026-12-31", "Q4 2026", "T3 2026"),
])
def test_dates_and_periods(lang, date, quarter, tertial):
    d = dt.date(2026, 12, 31)
    assert text.fmt_date(d, lang) == date
    assert text.fmt_quarter(np.datetime64(d), lang) == quarter
    assert text.fmt_tertial(d, lang) == tertial
    assert text.fmt_tertial(dt.date(2027, 5, 1), lang).startswith("2." if lang == "nb" else "T2")


@pytest.mark.parametrize("missing", [None, np.datetime64("NaT"), float("nan")])
def test_after_the_horizon_is_words(missing):
    assert text.fmt_date(missing, "nb") == "etter horisonten"
    assert text.fmt_quarter(missing, "en") == "after the horizon"


def test_numbers():
    assert text.fmt_percent(0.234, "nb") == f"23,4{NBSP}%"
    assert text.fmt_percent(0.234, "en") == "23.4%"
    assert text.fmt_percent(0.9961, "nb") == f"99,6{NBSP}%"
    assert text.fmt_percent(0.004, "en") == "0.4%"
    assert text.fmt_percent(1.0, "en") == "100.0%"
    assert text.fmt_percent(0.5, "nb", 1) == f"50,0{NBSP}%"
    assert text.fmt_number(12345.678, "nb", 1) == f"12{NBSP}345,7"
    assert text.fmt_number(12345.678, "en", 1) == "12,345.7"
    assert text.fmt_points(0.013, "nb") == "±1,3 prosentpoeng"


def test_headline_reads_as_the_brief_asks():
    nb = text.headline("Pasientens legemiddelliste", 0.23, 0.217, 0.243, dt.date(2026, 12, 31),
                       np.datetime64("2027-08-15"), "nb")
    assert nb == (f"Pasientens legemiddelliste: 23,0{NBSP}% sannsynlighet for ferdig innen 31.12.2026 "
                  "(±1,3 prosentpoeng); median 3. kvartal 2027")
    en = text.headline("PLL", 0.23, 0.217, 0.243, "2026-12-31", None, "en")
    assert en == ("PLL: 23.0% probability of finishing by 2026-12-31 (±1.3 percentage points); "
                  "median after the horizon")
    assert "2. tertial 2027" in text.headline("X", 0.5, 0.4, 0.6, "2026-12-31", "2027-06-01", "nb",
                                              period="tertial")


def test_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        text.fmt_date(dt.date(2026, 1, 1), "de")


def test_risks_in_words():
    pert = {"dist": "pert", "min": 1.0, "mode": 1.15, "max": 1.8, "lambda": 4}
    assert text.distribution("impact", pert, "months", "nb") == "pert (min 1, mest sannsynlig 1,15, maks 1,8)"
    assert text.distribution("delay", {"dist": "uniform", "min": 2, "max": 6}, "months", "en") == \
        "uniform (min 2, max 6) months"
    funding = {"yearly": "12-15", "first": 2022, "grant_probability": 0.5}
    assert text.distribution("funding", funding, "months", "nb") == \
        f"årlig budsjettvedtak 15.12. fra 2022; innvilges med 50{NBSP}%"
    listed = {"dates": ["2023-06-01", "2024-06-01"], "grant_probability": [0.5, 0.8]}
    assert text.distribution("funding", listed, "months", "en") == \
        "budget decisions 2023-06-01, 2024-06-01; granted with 50% / 80%"
    assert text.selector({"kinds": ["tilpasning"], "tags": []}, "nb") == "fasetyper: tilpasning"


def test_lopsided_interval_shows_both_ends():
    nb = text.headline("X", 0.0, 0.0, 0.00038, "2026-12-31", "2029-11-01", "nb")
    assert "(95\u00a0%-intervall 0,00–0,04\u00a0%)" in nb and "±" not in nb
    en = text.headline("X", 0.997, 0.9940, 0.9978, "2026-12-31", "2024-03-01", "en")
    assert "95% interval 99.4–99.8%" in en
    assert "±1,3 prosentpoeng" in text.headline("X", 0.23, 0.217, 0.243, "2026-12-31", None, "nb")


def test_near_certain_shares_never_round_to_certainty():
    assert text.fmt_percent(0.9996, "nb") == "99,96\u00a0%"
    assert text.fmt_percent(0.0004, "en") == "0.04%"
    assert text.fmt_percent(1.0, "en") == "100.0%" and text.fmt_percent(0.0, "en") == "0.0%"
