"""Scenario comparison on common random numbers: paired gains worked out from the draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from texts import chain, phase

from simulator import compare, simulate
from simulator.analysis.compare import compare_results


def fixed(v):
    return {"dist": "fixed", "value": v}


def _pair(build):
    """A 10-day phase delayed by 5 days half the time, and the same plan without the risk.
    The deadline (10 January) is the end of day 10, so only the delayed runs are late."""
    risk = {"id": "r", "category": "vendor", "probability": 0.5, "delay": fixed(5),
            "applies_to": {"ids": ["a"]}}
    body = {"initiatives": [chain("x", phase("a", fixed(10)))], "milestones": [{"id": "m", "after": ["x"]}]}
    base = build({**body, "risks": [risk]}, deadline="2022-01-10")
    alt = build(body, deadline="2022-01-10")
    return base, alt


@pytest.mark.parametrize("kept", ["whole", "streamed"])
def test_paired_gains_are_the_share_and_spread_of_the_removed_delay(build, seed, kept, monkeypatch):
    """Kept whole (short) or streamed with a bit per iteration (as a long run is): the
    finishes land on the deadline itself, which counts as on time."""
    base, alt = _pair(build)
    n = 400
    if kept == "streamed":
        import simulator.parallel
        from simulator.sampling.streams import CHUNK
        monkeypatch.setattr(simulator.parallel, "WHOLE_BYTES", 0)
        n = CHUNK + 400  # two chunks; even, as 400 is
    table = compare({"base": base, "no-risk": alt}, n, seed)
    fired = simulate(base, n, seed).draws.fired[0]
    share = fired.mean()
    assert 0.3 < share < 0.7  # so the baseline's P80 is the delayed finish, 15
    rows = table.set_index(["id", "scenario"])
    b, a = rows.loc[("m", "base")], rows.loc[("m", "no-risk")]
    assert (b["p50"], b["p80"], a["p50"], a["p80"]) == (10 if share <= 0.5 else 15, 15, 10, 10)
    assert b["prob_by_deadline"] == (n - fired.sum()) / n and a["prob_by_deadline"] == 1.0
    assert (b["p80_gain"], a["p80_gain"]) == (0, 5)
    assert (b["prob_gain"], b["prob_gain_se"]) == (0, 0)
    # the paired difference is the fired indicator: mean share, sd sqrt(s (1 - s) n / (n - 1))
    assert a["prob_gain"] == pytest.approx(share, abs=1e-15)
    assert a["prob_gain_se"] == pytest.approx(np.sqrt(share * (1 - share) / (n - 1)), rel=1e-12)
    assert str(a["p80_date"].date()) == "2022-01-10" and str(b["p80_date"].date()) == "2022-01-15"
    assert list(table["id"].unique()) == ["x", "m"]


def test_elements_missing_from_a_scenario_are_left_out(build):
    base, _ = _pair(build)
    other = build({"initiatives": [chain("x", phase("a", fixed(8)))]}, deadline="2022-01-10")
    table = compare({"base": base, "other": other}, 50, 3)
    assert set(table["id"]) == {"x"}
    assert table.set_index("scenario").loc["other", "p80_gain"] == 15 - 8


def test_results_that_are_not_paired_are_refused(build):
    base, alt = _pair(build)
    with pytest.raises(ValueError, match="paired"):
        compare_results({"a": simulate(base, 50, 1), "b": simulate(alt, 50, 2)})
    with pytest.raises(ValueError, match="paired"):
        compare_results({"a": simulate(base, 50, 1), "b": simulate(alt, 60, 1)})
    assert isinstance(compare_results({"a": simulate(base, 50, 1)}), pd.DataFrame)
