"""``veikart compare`` --target, --json, --out and --lang, on scenarios whose answers are known.

The baseline's one phase takes 10 days, the variant's 4 (fixed durations), so every
percentile, date and gain is known by hand: P80 on day 10 (2022-01-10, the day whose end
it is) against day 4 (2022-01-04), a gain of 6 days, 6/30.4375 = 0.2 months.
"""

from __future__ import annotations

import json

import pytest
from texts import scenario_text

from simulator.analysis.compare import compare_results
from simulator.cli import main
from simulator.outdir import OutputDir

KEYS = ["baseline", "scenarios", "iterations", "seed", "sampling", "mitigated", "target",
        "gain_unit", "comparison"]
ROW_KEYS = ["id", "scenario", "unit", "p50", "p80", "p50_date", "p80_date", "prob_by_deadline",
            "p50_gain", "p80_gain", "p50_gain_days", "p80_gain_days", "prob_gain", "prob_gain_se"]


def _scenario(days: float, extra: bool = True, unit: str = "days") -> str:
    phases = [{"id": "a1", "kind": "utvikling", "duration": {"dist": "fixed", "value": days}}]
    inis = [{"id": "a", "phases": phases}]
    if extra:
        inis.append({"id": "b", "phases": [
            {"id": "b1", "kind": "utvikling", "duration": {"dist": "fixed", "value": 2}}]})
    return scenario_text({"initiatives": inis}, unit=unit, deadline="2022-01-08")


@pytest.fixture
def pair(write):
    return str(write(_scenario(10), "base.yaml")), str(write(_scenario(4), "fast.yaml"))


def _compare(capsys, *argv) -> tuple[int, str, str]:
    code = main(["compare", *argv, "-n", "50", "--seed", "7"])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_one_object_with_the_documented_keys_and_known_values(pair, capsys):
    code, out, err = _compare(capsys, *pair, "--json")
    assert code == 0 and "Traceback" not in err
    obj = json.loads(out)  # stdout holds the object and nothing else
    assert list(obj) == KEYS
    assert obj["baseline"] == pair[0] and obj["target"] is None and obj["gain_unit"] == "days"
    assert (obj["iterations"], obj["seed"], obj["sampling"], obj["mitigated"]) == (50, 7, "mc", False)
    assert [s["file"] for s in obj["scenarios"]] == list(pair)
    assert obj["scenarios"][0]["unit"] == "days" and len(obj["scenarios"][0]["scenario_sha256"]) == 64
    rows = {(r["id"], r["scenario"]): r for r in obj["comparison"]}
    assert set(rows) == {(i, f) for i in ("a", "b") for f in pair}
    fast = rows[("a", pair[1])]
    assert list(fast) == ROW_KEYS
    assert (fast["p80"], fast["p80_date"], fast["p80_gain_days"], fast["p80_gain"]) == (4, "2022-01-04", 6, 6)
    assert fast["unit"] == "days"
    # the deadline is the end of 2022-01-08: the baseline's day 10 misses it, day 4 meets it
    assert (rows[("a", pair[0])]["prob_by_deadline"], fast["prob_by_deadline"]) == (0, 1)
    assert (fast["prob_gain"], fast["prob_gain_se"]) == (1, 0)
    assert rows[("b", pair[1])]["p80_gain_days"] == 0


def test_gains_are_in_the_baselines_unit_and_times_in_each_scenarios(pair, write, capsys):
    """A baseline of 10 weeks (day 70, 2022-03-11) against 4 days: 66 days earlier, 66/7 weeks."""
    weeks = str(write(_scenario(10, unit="weeks"), "weeks.yaml"))
    code, out, _ = _compare(capsys, weeks, pair[1], "--json", "--target", "a")
    obj = json.loads(out)
    assert code == 0 and obj["gain_unit"] == "weeks"
    base, fast = obj["comparison"]
    assert (base["unit"], base["p80"], base["p80_date"]) == ("weeks", 10, "2022-03-11")
    assert (fast["unit"], fast["p80"], fast["p80_date"]) == ("days", 4, "2022-01-04")
    assert fast["p80_gain_days"] == 66 and fast["p80_gain"] == pytest.approx(66 / 7, abs=1e-12)
    code, out, _ = _compare(capsys, weeks, pair[1], "--target", "a")
    assert "gain +2.2 months (+66 days)" in out  # 66 / 30.4375 = 2.17


