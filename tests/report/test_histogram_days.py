"""The finish histogram counts whole days: each bar holds the iterations whose reported
finish date falls in it, whether drawn from a run or from its saved report data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from simulator.report import plot_finish_histogram  # noqa: E402
from simulator.report._common import finish_days  # noqa: E402
from simulator.report.plot_histogram import ESTIMATORS, _width, day_edges  # noqa: E402


def _bars(ax):
    return [(p.get_x(), p.get_width(), p.get_height()) for p in ax.patches]


@pytest.mark.parametrize("bins", ["auto", 7, 25, 400])
@pytest.mark.parametrize("element", ["done", "pll"])
def test_each_bar_counts_the_iterations_dated_in_it(tiny_result, tiny_data, element, bins):
    """Against the dates computed one iteration at a time, as the summary dates them."""
    net = tiny_result.network
    dates = net.to_dates(tiny_result.finish(element), finish=True)
    day0 = mdates.date2num(np.datetime64(net.start, "D"))
    ax = plot_finish_histogram(tiny_result, target=element, bins=bins, lang="en")
    try:
        bars = _bars(ax)
        days = (dates[~np.isnat(dates)] - np.datetime64(net.start, "D")).astype(float)
        span = np.quantile(days, 0.995, method="inverted_cdf") + 1 - days.min()
        if bins != "auto":  # as many as fit, all of one width
            width = -(-span // bins)
            assert len(bars) == -(-span // width) <= bins and bars[0][1] == width
        for x, width, height in bars:
            lo = x - day0
            assert lo == round(lo) and width == round(width) >= 1  # whole days
            assert height == np.count_nonzero((days >= lo) & (days < lo + width))
        # the bars are contiguous and stop after the day of the 99.5th percentile
        assert all(np.isclose(a[0] + a[1], b[0]) for a, b in zip(bars, bars[1:]))
        cut = np.quantile(days, 0.995, method="inverted_cdf")
        assert bars[-1][0] + bars[-1][1] - day0 > cut
        assert bars[-1][0] - day0 <= cut
        assert bars[-1][0] + bars[-1][1] - day0 <= days.max() + 1  # none past the last finish
        # and the same figure from the saved report data, bar for bar
        if element == tiny_data.meta["target"]:
            saved = plot_finish_histogram(tiny_data, bins=bins, lang="en")
            assert _bars(saved) == bars
            plt.close(saved.figure)
    finally:
        plt.close(ax.figure)


def test_the_percentile_lines_are_on_the_summarys_dates(tiny_result, tiny_data):
    ax = plot_finish_histogram(tiny_data, percentiles=(50, 80, 90), lang="en")
    try:
        for p in (50, 80, 90):
            line = next(l for l in ax.get_lines() if l.get_gid() == f"p{p}")
            want = mdates.date2num(np.datetime64(tiny_data.summary.at["done", f"finish_date_p{p}"], "D"))
            assert line.get_xdata()[0] == want
    finally:
        plt.close(ax.figure)


@pytest.mark.parametrize("element", ["done", "pll", "sfm"])
def test_auto_width_is_numpys_auto_on_the_days(tiny_result, element):
    """numpy's "auto" estimator (documented for ``numpy.histogram_bin_edges``) over one value
    per iteration, the day numbers up to the cut spanning whole days, within what its
    interpolated quartiles may differ by from the counted ones."""
    d = finish_days(tiny_result, element)
    edges = day_edges(d, "auto")
    hi = d.quantile(0.995, finite=True) + 1
    days = np.repeat(d.days, d.counts)
    days = days[days < hi]
    sturges = (hi - days.min()) / (np.log2(days.size) + 1)
    fd = 2 * np.subtract(*np.percentile(days, [75, 25])) / days.size ** (1 / 3)
    want = min(fd, sturges) if fd > 0 else sturges
    got = _width(d, hi, hi - int(d.days[0]))
    assert got == pytest.approx(want, abs=4 / days.size ** (1 / 3) + 1e-9)  # IQR within 2 days
    assert np.all(np.diff(edges) == max(1, round(got)))


@pytest.mark.parametrize("bins", [0, -3, 2.5, True, "stone", "Auto", None, [1, 2, 3]])
def test_bins_that_are_not_a_count_or_an_estimator_are_refused(tiny_data, bins):
    with pytest.raises(ValueError, match="bins: a positive whole number or one of 'auto', 'fd'"):
        plot_finish_histogram(tiny_data, bins=bins)
    plt.close("all")


def _one_a_day(tiny_data, days: int = 1_000, after: int = 0):
    """tiny_data with its target finishing once on each of ``days`` days from the start,
    and ``after`` times after the horizon."""
    import dataclasses

    import pandas as pd
    dates = np.datetime64(tiny_data.start, "D") + np.arange(days)
    table = pd.DataFrame({"element": "done", "finish_date": dates.astype("datetime64[ms]"),
                          "iterations": np.ones(days, np.int64)})
    if after:
        table.loc[days] = ["done", pd.NaT, after]
    meta = {**tiny_data.meta, "iterations": days + after}
    return dataclasses.replace(tiny_data, meta=meta, finishes=table)


def test_edges_and_widths_counted_by_hand(tiny_data):
    """1,000 finishes, one a day on days 0..999: the 99.5th percentile is day 994, so the
    bars span days 0 to 994 (995 days)."""
    d = _one_a_day(tiny_data).finish_days("done")
    # 7 bars: ceil(995 / 7) = 143 days each, but the last stops with the last finish (day 999)
    np.testing.assert_array_equal(day_edges(d, 7), [*(143 * np.arange(7)), 1000])
    # 5 bars of 199 days: the last edge is day 995, which has a finish of its own
    np.testing.assert_array_equal(day_edges(d, 5), 199 * np.arange(6))
    # "auto": Sturges 995 / (log2(995) + 1) = 90.7 days, below Freedman-Diaconis
    # 2 * (746 - 248) / 995 ** (1/3) = 99.8; rounded to 91 days, 11 bars
    assert _width(d, 995, 995) == pytest.approx(995 / (np.log2(995) + 1))
    np.testing.assert_array_equal(day_edges(d, "auto"), [*(91 * np.arange(11)), 1000])


def test_a_finish_on_the_last_edge_is_beyond_the_axis(tiny_data):
    from simulator.report.text import fmt_percent, label
    data = _one_a_day(tiny_data, after=250)
    ax = plot_finish_histogram(data, bins=5, lang="en")
    try:
        # days 995..999 are beyond the last bar (whose end is day 995), 5 of 1,250
        assert [h for _, _, h in _bars(ax)] == [199] * 5
        notes = [t.get_text() for t in ax.get_legend().get_texts()]
        assert label("en", "beyond_axis", share=fmt_percent(5 / 1_250, "en")) in notes
        assert label("en", "not_reached", share=fmt_percent(250 / 1_250, "en")) in notes
    finally:
        plt.close(ax.figure)


def test_the_axis_ends_at_the_tail_of_the_finishes_by_the_horizon(late_result, late_data):
    from simulator.report._common import date_range_end
    net = late_result.network
    ends = []
    for element in ("a", "b"):
        t = late_result.finish(element)
        ends.append(np.quantile(t[np.isfinite(t)], 0.995, method="inverted_cdf"))
    want = net.to_dates(np.array([max(ends)]), finish=True)[0]
    assert date_range_end(late_data, ["a", "b"]) == want == date_range_end(late_result, ["a", "b"])


def test_a_percentile_after_the_horizon_gets_no_line(late_data):
    """b's P80 is after the horizon (38 % of its finishes are): no P80 line, a P50 line."""
    ax = plot_finish_histogram(late_data, target="b", percentiles=(50, 80), lang="en")
    try:
        assert late_data.summary.at["b", "prob_within_horizon"] < 0.8
        gids = [line.get_gid() for line in ax.get_lines()]
        assert "p80" not in gids and "p50" in gids
    finally:
        plt.close(ax.figure)


