"""YAML loading: values typed as YAML types them, positions kept, the garbage collector left as found."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from simulator import ScenarioError
from simulator.scenario.yamlio import Mark, load_yaml

# every value twice, plain and quoted, in both orders: a quoted scalar is always a string
TYPED = """\
a: [12, "12", '12', 12]
b: ["true", true, 'true', true]
c: [2022-01-01, "2022-01-01", 2022-01-01]
d: [1.5, '1.5', ~, "~", null, 'null', .inf, ".inf"]
e: [!!str 3, 3, !!float 3, 3, !!int "3"]
"""


def test_a_value_is_typed_by_how_it_is_written_each_time(write):
    data, _ = load_yaml(write(TYPED))
    assert data == {"a": [12, "12", "12", 12],
                    "b": ["true", True, "true", True],
                    "c": [dt.date(2022, 1, 1), "2022-01-01", dt.date(2022, 1, 1)],
                    "d": [1.5, "1.5", None, "~", None, "null", float("inf"), ".inf"],
                    "e": ["3", 3, 3.0, 3, 3]}
    assert [type(v) for v in data["e"]] == [str, int, float, int, int]


def test_positions_of_repeated_values_are_their_own(write):
    path = write(TYPED)
    data, smap = load_yaml(path)
    row = data["a"]
    assert [smap.items[(id(row), i)] for i in range(4)] == [
        Mark(str(path), 1, c) for c in (5, 9, 15, 21)]
    assert smap.keys[(id(data), "e")] == Mark(str(path), 5, 1)


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("text", ["a: [1, 2]\n", "a: 2022-13-01\n", "a: [1,\n"])
def test_the_garbage_collector_is_left_as_it_was(enabled, text, write):
    path = write(text)
    (gc.enable if enabled else gc.disable)()
    try:
        try:
            load_yaml(path)
        except ScenarioError:
            pass
        assert gc.isenabled() is enabled
    finally:
        gc.enable()


@pytest.mark.parametrize("text, where, message", [
    ("scenario: !!bool maybe\n", (1, 11), "scenario: 'maybe' is not a valid !!bool value"),
    ("scenario:\n  start: !!timestamp yesterday\n", (2, 10),
     "scenario.start: 'yesterday' is not a valid !!timestamp value"),
    ("scenario:\n  start: !!int x1\n", (2, 10), "scenario.start: 'x1' is not a valid value"),
    ("initiatives:\n  - id: a\n    phases:\n      - kind: !!int x1\n", (4, 15),
     "initiatives[0].phases[0].kind: 'x1' is not a valid value"),
])
def test_an_explicit_tag_on_text_it_cannot_read_is_a_positioned_error(write, capsys, text,
                                                                      where, message):
    from simulator.cli import main
    path = write(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path.name}:{where[0]}:{where[1]} {message}" in err
    assert "internal error" not in err
