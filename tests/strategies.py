"""Hypothesis strategies shared by the engine tests: random scenario networks."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from simulator import compile_scenario
from simulator.scenario.check import build_scenario
from simulator.scenario.yamlio import SourceMap

START = dt.date(2022, 1, 1)


@st.composite
def networks(draw, units=("days", "weeks", "months")):
    n = draw(st.integers(2, 8))
    acts = []
    for i in range(n):
        after = []
        for p in draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []:
            after.append({"id": f"a{p}", "type": draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
                          "lag": draw(st.integers(-5, 10))})
        acts.append({"id": f"a{i}", "kind": "innforing" if draw(st.booleans()) else "utvikling",
                     "duration": {"dist": "fixed", "value": draw(st.integers(0, 60))},
                     "after": after})
        if draw(st.booleans()):
            acts[-1]["not_before"] = START + dt.timedelta(days=draw(st.integers(0, 200)))
    windows = draw(st.lists(st.tuples(st.integers(1, 11), st.integers(1, 28), st.integers(1, 40)),
                            max_size=2))
    gated = draw(st.lists(st.integers(0, n - 1), max_size=2, unique=True))
    unit = draw(st.sampled_from(units))
    raw = {"scenario": {"name": "ref", "version": "1", "start": START, "deadline": dt.date(2030, 1, 1),
                        "unit": unit},
           # listed in a drawn order, so that file order need not be a topological order
           "initiatives": [{"id": f"i{k}", "phases": [acts[k]]} for k in draw(st.permutations(range(n)))]}
    raw["blackouts"] = [{"id": f"b{k}", "window": {"from": f"{m:02d}-{d:02d}",
                                                   "until": _until(m, d, length)},
                         "applies_to": {"kinds": ["innforing"]}}
                        for k, (m, d, length) in enumerate(windows)]
    if not any(a["kind"] == "innforing" for a in acts):
        raw["blackouts"] = []
    if gated:
        raw["risks"] = [{"id": "gate", "category": "financing", "applies_to": {"ids": [f"a{i}" for i in gated]},
                         "funding": {"decisions": {"yearly": "03-15"}, "grant_probability": 1.0}}]
    return raw


def _until(month, day, length):
    end = dt.date(2023, month, day) + dt.timedelta(days=length - 1)
    return f"{end.month:02d}-{end.day:02d}"


def compiled(raw: dict):
    """The Network of a raw scenario tree, validated as a file would be."""
    return compile_scenario(build_scenario(raw, SourceMap(), "<test>")[0])