def test_the_axis_starts_at_the_first_finish_of_any(tiny_result):
    from simulator.report._common import first_date
    net = tiny_result.network
    want = min(net.to_dates(tiny_result.finish(e), finish=True).min() for e in ("sfm", "pll"))
    assert first_date(tiny_result, ["pll", "sfm"]) == want
    assert first_date(tiny_result, ["pll"]) == net.to_dates(tiny_result.finish("pll"), finish=True).min()


@pytest.mark.parametrize("rule", ["sturges", "sqrt", "rice", "scott", "doane", "fd"])
@pytest.mark.parametrize("element", ["done", "pll"])
def test_every_estimator_is_numpys_on_the_days(tiny_result, element, rule):
    """numpy's own estimator (its private helper, the reference) on one value per iteration,
    the day numbers up to the cut; the range of whole days the bars span is one day more."""
    h = pytest.importorskip("numpy.lib._histograms_impl")  # numpy 2's home of the estimators
    if not hasattr(h, "_hist_bin_selectors"):
        pytest.skip("this numpy keeps its bin estimators elsewhere")
    d = finish_days(tiny_result, element)
    hi = d.quantile(0.995, finite=True) + 1
    days = np.repeat(d.days, d.counts).astype(float)
    days = days[days < hi]
    want = h._hist_bin_selectors[rule](days, (days.min(), days.max()))
    span = hi - int(d.days[0])
    if rule in ("sturges", "sqrt", "rice", "doane"):  # numpy's range is max - min; the bars' one day more
        want *= span / (days.max() - days.min())
    got = _width(d, hi, span, rule)
    # fd's quartiles are order statistics here, interpolated in numpy's: up to 2 days apart
    slack = 4 / days.size ** (1 / 3) if rule == "fd" else 0.0
    assert got == pytest.approx(want, rel=1e-9, abs=slack), rule
    assert np.all(np.diff(day_edges(d, rule)[:-1]) == max(1, round(got)))
    assert set(ESTIMATORS) == {"auto", "fd", "sturges", "sqrt", "rice", "scott", "doane"}
