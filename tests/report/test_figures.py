"""The report's PNGs: each figure is drawn once, and looks as matplotlib's own savefig draws it."""

from __future__ import annotations

import base64
import io

import matplotlib.figure
import pytest
from matplotlib.figure import Figure

from simulator.report import plot_finish_histogram, plot_scurves_grid, plot_tornado
from simulator.report.figures import DPI, _whole_figure, png_data_url


def _plain_savefig(draw, figsize, whole: bool) -> bytes:
    """The PNG as a constrained-layout Figure saves itself (which draws it twice)."""
    fig = Figure(figsize=figsize, layout="constrained")
    draw(fig) if whole else draw(fig.add_subplot())
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _draws(monkeypatch) -> list:
    calls = []
    real = matplotlib.figure.Figure.draw

    def counted(self, renderer):
        calls.append(self)
        return real(self, renderer)
    monkeypatch.setattr(matplotlib.figure.Figure, "draw", counted)
    return calls


@pytest.mark.parametrize("name", ["scurves", "histogram", "tornado"])
def test_a_figure_is_drawn_once_and_looks_as_savefig_draws_it(name, late_data, monkeypatch):
    draw, size, whole = {
        "scurves": (lambda fig: plot_scurves_grid(late_data, fig=fig), (11, 2.5), True),
        "histogram": (lambda ax: plot_finish_histogram(late_data, ax=ax), (9, 4), False),
        "tornado": (lambda ax: plot_tornado(late_data, ax=ax, lang="en"), (9, 3), False),
    }[name]
    expected = _plain_savefig(draw, size, whole)
    calls = _draws(monkeypatch)
    url = png_data_url(_whole_figure(draw) if whole else draw, size)
    assert len(calls) == 1                                  # laid out once, then drawn once
    assert base64.b64decode(url.split(",", 1)[1]) == expected   # the same pixels and bytes


def test_figures_drawn_by_forked_processes_are_the_same_bytes(roadmap_data):
    """Two processes draw the report's figures (the largest first) to the very bytes one
    process draws, each in its own place: every figure of the default scenario."""
    from simulator.parallel import can_fork
    from simulator.report.figures import pictures
    if not can_fork():
        pytest.skip("the figures are drawn in one process where it cannot fork")
    one, two = pictures(roadmap_data, "nb"), pictures(roadmap_data, "nb", workers=2)
    assert [p.key for p in one] == [p.key for p in two] and len(one) == 8
    for a, b in zip(one, two):
        assert a == b, a.key
    assert len({p.src for p in one}) == len(one)  # eight different pictures


def test_date_ticks_and_labels_follow_the_view_interval():
    """The date axis remembers its last ticks (matplotlib asks for them many times a
    drawing); a new interval must give matplotlib's own ticks and labels for it."""
    import matplotlib.dates as mdates
    import numpy as np

    from simulator.report._common import _DATE_FORMATS, date_axis
    fig = Figure()
    ax = fig.add_subplot()
    date_axis(ax.xaxis, "nb")
    ref_ax = Figure().add_subplot()
    ref = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ref_ax.xaxis.set_major_locator(ref)
    ref_fmt = mdates.ConciseDateFormatter(ref, **_DATE_FORMATS["nb"])
    spans = [("2022-01-01", "2031-01-01"), ("2024-03-01", "2024-05-01"), ("2022-01-01", "2031-01-01"),
             ("2025-01-01", "2026-07-01")]
    seen = set()
    for lo, hi in spans:
        lim = (mdates.datestr2num(lo), mdates.datestr2num(hi))
        ax.set_xlim(*lim)
        ref_ax.set_xlim(*lim)
        got, want = ax.xaxis.get_major_locator()(), ref()
        np.testing.assert_array_equal(got, want)
        assert ax.xaxis.get_major_formatter().format_ticks(got) == ref_fmt.format_ticks(want)
        seen.add(len(want))
    assert len(seen) > 1  # the intervals do ask for different ticks
