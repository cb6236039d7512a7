"""Planned dates and the outside view in the JSON contract and in the report."""

from __future__ import annotations

import json

import pandas as pd
from texts import chain, phase

from simulator import simulate
from simulator.output import dumps
from simulator.report.data import ReportData
from simulator.report.html import render_html

REFERENCE = {"name": "IT", "source": "test", "ratio": {"dist": "lognormal", "p50": 1.21, "p90": 1.61}}


def _scenario(build):
    late = {"id": "late", "category": "other", "probability": 1.0,
            "delay": {"dist": "fixed", "value": 5}, "applies_to": {"ids": ["a1"]}}
    return build({"initiatives": [chain("a", phase("a1", {"dist": "fixed", "value": 10})),
                                  {**chain("c", phase("c1", {"dist": "fixed", "value": 10})),
                                   "planned": "2022-01-20"}],
                  "milestones": [{"id": "m", "after": ["a"], "planned": "2022-01-31"}],
                  "risks": [late], "reference_class": REFERENCE})


def test_json_gains_planned_and_reference_class(build):
    out = json.loads(dumps(simulate(_scenario(build), 50, seed=1).to_dict()))
    assert out["reference_class"]["name"] == "IT"
    assert abs(out["reference_class"]["ratio"]["p50"] - 1.21) < 1e-9
    acts = {a["id"]: a for a in out["activities"]}
    a, c, m = acts["a"]["planned"], acts["c"]["planned"], acts["m"]["planned"]
    assert (a["date"], a["from"], a["prob_by_planned"]) == ("2022-01-10", "plan", 0.0)
    assert a["slip"] == {"p50": 5.0, "p85": 5.0, "p90": 5.0} and a["ratio"]["p80"] == 1.5
    assert a["optimistic"] is False and acts["c"]["planned"]["optimistic"] is True
    assert (c["date"], c["from"], c["prob_by_planned"]) == ("2022-01-20", "scenario", 1.0)
    assert c["slip"]["p50"] == -10.0
    assert m["from"] == "scenario" and "planned" not in acts["a1"]


def test_the_report_shows_planned_dates_and_flags(build, tmp_path):
    data = ReportData.from_result(simulate(_scenario(build), 50, seed=1))
    html = render_html(data, lang="en")
    section = html[html.index('id="planned"'):html.index('id="risks"')]
    assert "2022-01-20*" in section and "1.50" in section and "0.50 !" in section
    data.save(tmp_path)
    assert 'id="planned"' in render_html(ReportData.load(tmp_path), lang="en")
    # report data saved before planned dates existed renders without the section
    old = ReportData(meta=data.meta, summary=data.summary.drop(
        columns=[c for c in data.summary.columns if c.startswith(("slip_", "ratio_", "prob_by_planned"))]),
        finishes=data.finishes, sensitivity=data.sensitivity, risks=data.risks, drivers=data.drivers,
        coverage=data.coverage, utilisation=data.utilisation, why=data.why)
    assert 'id="planned"' not in render_html(old, lang="en")
    assert isinstance(data.summary, pd.DataFrame)