def test_target_compares_on_that_element_even_a_phase(pair, capsys):
    code, out, _ = _compare(capsys, *pair, "--json", "--target", "a1")
    obj = json.loads(out)
    assert code == 0 and obj["target"] == "a1"
    assert [(r["id"], r["p80_gain_days"]) for r in obj["comparison"]] == [("a1", 0), ("a1", 6)]
    code, out, _ = _compare(capsys, *pair, "--target", "b")
    assert code == 0 and "  b " in out and "  a " not in out


def test_unknown_target_in_any_scenario_exits_2_with_the_closest_id(pair, write, capsys):
    only_a = str(write(_scenario(4, extra=False), "only-a.yaml"))
    code, out, err = _compare(capsys, pair[0], only_a, "--target", "b")
    assert code == 2 and out == ""
    assert f"--target `b` is not a milestone, phase or initiative of {only_a}" in err
    code, _, err = _compare(capsys, *pair, "--target", "a1x")
    assert code == 2 and "(did you mean `a1`?)" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as stop:
        main(["compare", *pair, "--target"])
    assert stop.value.code == 2 and "expected one argument" in capsys.readouterr().err


def test_lang_sets_the_language_and_marks_of_the_printed_text(pair, capsys):
    code, out, _ = _compare(capsys, *pair, "--target", "a")
    assert code == 0 and "gain +0.2 months (+6 days)" in out and "P(deadline) 100.0%" in out
    code, out, _ = _compare(capsys, *pair, "--target", "a", "--lang", "nb")
    assert code == 0 and "gevinst +0,2 måneder (+6 dager)" in out
    assert "P(frist) 100,0\u00a0%" in out and "+100,0 prosentpoeng" in out
    with pytest.raises(SystemExit) as stop:
        main(["compare", *pair, "--lang", "de"])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert "invalid choice: 'de'" in err and "Traceback" not in err


def test_out_writes_the_comparison_as_one_unit(pair, tmp_path, capsys):
    out_dir = tmp_path / "cmp"
    code, printed, err = _compare(capsys, *pair, "--json", "--out", str(out_dir))
    assert code == 0 and "wrote" in err
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == [".veikart.lock", "comparison.csv", "comparison.json", "manifest.json"]
    assert (out_dir / "comparison.json").read_text(encoding="utf-8") == printed
    lines = (out_dir / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == ROW_KEYS
    assert f"a,{pair[1]},days,4,4,2022-01-04,2022-01-04,1,6,6,6,6,1,0" in lines
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"] == "compare" and manifest["seed"] == 7
    assert sorted(manifest["files"]) == ["comparison.csv", "comparison.json"]
    # a later comparison on one target replaces the set; a file veikart did not write stays
    (out_dir / "notes.txt").write_text("mine")
    assert _compare(capsys, *pair, "--target", "b", "--out", str(out_dir))[0] == 0
    obj = json.loads((out_dir / "comparison.json").read_text(encoding="utf-8"))
    assert obj["target"] == "b" and (out_dir / "notes.txt").read_text() == "mine"


def test_out_replaces_a_runs_files_and_refuses_foreign_ones(pair, tmp_path, capsys):
    out_dir = tmp_path / "both"
    assert main(["run", pair[0], "-n", "50", "--seed", "1", "--out", str(out_dir), "--no-report"]) == 0
    assert (out_dir / "summary.json").exists()
    assert _compare(capsys, *pair, "--out", str(out_dir))[0] == 0
    assert not (out_dir / "summary.json").exists()  # the folder holds one command's set
    assert (out_dir / "comparison.json").exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "comparison.csv").write_text("someone's own table")
    code, _, err = _compare(capsys, *pair, "--out", str(foreign))
    assert code == 2 and "comparison.csv not written by veikart" in err
    assert (foreign / "comparison.csv").read_text() == "someone's own table"


