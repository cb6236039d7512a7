"""Prioritisation: paired gains that hold 0 when nothing changes, and a planted best order found."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from texts import chain, phase

import simulator
from simulator.errors import ScenarioError
from simulator.order_search import prioritise
from simulator.scenario.candidates import Candidate, Permutations, load_candidates

MONTH = 365.25 / 12
#: Rates (per month) and uniform durations (months) of three initiatives sharing one team.
PLANTED = {"a": (1.2, (1, 5)), "b": (3.0, (2, 6)), "c": (2.6, (3, 5))}


def uniform(lo, hi) -> dict:
    return {"dist": "uniform", "min": lo, "max": hi}


def shared_team(build, planted=PLANTED, extra=(), order=()):
    inis = [chain(n, phase(f"{n}-1", uniform(*d), uses={"team": 1})) for n, (_, d) in planted.items()]
    inis += [chain(n, phase(f"{n}-1", uniform(1, 3))) for n in extra]
    return build({"resources": [{"id": "team", "capacity": 1}],
                  "priorities": {"order": list(order)},
                  "initiatives": inis,
                  "milestones": [{"id": "done", "after": [i["id"] for i in inis]}],
                  "benefits": {"discount_rate": 0.0, "rates": [
                      {"of": n, "per_month": r} for n, (r, _) in planted.items()]}}, unit="months")


def expected_by_deadline(order, deadline_months):
    """E[benefit by the deadline] of serving ``order`` one after the other (all before the deadline)."""
    total, t = 0.0, 0.0
    for n in order:
        rate, (lo, hi) = PLANTED[n]
        t += (lo + hi) / 2
        total += rate * (deadline_months - t)
    return total


def test_a_swap_with_no_effect_is_no_gain_and_no_rank(build):
    # c holds no resource, so where it stands in the order changes nothing
    sc = shared_team(build, extra=("c2",))
    p = prioritise(sc, [["a", "c2", "b"], ["c2", "a", "b"]], objective="benefit-by-deadline",
                   iterations=300, seed=4, rounds=1)
    rows = p.table.set_index("name")
    one, two = rows.loc["a > c2 > b"], rows.loc["c2 > a > b"]
    assert one["rank"] == two["rank"] == 1
    assert one["objective"] == two["objective"]
    assert one["p_best"] == pytest.approx(two["p_best"])
    # both against the scenario's own order (plan-order here): the same gain, and called one
    # only if its interval excludes 0
    assert one["gain"] == two["gain"] and one["verdict"] == two["verdict"]
    ma, mb = p.metrics[(("a", "c2", "b"), "plan-order")], p.metrics[(("c2", "a", "b"), "plan-order")]
    from simulator.analysis.selection import OBJECTIVES, paired_gain
    g, lo, hi = paired_gain(ma[2], mb[2], OBJECTIVES["benefit-by-deadline"])
    assert lo <= 0 <= hi and g == 0
    # racing never drops an order that is no worse than the leader
    raced = prioritise(sc, [["a", "c2", "b"], ["c2", "a", "b"], ["a", "b", "c2"]],
                       objective="benefit-by-deadline", iterations=400, seed=4, rounds=3)
    assert (raced.table["status"] == "finalist").all() and (raced.table["iterations"] == 400).all()


def test_two_equal_orders_are_not_called_different(build):
    # a and b swapped where both have the same rate and duration: no difference on average
    planted = {"a": (2.0, (2, 6)), "b": (2.0, (2, 6))}
    sc = shared_team(build, planted=planted, order=("a",))
    p = prioritise(sc, [["a", "b"], ["b", "a"]], objective="benefit-by-deadline", iterations=400,
                   seed=11, rounds=1)
    rows = p.table.set_index("name")
    assert rows.loc["a > b", "rank"] == rows.loc["b > a", "rank"] == 1
    row = rows.loc["b > a"]  # against the scenario's own order, a first
    assert row["gain_lo"] < 0 < row["gain_hi"] and row["verdict"] == "no clear difference"
    assert p.gains.loc[0, "verdict"] == "no clear difference"


def test_planted_best_order_is_found(build):
    deadline = (np.datetime64("2027-01-01") - np.datetime64("2022-01-01")).astype(int) / MONTH
    values = {o: expected_by_deadline(o, deadline) for o in itertools.permutations("abc")}
    truth = max(values, key=values.get)
    assert truth == ("b", "c", "a")  # Smith's rule: rate over mean duration, highest first
    sc = shared_team(build)
    hits = 0
    for s in range(20):
        p = prioritise(sc, Permutations(("a", "b", "c"), "plan-order"), objective="benefit-by-deadline",
                       iterations=200, seed=1000 + s)
        hits += p.best.order == truth
        dropped = p.table[p.table["status"] != "finalist"]
        assert len(dropped) and (dropped["iterations"] < 200).all() and (dropped["p_best"] == 0).all()
    assert hits >= 19  # P(correct selection) >= 0.95


def test_gain_over_plan_order_matches_the_closed_form(build, seed):
    deadline = (np.datetime64("2027-01-01") - np.datetime64("2022-01-01")).astype(int) / MONTH
    sc = shared_team(build, order=("c",))
    p = prioritise(sc, [["b", "c", "a"]], objective="benefit-by-deadline", iterations=1500,
                   seed=seed, rounds=1)
    assert p.best.order == ("b", "c", "a")
    # the scenario's order serves c, then the rest in plan order; plan-order: every phase is
    # ready at 0, so the plan's tie-break by phase id serves a, b, c
    gains = p.gains.set_index("over")
    best = expected_by_deadline("bca", deadline)
    for over, other in (("scenario's order", "cab"), ("plan-order", "abc")):
        gain, lo, hi = gains.loc[over, ["gain", "gain_lo", "gain_hi"]]
        se = (hi - lo) / (2 * 1.96)
        assert abs(gain - (best - expected_by_deadline(other, deadline))) < 5 * se
        assert gains.loc[over, "verdict"] == "better"


def test_p80_objective_ranks_and_bootstraps(build):
    sc = shared_team(build)
    p = prioritise(sc, [["a", "b", "c"], ["c", "b", "a"]], objective="p80-target", iterations=300,
                   seed=2, rounds=1)
    # the target waits for all three either way: the order changes nothing in its P80
    rows = p.table.set_index("name")
    assert rows.loc["a > b > c", "objective"] == pytest.approx(rows.loc["c > b > a", "objective"], rel=1e-12)
    assert rows.loc["a > b > c", "rank"] == rows.loc["c > b > a", "rank"] == 1
    assert rows.loc["c > b > a", "verdict"] == "no clear difference"
    assert abs(p.table["p_best"].sum() - 1) < 1e-12


def test_same_bytes_for_any_piece_size(build):
    sc = shared_team(build)
    runs = [prioritise(sc, None, "npv", 300, seed=8, piece=k) for k in (7, 100, 2048)]
    dumps = {json.dumps(r.to_dict()) for r in runs}
    assert len(dumps) == 1
    for key in runs[0].metrics:
        assert len({r.metrics[key].tobytes() for r in runs}) == 1


def test_local_search_beyond_five_items(build):
    planted = {n: (r, (2, 4)) for n, r in zip("abcdef", (1.0, 5.0, 2.0, 6.0, 3.0, 4.0))}
    sc = shared_team(build, planted=planted)
    p = prioritise(sc, Permutations(tuple("abcdef"), "plan-order"), "benefit-by-deadline",
                   iterations=200, seed=5, budget=60)
    assert p.method == "local search over swaps"
    assert len(p.table) <= 60 + 2
    # equal durations: serving the highest rate first is best, and no swap improves on it
    assert p.best.order == ("d", "b", "f", "e", "c", "a")


def test_bad_arguments(build, tiny_file):
    sc = simulator.load_scenario(tiny_file)
    with pytest.raises(ValueError, match="needs benefit rates"):
        prioritise(sc, objective="npv", iterations=10)
    with pytest.raises(ValueError, match="objective must be one of"):
        prioritise(sc, objective="fastest", iterations=10)
    with pytest.raises(ValueError, match="iterations"):
        prioritise(sc, iterations=1)


def test_candidates_file(write, build):
    sc = shared_team(build)
    path = write("candidates:\n  - [a, b, c]\n  - {name: c-first, order: [c], rule: shortest-first}\n",
                 "cands.yaml")
    got = load_candidates(path, sc)
    assert got == [Candidate(("a", "b", "c"), "plan-order"), Candidate(("c",), "shortest-first", "c-first")]
    assert load_candidates(write("permute: [a, b]\n", "p.yaml"), sc) == Permutations(("a", "b"), "plan-order")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:3:\d+ candidates\[1\]\[0\]: `x` is not a phase"):
        load_candidates(write("candidates:\n  - [a]\n  - [x, b]\n", "bad.yaml"), sc)
    with pytest.raises(ScenarioError, match=r"rule: `fast` is not a priority rule"):
        load_candidates(write("permute: [a, b]\nrule: fast\n", "bad2.yaml"), sc)


def test_progress_counts_every_iteration_scheduled(build):
    """The callback hears of every iteration any order was scheduled for, racing included."""
    sc = shared_team(build)
    heard = []
    p = prioritise(sc, Permutations(("a", "b", "c"), "plan-order"), "benefit-by-deadline",
                   iterations=600, seed=2, progress=heard.append)
    assert heard and all(n > 0 for n in heard)
    assert sum(heard) == int(p.table["iterations"].sum())
    quiet = prioritise(sc, Permutations(("a", "b", "c"), "plan-order"), "benefit-by-deadline",
                       iterations=600, seed=2)
    assert quiet.table.equals(p.table)  # listening changes nothing


def test_the_command_says_how_many_orders_it_evaluated(build, tmp_path, capsys):
    from simulator.cli import main
    shared_team(build)  # written to tmp_path / "built.yaml", as the CLI reads it
    assert main(["prioritise", str(tmp_path / "built.yaml"), "-n", "300", "--seed", "1"]) == 0
    err = capsys.readouterr().err
    assert "evaluating priority orders ..." in err and " orders evaluated in " in err
