"""One rule for shares and intervals: the terminal, the headline and the table never disagree."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from texts import chain, phase

from simulator import simulate
from simulator.analysis.stats import proportion
from simulator.shares import exact_digits, percent, points, share_digits, share_text

NBSP = "\u00a0"


@pytest.mark.parametrize("p, lo, hi, lang, estimate, interval, uncertainty", [
    # certain at 10,000 iterations: the lopsided interval needs two decimals, and so the estimate
    (1.0, 0.99962, 1.0, "nb", f"100,00{NBSP}%", f"99,96–100,00{NBSP}%", f"95{NBSP}%-intervall 99,96–100,00{NBSP}%"),
    (0.0, 0.0, 0.00038, "en", "0.00%", "0.00–0.04%", "95% interval 0.00–0.04%"),
    (0.23, 0.217, 0.243, "nb", f"23,0{NBSP}%", f"21,7–24,3{NBSP}%", "±1,3 prosentpoeng"),
    (0.23, 0.217, 0.243, "en", "23.0%", "21.7–24.3%", "±1.3 percentage points"),
    # a tight symmetric interval: the ± is never written as 0
    (0.5, 0.4996, 0.5004, "en", "50.00%", "49.96–50.04%", "±0.04 percentage points"),
    # a Wilson end a rounding error below 1 is not a difference worth four decimals
    (1.0, 0.998083, 1 - 1e-16, "en", "100.0%", "99.8–100.0%", "95% interval 99.8–100.0%"),
])
def test_edge_cases(p, lo, hi, lang, estimate, interval, uncertainty):
    s = share_text(p, lo, hi, lang)
    assert (s.estimate, s.interval, s.uncertainty) == (estimate, interval, uncertainty)
    assert [_numbers(s.low)[0], _numbers(s.high)[0]] == _numbers(s.interval)


def test_single_shares_and_differences():
    assert percent(0.9996, "nb") == f"99,96{NBSP}%"
    assert percent(0.00004, "en") == "0.004%"
    assert percent(1.0, "en") == "100.0%" and percent(0.0, "en") == "0.0%"
    assert percent(float("nan"), "en") == "–"
    assert points(0.031, "nb") == "+3,1 prosentpoeng"
    assert points(-0.0002, "en") == "−0.02 percentage points"
    assert points(0.0, "nb") == "0,0 prosentpoeng"      # no sign on zero, never "+0,0"
    assert points(-1e-18, "en") == "0.0 percentage points"
    assert exact_digits(0.6) == 0 and exact_digits(0.125) == 1 and exact_digits(0.3333) == 2


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", ".")) for x in re.findall(r"\d+(?:[.,]\d+)?", text)]


@settings(max_examples=300, deadline=None)
@given(n=st.integers(2, 1_000_000), frac=st.floats(0, 1), lang=st.sampled_from(["nb", "en"]))
def test_shown_numbers_never_contradict(n, frac, lang):
    k = int(round(frac * n))
    p, lo, hi = proportion(np.array([k]), n)[0]
    s = share_text(p, lo, hi, lang)
    est, = _numbers(s.estimate)
    a, b = _numbers(s.interval)
    assert a <= est <= b
    if hi - lo > 1e-6:                       # different ends never read the same
        assert a < b
    if 0 < k < n:                            # neither 0 % nor 100 % unless it is
        assert 0 < est < 100
    assert est == _numbers(percent(p, lang, s.digits))[0]
    if "±" in s.uncertainty:
        assert _numbers(s.uncertainty)[0] > 0
    assert share_digits(lo, p, hi) <= s.digits


def test_terminal_headline_and_table_agree(build, tmp_path):
    from simulator.commands import summary_table
    from simulator.report.data import ReportData
    from simulator.report.html import render_html
    fixed = {"dist": "fixed", "value": 30}
    sc = build({"initiatives": [chain("sure", phase("a", fixed)),
                                chain("coin", phase("b", {"dist": "uniform", "min": 1000, "max": 2800}))]})
    res = simulate(sc, 10_000, seed=3)
    terminal = summary_table(res)
    line = next(x for x in terminal.splitlines() if x.startswith("sure"))
    assert "100.00%" in line and "99.96–100.00%" in line
    html = render_html(ReportData.from_result(res), lang="nb")
    assert f"100,00{NBSP}%" in html and f"99,96–100,00{NBSP}%" in html
    assert f"100,0{NBSP}%–100,0{NBSP}%" not in html and "±0,0" not in html
    row = res.summary().loc["coin"]
    s = share_text(row["prob_by_deadline"], row["prob_by_deadline_lo"], row["prob_by_deadline_hi"], "nb")
    assert s.estimate in html and s.uncertainty in html and s.interval in html
    en = share_text(row["prob_by_deadline"], row["prob_by_deadline_lo"], row["prob_by_deadline_hi"], "en")
    coin = next(x for x in terminal.splitlines() if x.startswith("coin"))
    assert en.estimate in coin and en.interval in coin


def test_a_signed_gain_uses_the_minus_sign_of_points_and_no_sign_at_zero():
    from simulator.shares import points, signed
    assert signed(1.25, "en", 1) == "+1.2" or signed(1.25, "en", 1) == "+1.3"
    assert signed(-5.7, "en", 1) == "\u22125.7"
    assert signed(-0.04, "en", 1) == "0.0" and signed(0.0, "en", 0) == "0"
    assert signed(-1234.5, "nb", 1) == "\u22121\u00a0234,5"
    # the same mark as a gain in percentage points on the same line
    assert points(-0.026, "en").startswith("\u2212") and signed(-2.6, "en", 1).startswith("\u2212")
