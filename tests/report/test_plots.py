"""Each plot on Agg: the artists it promises, date axes, after-horizon values never drawn."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

from simulator.report import (
    plot_criticality,
    plot_finish_histogram,
    plot_gantt,
    plot_prob_by_deadline,
    plot_scurves,
    plot_tornado,
)


@pytest.fixture(params=["result", "data"])
def source(request, tiny_result, tiny_data):
    """Every plot takes a Result or the ReportData built from it."""
    return tiny_result if request.param == "result" else tiny_data


def _is_date_axis(axis) -> bool:
    return (isinstance(axis.get_major_locator(), mdates.DateLocator)
            and isinstance(axis.get_major_formatter(), mdates.ConciseDateFormatter))


def _gid(ax: Axes, gid: str) -> list:
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def _n(data, element: str) -> int:
    return int((data.summary["element"] == element).sum())


def test_scurves_one_ecdf_per_initiative(source, tiny_data):
    ax = plot_scurves(source)
    try:
        assert isinstance(ax, Axes)
        assert len(_gid(ax, "ecdf")) == _n(tiny_data, "initiative") == 2
        assert len(_gid(ax, "deadline")) == 1
        assert len(_gid(ax, "p50")) == 2 and len(_gid(ax, "p80")) == 2
        assert _is_date_axis(ax.xaxis)
        for line in _gid(ax, "ecdf"):
            y = np.asarray(line.get_ydata(), dtype=float)
            assert np.all(np.diff(y) >= 0) and y[-1] == pytest.approx(1.0)
    finally:
        plt.close(ax.figure)


def test_scurve_stops_below_one_when_some_finish_after_the_horizon(late_data):
    ax = plot_scurves(late_data, lang="en")
    try:
        late = late_data.summary.at["b", "prob_within_horizon"]
        assert 0.05 < late < 0.95
        b = [line for line in _gid(ax, "ecdf") if line.get_label().startswith("Maybe never funded")]
        assert len(b) == 1
        y = np.asarray(b[0].get_ydata(), dtype=float)
        assert y.max() == pytest.approx(late)
        x = np.asarray(b[0].get_xdata())
        assert x.dtype.kind == "M" and not np.isnat(x).any()  # dates, never an inf or a NaT
        assert "after the horizon" in b[0].get_label()
        assert len(_gid(ax, "p80")) == 1  # b's P80 is after the horizon, so only a's is drawn
    finally:
        plt.close(ax.figure)


def test_histogram_of_the_target(source, tiny_data):
    ax = plot_finish_histogram(source, bins=25)
    try:
        assert 20 <= len(ax.patches) <= 25  # whole days: as many as fit (test_histogram_days.py)
        n = tiny_data.meta["iterations"]
        counted = sum(p.get_height() for p in ax.patches)
        # the bins stop at the 99.5th percentile; the few later draws are named in a note
        assert n - int(0.005 * n) <= counted <= n
        if counted < n:
            assert any("senere enn aksen viser" in t.get_text() for t in ax.get_legend().get_texts())
        assert len(_gid(ax, "deadline")) == 1 and len(_gid(ax, "p50")) == 1
        assert _is_date_axis(ax.xaxis)
        assert ax.get_title() == "done"
    finally:
        plt.close(ax.figure)


def test_histogram_leaves_out_what_is_after_the_horizon(late_data):
    ax = plot_finish_histogram(late_data, target="b", lang="nb")
    try:
        counted = sum(p.get_height() for p in ax.patches)
        within = round(late_data.summary.at["b", "prob_within_horizon"] * 2000)
        assert within - int(0.005 * within) - 1 <= counted <= within
        assert any("etter horisonten" in t.get_text() for t in ax.get_legend().get_texts())
        assert all(np.isfinite(p.get_x()) for p in ax.patches)
    finally:
        plt.close(ax.figure)


def test_gantt_one_bar_per_phase(source, tiny_data):
    ax = plot_gantt(source)
    try:
        phases = _n(tiny_data, "phase")
        assert phases == 4
        assert len(ax.containers) == 1 and len(ax.containers[0]) == phases
        assert len(_gid(ax, "p50")[0].get_xdata()) == phases
        assert len(_gid(ax, "planned")[0].get_xdata()) == phases
        lo, hi = ax.get_xlim()
        for gid in ("p50", "planned"):  # nothing is cut off at either edge
            x = np.asarray(_gid(ax, gid)[0].get_xdata(), dtype=float)
            assert lo <= x.min() and x.max() <= hi
        assert _is_date_axis(ax.xaxis)
        # each initiative's name (bold) heads its phases
        assert [t.get_text() for t in ax.get_yticklabels()] == [
            "Sentral forskrivingsmodul", "sfm-utvikling", "sfm-utproving",
            "Pasientens legemiddelliste", "pll-utproving", "pll-innforing"]
        assert [t.get_fontweight() for t in ax.get_yticklabels()][::3] == ["bold", "bold"]
        assert ax.xaxis.get_tick_params(which="major")["labeltop"]  # dates on top too
    finally:
        plt.close(ax.figure)


def test_gantt_open_window_after_the_horizon(late_data):
    ax = plot_gantt(late_data, initiatives=["b"])
    try:
        bars = ax.containers[0]
        assert len(bars) == 2
        assert bars[1].get_hatch() == "///"  # b-innforing's P90 is after the horizon
        assert all(np.isfinite(b.get_width()) for b in bars)
    finally:
        plt.close(ax.figure)
    with pytest.raises(KeyError, match="nope"):
        plot_gantt(late_data, initiatives=["nope"])
    plt.close("all")


def test_prob_by_deadline_bars_with_intervals(source, tiny_data):
    ax = plot_prob_by_deadline(source)
    try:
        (bars,) = [c for c in ax.containers if isinstance(c, BarContainer)]
        assert len(bars) == _n(tiny_data, "initiative")
        widths = sorted((b.get_width() for b in bars), reverse=True)
        expected = sorted(tiny_data.summary.loc[["sfm", "pll"], "prob_by_deadline"], reverse=True)
        assert widths == pytest.approx(expected)
        assert bars.errorbar is not None
        segments = bars.errorbar.lines[2][0].get_segments()
        assert len(segments) == len(bars)
        for seg in segments:
            assert 0 <= seg[0][0] <= seg[1][0] <= 1
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("units", ["months", "days"])
def test_tornado_ranks_risks_by_p80_gain(source, tiny_data, units):
    ax = plot_tornado(source, units=units)
    try:
        bars = ax.containers[0]
        assert len(bars) == len(tiny_data.risks) == 2
        widths = [b.get_width() for b in bars]
        expected = tiny_data.risks["p80_gain_days"].to_numpy() / (1 if units == "days" else 365.25 / 12)
        assert widths == pytest.approx(expected)
        assert widths[0] >= widths[1]
        assert bars[0].get_y() < bars[1].get_y()  # drawn top down: the y axis is inverted
        assert ax.yaxis_inverted()
    finally:
        plt.close(ax.figure)
    with pytest.raises(ValueError, match="units"):
        plot_tornado(tiny_data, units="weeks")


def test_criticality_and_ssi_bars(source, tiny_data):
    ax = plot_criticality(source, top=3)
    try:
        assert len(ax.containers) == 2
        assert all(len(cont) == 3 for cont in ax.containers)
        labels = [t.get_text() for t in ax.get_yticklabels()]
        assert "done" not in labels  # a milestone takes no time
        top = tiny_data.sensitivity.drop(index="done").sort_values("criticality", ascending=False)
        assert [b.get_width() for b in ax.containers[0]] == pytest.approx(top["criticality"][:3])
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("plot", [plot_scurves, plot_finish_histogram, plot_gantt,
                                  plot_prob_by_deadline, plot_tornado, plot_criticality])
def test_draws_into_the_axes_it_is_given(plot, tiny_data):
    fig, ax = plt.subplots()
    try:
        assert plot(tiny_data, ax=ax, lang="en") is ax
        assert plt.get_fignums() == [fig.number]  # no second figure was made
    finally:
        plt.close(fig)


def test_report_data_for_another_target_is_refused(tiny_data):
    with pytest.raises(ValueError, match="--target sfm"):
        plot_tornado(tiny_data, target="sfm")
    with pytest.raises(ValueError, match="--target sfm"):
        plot_criticality(tiny_data, target="sfm")


def test_tornado_infinite_and_unmeasurable_gains(late_data):
    gains = late_data.risks["p80_gain"]
    assert np.isinf(gains["budget"]) and np.isnan(gains["slow"])  # what the LATE scenario is for
    ax = plot_tornado(late_data, lang="en")
    try:
        budget, slow = ax.containers[0]
        assert budget.get_hatch() == "///" and budget.get_width() > 0
        assert ax.get_xlim()[1] >= budget.get_width()
        assert slow.get_width() == 0
        assert {"∞", "–"} <= {t.get_text().strip() for t in ax.texts}
    finally:
        plt.close(ax.figure)
