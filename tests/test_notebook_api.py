"""What notebook users need: plan() on a Scenario, the plan as a table, plot_compare, Jupyter."""

from __future__ import annotations

import tomllib

import matplotlib

matplotlib.use("Agg")

import matplotlib.colors as mcolors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from conftest import ROOT  # noqa: E402
from texts import chain, phase  # noqa: E402

import simulator  # noqa: E402
from simulator.report import plot_compare  # noqa: E402


def fixed(v):
    return {"dist": "fixed", "value": v}


BODY = {"initiatives": [chain("x", phase("a", fixed(10)), phase("b", fixed(5))),
                        chain("y", phase("c", fixed(3), after=["a"]))],
        "milestones": [{"id": "m", "after": ["x", "y"]}]}


def test_plan_accepts_a_scenario(build):
    sc = build(BODY)
    sched = simulator.plan(sc)
    np.testing.assert_array_equal(sched.finish, simulator.plan(simulator.compile_scenario(sc)).finish)
    assert sched.finish[:, 0].tolist() == [10, 15, 13, 15]
    with pytest.raises(TypeError, match="Scenario or a Network"):
        simulator.plan("scenarios/veikart-22.1.yaml")


def test_plan_table_has_ids_and_dates(build):
    table = simulator.plan_table(build(BODY))
    assert list(table.index) == ["a", "b", "c", "m", "x", "y"]
    assert table.loc["a", "start_date"] == np.datetime64("2022-01-01")
    assert table.loc["a", "finish_date"] == np.datetime64("2022-01-10")   # 10 days: 1-10 January
    assert table.loc["c", "start_date"] == np.datetime64("2022-01-11")
    assert table.loc["m", "finish_date"] == np.datetime64("2022-01-15")
    assert table.loc["m", "start_date"] == np.datetime64("2022-01-15")    # never after its finish
    assert table.loc["x", "finish"] == 15 and table.loc["y", "element"] == "initiative"
    assert table.loc["b", "driver"] == "a" and pd.isna(table.loc["a", "driver"])
    assert table["critical"].tolist() == [True, True, False, True, False, False]


def test_a_normal_with_a_negative_mean_is_planned_at_zero_as_it_is_sampled(build):
    """The samples are truncated at 0; the plan took the mean parameter itself, and the
    phase finished four days before it started, its successor starting before it ended."""
    normal = {"dist": "normal", "mean": -4, "sd": 1}
    table = simulator.plan_table(build({"initiatives": [chain("x", phase("a", fixed(10)),
                                                              phase("b", normal), phase("c", fixed(5)))]}))
    assert table.loc["b", "start"] == table.loc["b", "finish"] == 10
    assert table.loc["c", "finish"] == 15


def test_plot_compare_overlays_results_in_distinct_colours(build):
    base = simulator.simulate(build(BODY | {"risks": [{
        "id": "r", "category": "vendor", "probability": 0.5,
        "delay": {"dist": "uniform", "min": 1, "max": 20}, "applies_to": {"ids": ["b"]}}]}), 500, seed=1)
    early = simulator.simulate(build(BODY, start="2021-12-01"), 500, seed=1)
    ax = plot_compare({"base": base, "early start": early}, lang="en")
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "ecdf"]
    assert [ln.get_label() for ln in lines] == ["base", "early start"]
    assert mcolors.to_hex(lines[0].get_color()) != mcolors.to_hex(lines[1].get_color())
    # drawn on dates: the early scenario's curve lies a month to the left
    assert lines[1].get_xdata()[0] < lines[0].get_xdata()[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "base" in labels and "early start" in labels
    ax2 = plot_compare({"base": base, "early": early}, ids=["x", "y"], lang="en")
    assert [ln.get_label() for ln in ax2.get_lines() if ln.get_gid() == "ecdf"] == \
        ["base: x", "base: y", "early: x", "early: y"]
    plt.close("all")


def test_notebooks_can_be_opened_as_the_readme_says():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"]
    assert any(dep.startswith("jupyterlab") for dep in extras["notebook"])
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[notebook]"' in readme and "jupyter lab notebooks/" in readme
