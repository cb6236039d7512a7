"""The report's Prioritering section: present after a prioritisation into the run's folder."""

from __future__ import annotations

import json
import shutil

from conftest import ROOT
from markupsafe import escape

from simulator.cli import main

EXAMPLE = ROOT / "scenarios" / "examples" / "capacity.yaml"


def test_report_gets_a_prioritering_section(write, tmp_path, capsys):
    shutil.copytree(EXAMPLE.parent, tmp_path / "examples")  # an overlay extends only files below it
    sc = write(f"""\
        extends: examples/{EXAMPLE.name}
        benefits:
          rates: [{{of: pll-innforing, per_month: 3}}, {{of: kritisk-info, per_month: 1}}]
        """, "b.yaml")
    out = tmp_path / "out"
    assert main(["run", str(sc), "-n", "300", "--seed", "1", "--out", str(out)]) == 0
    first = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="prioritering"' not in first
    # the run's benefits, as its JSON states them
    summary = json.loads((out / "summary.json").read_text())["benefits"]
    assert 'id="nytte"' in first and "Nåverdi" in first
    total = summary["total"]["present_value"]["mean"]
    assert f"{total:,.2f}".replace(",", " ").replace(".", ",") in first.replace("\u00a0", " ")
    assert main(["prioritise", str(sc), "-n", "200", "--seed", "1", "--out", str(out)]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    saved = json.loads((out / "prioritisation.json").read_text())
    assert 'id="prioritering"' in html and "Anbefalt rekkefølge" in html
    own = "scenario's order"  # the one candidate the tool names, in the report's language
    names = [c["name"] for c in saved["candidates"]]
    assert any(n.startswith(own) for n in names)
    for name in [saved["recommended"]["name"], *names[:10]]:
        said = "scenarioets egen rekkefølge" + name[len(own):] if name.startswith(own) else name
        assert str(escape(said)) in html  # as the page's template escapes text
    assert "scenario&#39;s order" not in html
    assert "planrekkefølgen" in html and "data:image/png;base64," in html
    # the verdict of each gain, in words, as the JSON states it
    words = {"better": "bedre", "worse": "dårligere", "no clear difference": "ingen sikker forskjell"}
    for g in saved["gains"]:
        assert words[g["verdict"]] in html
    assert main(["report", str(out), "--lang", "en"]) == 0
    en = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>Prioritisation</h2>" in en and "Recommended order" in en
    capsys.readouterr()


def test_no_benefits_and_no_prioritisation_no_sections(tiny_data):
    from simulator.report import render_html
    html = render_html(tiny_data)
    assert 'id="nytte"' not in html and 'id="prioritering"' not in html
