"""Mutated scenario files either validate or raise ScenarioError, never anything else."""

from __future__ import annotations

import copy
import csv
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from texts import TINY

from simulator import ScenarioError, compile_scenario, load_scenario, plan

BASE = yaml.safe_load(TINY)
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT = yaml.safe_load((SCENARIOS / "veikart-22.1.yaml").read_text(encoding="utf-8"))


def _inline_units(tree: dict) -> dict:
    """The unit tables given inline, so that a mutant written elsewhere still has them."""
    for name, table in tree.get("units", {}).items():
        if isinstance(table, dict) and "file" in table:
            with open(SCENARIOS / table["file"], encoding="utf-8", newline="") as fh:
                rows = list(csv.DictReader(fh))
            tree["units"][name] = [{**r, "weight": float(r["weight"])} if "weight" in r else r
                                   for r in rows]
    return tree


DEFAULT = _inline_units(DEFAULT)


def _paths(node, prefix=()):
    """Every path to a value in a plain YAML tree."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


ALL_PATHS = [p for p in _paths(BASE) if p]
DEFAULT_PATHS = [p for p in _paths(DEFAULT) if p]
REPLACEMENTS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.lists(st.integers(-5, 5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["sfm", "pll-utproving", "FS", "SS", "pert", "utproving", "2022-01-01", "12-15"]),
)


def _get_parent(tree, path):
    for part in path[:-1]:
        tree = tree[part]
    return tree


def _dump(tree) -> Path:
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as fh:
        yaml.safe_dump(tree, fh, allow_unicode=True)
    return Path(fh.name)


def _mutate(base, ops):
    tree = copy.deepcopy(base)
    for op, path, value, factor in ops:
        try:
            parent = _get_parent(tree, path)
            key = path[-1]
            current = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed this path
        if not isinstance(parent, (dict, list)):
            continue  # an earlier mutation turned a container into a scalar
        if op == "delete":
            del parent[key]
        elif op == "replace":
            parent[key] = value
        elif op == "rename" and isinstance(current, str):
            parent[key] = current[:-1] or "x"
        elif op == "scale" and isinstance(current, (int, float)) and not isinstance(current, bool):
            parent[key] = current * factor
    return tree


def _check(tree) -> None:
    path = _dump(tree)
    try:
        sc = load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems and str(exc)
        return
    finally:
        path.unlink()
    # a mutant that validates must also compile and plan
    plan(compile_scenario(sc))


def _ops(paths):
    return st.lists(st.tuples(st.sampled_from(["delete", "replace", "rename", "scale"]),
                              st.sampled_from(paths), REPLACEMENTS,
                              st.floats(-3, 3, allow_nan=False)), min_size=1, max_size=4)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops(ALL_PATHS))
def test_mutants_validate_or_raise_scenario_error(ops):
    _check(_mutate(BASE, ops))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops(DEFAULT_PATHS))
def test_mutants_of_the_default_scenario(ops):
    _check(_mutate(DEFAULT, ops))
