"""The HTML report: self-contained, escaped, in both languages, written atomically, reproducible."""

from __future__ import annotations

import re

import pytest

from simulator.report import ReportData, render_html, write_report
from simulator.report import html as html_module

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def nb_html(tiny_data) -> str:
    return render_html(tiny_data)


@pytest.fixture(scope="module")
def en_html(tiny_data) -> str:
    return render_html(tiny_data, lang="en")


def assert_self_contained(page: str) -> None:
    """Nothing in the page can make the browser fetch anything."""
    lower = page.lower()
    assert "http://" not in lower and "https://" not in lower
    assert "<link" not in lower and "<script" not in lower and "@import" not in lower
    assert "url(" not in lower  # CSS could fetch a font or an image
    assert not re.search(r"""(src|href)\s*=\s*["']?//""", lower)
    for attr, value in re.findall(r"""\b(src|href|srcset|poster|action)\s*=\s*"([^"]*)\"""", page):
        if attr == "href":
            assert value.startswith("#"), value  # in-page links only
        else:
            assert value.startswith("data:image/png;base64,"), value[:40]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_self_contained(tiny_data, lang):
    page = render_html(tiny_data, lang=lang)
    assert_self_contained(page)
    assert page.count("<img ") == 6
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_bokmal(nb_html, tiny_data):
    assert '<html lang="nb">' in nb_html
    assert "sannsynlighet for ferdig innen 31.12.2026" in nb_html
    assert re.search(r"median \d\. kvartal 20\d\d", nb_html)
    assert re.search(r"±\d+,\d prosentpoeng", nb_html)
    assert "Hulett" in nb_html and "felles tilfeldige tall" in nb_html
    assert "2026-12-31" not in nb_html.split("<footer>")[0].split("</style>")[1]


def test_english(en_html):
    assert '<html lang="en">' in en_html
    assert "probability of finishing by 2026-12-31" in en_html
    assert re.search(r"median Q\d 20\d\d", en_html)
    assert "kvartal" not in en_html and "sannsynlighet" not in en_html
    assert "common random numbers" in en_html


def test_headlines_table_risks_assumptions(nb_html, tiny_data):
    for name in ("Sentral forskrivingsmodul", "Pasientens legemiddelliste"):
        assert f"<strong>{name}</strong>:" in nb_html
    for p in ("P10", "P50", "P80", "P90"):
        assert f"<th class=\"num\">{p}</th>" in nb_html
    assert "vendor-integration" in nb_html and "late-sfm-release" in nb_html  # top risks and drivers
    assert "P80-gevinst" in nb_html and "mnd." in nb_html
    assert f"<code>{tiny_data.meta['seed']}</code>" in nb_html
    assert "nei, risikoenes egne verdier er brukt" in nb_html
    assert "triangular (min 1,1, mest sannsynlig 1,3, maks 1,8)" in nb_html
    assert f"60{NBSP}%" in nb_html  # the vendor driver's probability


def test_tertial(tiny_data):
    assert "tertial" in render_html(tiny_data, period="tertial")
    with pytest.raises(ValueError, match="period"):
        render_html(tiny_data, period="month")
    with pytest.raises(ValueError, match="lang"):
        render_html(tiny_data, lang="sv")


def test_after_the_horizon_is_words_never_numbers(late_data):
    page = render_html(late_data, lang="en")
    assert "after the horizon" in page and "beyond the horizon" in page
    body = re.sub(r"<img [^>]*>", "", page.split("<body>")[1])
    for token in ("inf", "Inf", "nan", "NaN", "NaT", "None"):
        assert not re.search(rf"\b{token}\b", body), token


def test_scenario_text_is_escaped(evil_result):
    page = render_html(ReportData.from_result(evil_result), lang="en")
    assert_self_contained(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;PLL &amp; co" in page
    assert "&lt;/td&gt;&lt;script&gt;alert(3)&lt;/script&gt;" in page
    assert "<script" not in page.lower() and "<img src=x" not in page


def test_same_data_same_bytes(tiny_data, nb_html):
    assert render_html(tiny_data) == nb_html


def test_write_is_atomic(tiny_data, tmp_path, monkeypatch):
    target = tmp_path / "out" / "report.html"
    assert write_report(tiny_data, target) == target
    good = target.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("a figure failed")
    monkeypatch.setattr(html_module, "pictures", broken)
    with pytest.raises(RuntimeError):
        write_report(tiny_data, target)
    assert target.read_bytes() == good  # the old report is untouched
    fresh = tmp_path / "fresh" / "report.html"
    with pytest.raises(RuntimeError):
        write_report(tiny_data, fresh)
    assert not fresh.exists()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html"]


def test_write_failing_midway_leaves_no_file(tiny_data, tmp_path, monkeypatch):
    from pathlib import Path
    real = Path.write_text

    def half(self, text, *args, **kwargs):
        real(self, text[:100], *args, **kwargs)
        raise OSError("disk full")
    monkeypatch.setattr(Path, "write_text", half)
    with pytest.raises(OSError):
        write_report(tiny_data, tmp_path / "report.html")
    assert list(tmp_path.iterdir()) == []
