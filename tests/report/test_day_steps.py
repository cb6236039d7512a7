"""S-curves are drawn with one step per calendar day, however many iterations there are."""

import numpy as np

from simulator import load_scenario, simulate
from simulator.report.plot_scurves_grid import plot_scurves_grid


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