def test_bad_out_is_refused_before_simulating(pair, tmp_path, capsys, monkeypatch):
    def no_simulation(*args, **kwargs):
        raise AssertionError("compare should have been refused before simulating")
    monkeypatch.setattr("simulator.compare_command.simulate_one", no_simulation)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    code, _, err = _compare(capsys, *pair, "--out", str(a_file / "sub"))
    assert code == 2 and "is a file, not a directory" in err and "Traceback" not in err
    locked = tmp_path / "locked"
    with OutputDir(locked):
        code, _, err = _compare(capsys, *pair, "--out", str(locked))
    assert code == 2 and "another veikart command is using it" in err


def test_compare_results_refuses_an_element_missing_from_a_result(pair):
    from simulator import load_scenario, simulate
    results = {f: simulate(load_scenario(f), 10, seed=1) for f in pair}
    assert list(compare_results(results, ["a1"])["id"]) == ["a1", "a1"]
    with pytest.raises(ValueError, match="has no element 'zz'"):
        compare_results(results, ["zz"])


def test_a_file_given_twice_is_refused(pair, capsys):
    from pathlib import Path
    base, _ = pair
    same = Path(base).parent / "." / Path(base).name  # the same file, spelled differently
    assert main(["compare", base, str(same), "-n", "50"]) == 2
    err = capsys.readouterr().err
    assert "is given twice" in err and "Traceback" not in err


def test_the_header_says_the_sampling_and_mitigation(pair, capsys):
    base, other = pair
    assert main(["compare", str(base), str(other), "-n", "60", "--seed", "1",
                 "--sampling", "lhs", "--mitigated"]) == 0
    assert "60 iterations, seed 1, sampling lhs, risks mitigated, common random numbers" \
        in capsys.readouterr().out
    assert main(["compare", str(base), str(other), "-n", "60", "--seed", "1"]) == 0
    head = capsys.readouterr().out.splitlines()[0]
    assert "sampling mc," in head and "mitigated" not in head


def test_a_gain_has_at_least_the_decimals_of_the_share_it_changes(capsys):
    """A P(deadline) of 0.05 % changed by +0.05 percentage points must not read "+0.1"."""
    import re
    from pathlib import Path
    scen = Path(__file__).resolve().parents[1] / "scenarios"
    assert main(["compare", str(scen / "veikart-22.1.yaml"), str(scen / "veikart-22.1-steg2-funded.yaml"),
                 "-n", "2000", "--seed", "1"]) == 0
    rows = [l for l in capsys.readouterr().out.splitlines() if "P(deadline)" in l and "gain" in l]
    checked = 0
    for row in rows:
        m = re.search(r"P\(deadline\)\s+([\d.]+)%\s+[+−]?([\d.]+) percentage points "
                      r"\(standard error ([\d.]+)", row)
        assert m, row
        decimals = [len(x.split(".")[1]) if "." in x else 0 for x in m.groups()]
        assert decimals[1] >= decimals[0] and decimals[2] >= decimals[0], row
        checked += decimals[0] >= 2
    assert checked >= 1  # the run has a share printed with two decimals, as planned


def test_the_baselines_own_values_are_printed(pair, capsys):
    """10 fixed days from 2022-01-01 finish on 2022-01-10, after the 2022-01-08 deadline."""
    code, out, _ = _compare(capsys, *pair, "--target", "a")
    assert code == 0
    lines = out.splitlines()
    at = lines.index(f"{pair[0]}, the baseline:")
    assert lines[at + 1].split() == ["a", "P80", "2022-01-10", "P(deadline)", "0.0%"]


def test_workers_give_the_same_comparison(pair, capsys, monkeypatch):
    import simulator.parallel
    monkeypatch.setattr(simulator.parallel, "available_cpus", lambda: 2)
    runs = []
    for extra in ([], ["--workers", "2"]):
        assert main(["compare", *pair, "-n", "9000", "--seed", "3", "--json", *extra]) == 0
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1]
    assert main(["compare", *pair, "-n", "100", "--workers", "4"]) == 0
    assert "--workers 4 capped at 1: 100 iterations make 1 chunk" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["compare", *pair, "--workers", "0"])
    assert exc.value.code == 2
