"""A plan of 10,000 phases gives a summarised, readable and small report."""

from __future__ import annotations

import base64
import io

import matplotlib.pyplot as plt
import pytest
from matplotlib.container import BarContainer
from PIL import Image

from simulator import load_scenario, simulate
from simulator.report import plot_gantt, plot_prob_by_deadline, plot_scurves_grid
from simulator.report.data import ReportData
from simulator.report.figures import MAX_BARS, MAX_GANTT_ROWS, MAX_PANELS, pictures
from simulator.report.html import MAX_HEADLINES, render_html
from simulator.report.plot_gantt import gantt_rows


def big_scenario(n_ini: int, per: int) -> str:
    """``n_ini`` initiatives of ``per`` chained phases, every tenth chain starting fresh."""
    lines = ["scenario: {name: big, version: '1', start: 2022-01-01, deadline: 2026-12-31, "
             "unit: months}", "initiatives:"]
    for i in range(n_ini):
        lines += [f"- id: i{i}", "  phases:"]
        for k in range(per):
            after = f", after: [i{i - 1}p{per // 2}]" if k == 0 and i % 10 else ""
            lines.append(f"  - {{id: i{i}p{k}, kind: utvikling, duration: "
                         f"{{dist: triangular, min: 1, mode: 2, max: 4}}{after}}}")
    lines += ["milestones:",
              "- {id: all, after: [" + ", ".join(f"i{i}" for i in range(0, n_ini, 10)) + "]}",
              "risks:",
              "- {id: r1, category: vendor, probability: 0.5, impact: {dist: uniform, min: 1.1, "
              "max: 1.5}, applies_to: {kinds: [utvikling]}}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def mid_data(tmp_path_factory):
    """60 initiatives of 10 phases: more rows than the Gantt draws, initiatives that fit."""
    path = tmp_path_factory.mktemp("mid") / "mid.yaml"
    path.write_text(big_scenario(60, 10), encoding="utf-8")
    return ReportData.from_result(simulate(load_scenario(path), 30, seed=1))


def test_gantt_summarises_by_initiative_when_they_fit(mid_data):
    rows, mode, lines = gantt_rows(mid_data.summary, max_rows=80)
    assert mode == "initiatives" and len(rows) == lines == 60
    ax = plot_gantt(mid_data, max_rows=80)
    try:
        assert len(ax.containers[0]) == 60
    finally:
        plt.close(ax.figure)


def test_gantt_keeps_the_most_critical_phases_when_initiatives_do_not_fit(mid_data):
    rows, mode, lines = gantt_rows(mid_data.summary, max_rows=40)
    assert mode == "critical" and lines <= 40
    phases = mid_data.summary[mid_data.summary["element"] == "phase"]
    cut = phases["criticality"].fillna(0).sort_values(ascending=False).iloc[len(rows) - 1]
    assert (rows["criticality"].fillna(0) >= cut).all()   # none left out that is more critical
    ax = plot_gantt(mid_data, max_rows=40)
    try:
        assert len(ax.containers[0]) == len(rows)
    finally:
        plt.close(ax.figure)


def test_scurves_and_deadline_bars_are_capped(mid_data):
    fig = plt.figure()
    try:
        assert len(plot_scurves_grid(mid_data, fig=fig, max_panels=24)) == 24
    finally:
        plt.close(fig)
    ax = plot_prob_by_deadline(mid_data, max_bars=40)
    try:
        (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == 40
        lowest = mid_data.summary.loc[mid_data.summary["element"] == "initiative", "prob_by_deadline"]
        assert max(b.get_width() for b in bars) <= sorted(lowest)[39]  # the 40 lowest
    finally:
        plt.close(ax.figure)


@pytest.mark.slow
def test_ten_thousand_phases_give_a_small_readable_report(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text(big_scenario(500, 20), encoding="utf-8")
    result = simulate(load_scenario(path), 20, seed=1)
    data = ReportData.from_result(result)
    figures = {p.key: p for p in pictures(data, "en")}
    for key, picture in figures.items():
        png = Image.open(io.BytesIO(base64.b64decode(picture.src.split(",", 1)[1])))
        width, height = png.size
        assert width <= 1100 and height <= 3000, (key, png.size)  # was 1056 x 230,534
    assert "10000 phases" in figures["gantt"].caption
    assert f"{MAX_PANELS} of 500" in figures["scurves"].caption
    assert f"{MAX_BARS} of 500" in figures["deadline"].caption
    html = render_html(data, lang="en")
    assert len(html.encode()) < 2_000_000                      # was 18 MB
    assert html.count('<span class="why">') == MAX_HEADLINES
    assert f"and {500 - MAX_HEADLINES} more initiatives" in html
    assert MAX_GANTT_ROWS <= 120
