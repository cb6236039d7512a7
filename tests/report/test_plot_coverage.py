"""Coverage and utilisation plots on Agg: the artists they promise, date axes, no warnings."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import SCENARIOS
from matplotlib.axes import Axes

from simulator import load_scenario, simulate
from simulator.report import plot_coverage, plot_utilisation


@pytest.fixture(scope="module")
def capacity_result():
    return simulate(load_scenario(SCENARIOS / "examples" / "capacity.yaml"), 400, seed=1)


@pytest.fixture(scope="module")
def two_rollouts(tmp_path_factory):
    """Two rollouts over the same units, on two resources."""
    from texts import scenario_text
    roll = lambda pid, team: {"id": pid, "kind": "innforing",  # noqa: E731
                              "duration": {"dist": "triangular", "min": 1, "mode": 2, "max": 4},
                              "uses": {team: 1}, "rollout": {"over": "sites"}}
    body = {"resources": [{"id": "t1", "capacity": 2}, {"id": "t2", "capacity": 3}],
            "units": {"sites": [{"id": f"s{k}", "weight": k + 1} for k in range(8)]},
            "initiatives": [{"id": "a", "phases": [roll("a-roll", "t1")]},
                            {"id": "b", "phases": [roll("b-roll", "t2")]}]}
    path = tmp_path_factory.mktemp("scenarios") / "two.yaml"
    path.write_text(scenario_text(body, unit="months", deadline="2022-12-31"), encoding="utf-8")
    return simulate(load_scenario(path), 300, seed=2)


def _gid(ax: Axes, gid: str) -> list:
    return [a for a in [*ax.get_lines(), *ax.collections] if a.get_gid() == gid]


def _is_date_axis(axis) -> bool:
    return (isinstance(axis.get_major_locator(), mdates.DateLocator)
            and isinstance(axis.get_major_formatter(), mdates.ConciseDateFormatter))


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_coverage_draws_one_band_and_line_per_rollout(two_rollouts, lang):
    ax = plot_coverage(two_rollouts, lang=lang)
    assert isinstance(ax, Axes)
    assert len(_gid(ax, "band")) == 2 and len(_gid(ax, "coverage")) == 2
    assert len(_gid(ax, "deadline")) == 1
    assert _is_date_axis(ax.xaxis)
    assert ax.get_ylim() == (0, 1.02)
    (line, *_) = _gid(ax, "coverage")
    y = line.get_ydata()
    assert (np.diff(y) >= -1e-12).all() and y[-1] == pytest.approx(1.0)  # coverage only grows
    plt.close(ax.figure)


def test_coverage_of_chosen_rollouts_on_given_axes(two_rollouts, capacity_result):
    fig, ax = plt.subplots()
    assert plot_coverage(two_rollouts, ["b-roll"], ax=ax) is ax
    assert len(_gid(ax, "band")) == 1
    plt.close(fig)
    ax = plot_coverage(capacity_result)
    assert len(_gid(ax, "band")) == len(capacity_result.network.rollouts) == 1
    plt.close(ax.figure)


def test_utilisation_small_multiples_one_axes_per_resource(capacity_result):
    axes = plot_utilisation(capacity_result)
    assert len(axes) == len(capacity_result.network.resources) == 2
    for ax in axes:
        assert isinstance(ax, Axes)
        for gid in ("busy_mean", "busy_p90", "capacity", "deadline"):
            assert len(_gid(ax, gid)) == 1
        assert _is_date_axis(ax.xaxis)
    # the EPJ team's capacity steps from 1 to 2 on 1 July 2025
    cap = _gid(axes[0], "capacity")[0]
    assert list(cap.get_ydata()) == [1, 2, 2]
    assert np.datetime64(cap.get_xdata()[1], "D") == np.datetime64("2025-07-01")
    busy = _gid(axes[1], "busy_mean")[0].get_ydata()
    assert busy.max() <= 4 + 1e-12  # never above the innføringsteam's capacity
    plt.close(axes[0].figure)


def test_utilisation_on_one_given_axes(two_rollouts):
    fig, ax = plt.subplots()
    assert plot_utilisation(two_rollouts, ax=ax, lang="en") is ax
    assert len(_gid(ax, "capacity")) == 2 and len(_gid(ax, "deadline")) == 1
    plt.close(fig)
