"""Charts a reader can read: small multiples, group labels, labels clear of dots and lines."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from simulator.report import plot_finish_histogram, plot_gantt, plot_scurves_grid, plot_tornado
from simulator.report.figures import pictures


def _initiatives(data):
    return list(data.summary.index[data.summary["element"] == "initiative"])


def test_scurves_are_small_multiples_labelled_directly(roadmap_data):
    fig = Figure(figsize=(11, 12), layout="constrained")
    axes = plot_scurves_grid(roadmap_data, fig=fig, lang="en")
    names = _initiatives(roadmap_data)
    assert len(axes) == len(names)  # one panel per initiative (the report caps them, not this)
    for ax in axes:
        assert len([ln for ln in ax.get_lines() if ln.get_gid() == "ecdf"]) == 1
        assert ax.get_legend() is None and ax.get_title(loc="left")
    assert not fig.legends
    # worst first, as the headlines; the right title is the probability as printed there
    probs = [float(roadmap_data.summary.at[i, "prob_by_deadline"]) for i in names]
    shown = [ax.get_title(loc="left") for ax in axes]
    assert shown[0].startswith(roadmap_data.name(names[int(np.argmin(probs))])[:20])
    assert all(ax.get_title(loc="right").endswith("%") for ax in axes)
    # shared axes: one date range for all panels
    assert len({ax.get_xlim() for ax in axes}) == 1


def test_report_scurves_have_no_legend_larger_than_the_plot(roadmap_data, monkeypatch):
    import matplotlib.figure
    made = []

    class Recorded(Figure):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(matplotlib.figure, "Figure", Recorded)  # figures.py imports it per figure
    keys = [p.key for p in pictures(roadmap_data, "nb")]
    fig = made[keys.index("scurves")]
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 24                                # one small panel per initiative
    assert all(ax.get_legend() is None for ax in axes) and not fig.legends
    width, height = fig.get_size_inches()
    assert width <= 11.5 and height <= 14


def _overlaps(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_tornado_labels_never_touch_their_dots(roadmap_data):
    fig, ax = plt.subplots(figsize=(9, 5))
    try:
        plot_tornado(roadmap_data, ax=ax, lang="nb", top=10)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (dots,) = [ln for ln in ax.get_lines() if ln.get_gid() == "p50"]
        xy = ax.transData.transform(np.column_stack([dots.get_xdata(), dots.get_ydata()]))
        radius = dots.get_markersize() / 72 * fig.dpi / 2
        labels = [t for t in ax.texts if t.get_text().strip()]
        assert len(labels) == len(ax.containers[0])
        for text in labels:
            box = text.get_window_extent(renderer)
            for x, y in xy:
                dot = type(box).from_extents(x - radius, y - radius, x + radius, y + radius)
                assert not _overlaps(box, dot), (text.get_text(), box, (x, y))
    finally:
        plt.close(fig)


def test_histogram_legend_is_clear_of_the_deadline_line(late_data, roadmap_data):
    for data, target in ((roadmap_data, None), (late_data, "b")):
        fig, ax = plt.subplots(figsize=(9, 4))
        try:
            plot_finish_histogram(data, ax=ax, target=target, lang="nb")
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            legend = ax.get_legend().get_window_extent(renderer)
            for line in ax.get_lines():
                if line.get_gid() in ("deadline", "p50", "p80"):
                    x = ax.transData.transform((line.get_xdata()[0], 0))[0]
                    assert not legend.x0 <= x <= legend.x1, line.get_gid()
        finally:
            plt.close(fig)


def test_report_gantt_of_the_roadmap_shows_every_phase(roadmap_data):
    from simulator.report.figures import MAX_GANTT_ROWS
    from simulator.report.plot_gantt import gantt_rows
    rows, mode, lines = gantt_rows(roadmap_data.summary, max_rows=MAX_GANTT_ROWS)
    kinds = roadmap_data.summary["element"]
    assert mode == "phases" and lines == (kinds == "phase").sum() + (kinds == "initiative").sum()


def test_gantt_groups_phases_under_their_initiative(roadmap_data):
    fig, ax = plt.subplots(figsize=(11, 20))
    try:
        plot_gantt(roadmap_data, ax=ax, lang="en")
        bold = [t.get_text() for t in ax.get_yticklabels() if t.get_fontweight() == "bold"]
        assert len(bold) == len(_initiatives(roadmap_data))
        assert bold[0].startswith(roadmap_data.name(_initiatives(roadmap_data)[0])[:20])
        fig.canvas.draw()
        top = [t for t in ax.xaxis.get_ticklabels(which="major") if t.get_visible()]
        assert any(t.get_text() for t in top)
        assert ax.xaxis.get_tick_params(which="major")["labeltop"]
    finally:
        plt.close(fig)
