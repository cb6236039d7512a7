"""S-curves are drawn with one step per calendar day, however many iterations there are."""

import numpy as np

from simulator import load_scenario, simulate
from simulator.report import _common as c
from simulator.report.plot_scurves_grid import plot_scurves_grid


def test_day_steps_are_the_ecdf_at_each_distinct_day():
    rng = np.random.default_rng(3)
    dates = np.sort(np.datetime64("2025-01-01") + rng.integers(0, 40, 500))
    n = 640  # 140 iterations never finish
    x, y = c.day_steps(dates, n)
    assert np.array_equal(x, np.unique(dates))
    for d, share in zip(x, y):
        assert share == np.count_nonzero(dates <= d) / n
    assert c.day_steps(dates[:0], n)[0].size == 0


def test_the_drawn_curve_has_a_point_per_day_not_per_iteration(tiny_file):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    run = simulate(load_scenario(tiny_file), 20_000, seed=4)
    axes = plot_scurves_grid(run)
    try:
        assert len(axes) >= 1
        for ax in axes:
            line = next(l for l in ax.get_lines() if l.get_gid() == "ecdf")
            x = line.get_xdata()
            assert 1 < len(x) < 2_000
            assert len(np.unique(x)) == len(x)
            assert line.get_ydata()[-1] <= 1
    finally:
        plt.close("all")
