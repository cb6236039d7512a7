"""A run reduced for a report (keep="report") draws its S-curves and histograms as the run
kept whole does: from the finishes it counted per day as it ran."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simulator import load_scenario, simulate  # noqa: E402
from simulator.report import plot_finish_histogram, plot_scurves  # noqa: E402


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from texts import TINY
    path = tmp_path_factory.mktemp("reduced") / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    sc = load_scenario(path)
    n = 20_000  # three chunks: the reduced run keeps only the first
    return simulate(sc, n, seed=9, keep="all"), simulate(sc, n, seed=9, keep="report")


def test_the_counts_are_those_of_the_whole_run(runs):
    whole, reduced = runs
    assert whole.is_whole and not reduced.is_whole
    for element in ("pll", "sfm", "done"):
        a, b = whole.finish_days(element), reduced.finish_days(element)
        np.testing.assert_array_equal(a.days, b.days)
        np.testing.assert_array_equal(a.counts, b.counts)
        assert a.n == b.n == 20_000


def test_the_figures_are_those_of_the_whole_run(runs):
    whole, reduced = runs
    for plot in (plot_scurves, plot_finish_histogram):
        a, b = plot(whole), plot(reduced)
        try:
            lines = [(tuple(np.asarray(x.get_xdata(), dtype="datetime64[D]").astype(str)),
                      tuple(np.asarray(x.get_ydata(), dtype=float))) for x in a.get_lines()]
            assert lines == [(tuple(np.asarray(x.get_xdata(), dtype="datetime64[D]").astype(str)),
                              tuple(np.asarray(x.get_ydata(), dtype=float))) for x in b.get_lines()]
            assert [(p.get_x(), p.get_height()) for p in a.patches] == \
                [(p.get_x(), p.get_height()) for p in b.patches]
        finally:
            plt.close("all")


def test_a_phase_it_did_not_count_says_how_to_have_it(runs):
    with pytest.raises(ValueError, match=r"the finish dates of pll-utproving.*"
                                         r"targets=\['pll-utproving'\] with keep='report'"):
        runs[1].finish_days("pll-utproving")
