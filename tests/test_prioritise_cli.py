"""``veikart prioritise``: the table, the JSON, the files, and bad input exiting 2."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import ROOT

from simulator.cli import main

EXAMPLE = ROOT / "scenarios" / "examples" / "capacity.yaml"


@pytest.fixture
def with_benefits(write, tmp_path):
    shutil.copytree(EXAMPLE.parent, tmp_path / "examples")  # an overlay extends only files below it
    return write(f"""\
        extends: examples/{EXAMPLE.name}
        benefits:
          unit: MNOK
          note: illustrative assumptions
          rates:
            - {{of: pll-innforing, per_month: 3}}
            - {{of: kritisk-info, per_month: 1, ramp_up: 6}}
        """, "with-benefits.yaml")


def test_prioritise_prints_the_ranked_table_and_writes_files(with_benefits, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["prioritise", str(with_benefits), "-n", "300", "--seed", "3", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Recommended order:" in text and "over plan-order" in text and "P(best)" in text
    data = json.loads((out / "prioritisation.json").read_text())
    assert data["objective"] == "npv" and data["unit"] == "MNOK" and data["seed"] == 3
    assert {"gain", "gain_lo", "gain_hi", "verdict", "p_best", "rank"} <= set(data["candidates"][0])
    assert (out / "tradeoff.png").stat().st_size > 1000 and (out / "prioritisation.csv").exists()
    # a verdict of "better" only where the interval is above 0
    for row in data["candidates"] + data["gains"]:
        assert (row["verdict"] == "better") == (row["gain_lo"] > 0)


def test_prioritise_json_is_the_same_for_the_same_seed(with_benefits, capsys):
    args = ["prioritise", str(with_benefits), "-n", "200", "--seed", "5", "--objective", "p80-target",
            "--json"]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args + ["--workers", "2"]) == 0
    assert capsys.readouterr().out == first and json.loads(first)["objective"] == "p80-target"


@pytest.mark.parametrize("argv, message", [
    (["--objective", "npv"], "has no benefit rates"),
    (["--candidates", "missing.yaml"], "missing.yaml: file not found"),
])
def test_bad_input_exits_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["prioritise", str(EXAMPLE), "-n", "50", *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [(["--budget", "0"], "too small"),
                                           (["--objective", "fastest"], "invalid choice")])
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["prioritise", str(EXAMPLE), *argv])
    assert info.value.code == 2 and message in capsys.readouterr().err


def test_bad_candidates_file_names_line_and_field(with_benefits, write, capsys):
    bad = write("permute: [legemiddelliste, kritisk-inf]\n", "bad.yaml")
    assert main(["prioritise", str(with_benefits), "--candidates", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:1:" in err and "permute[1]: `kritisk-inf` is not a phase, initiative or tag" in err
    assert "did you mean `kritisk-info`" in err or "kritisk-info" in err


def test_prioritise_out_joins_a_run_of_its_scenario_as_one_recorded_set(with_benefits, tmp_path, capsys):
    """The prioritisation's files went into the folder beside no record: the run's manifest
    no longer matched its report.html, and a later run of another scenario left them there,
    for ``veikart report`` to show in that scenario's report."""
    import hashlib
    from simulator.report.prioritering import PRIORITISE_FILES
    out = tmp_path / "out"
    assert main(["run", str(with_benefits), "-n", "300", "--seed", "3", "--no-report", "--out", str(out)]) == 0
    assert main(["prioritise", str(with_benefits), "-n", "300", "--seed", "3", "--out", str(out)]) == 0
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert set(PRIORITISE_FILES) | {"report.html", "summary.json"} <= set(files)
    for name, sha in files.items():  # the run's files kept, every record true
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == sha, name
    assert "Prioritering" in (out / "report.html").read_text(encoding="utf-8")
    capsys.readouterr()

    # another scenario cannot take it: its report would show this search as its own
    assert main(["prioritise", str(EXAMPLE), "-n", "50", "--out", str(out)]) == 2
    assert "holds a run of" in capsys.readouterr().err
    # a later run replaces the folder's set, the prioritisation with it
    assert main(["run", str(EXAMPLE), "-n", "300", "--seed", "3", "--out", str(out)]) == 0
    assert "removed prioritisation.csv, prioritisation.json, tradeoff.png" in capsys.readouterr().err
    assert not any((out / name).exists() for name in PRIORITISE_FILES)
    assert main(["report", str(out)]) == 0
    assert "Prioritering" not in (out / "report.html").read_text(encoding="utf-8")
