"""Turn a raw YAML tree into a valid Scenario, or into every problem found, with positions."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterator

from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError, format_path, suggest
from . import models as m
from .rules import semantic_problems
from .salvage import salvage
from .yamlio import SourceMap

_TOP = tuple(m.Scenario.model_fields)


def _field_names() -> set[str]:
    """Every key the format knows, for 'did you mean' on unknown keys."""
    names: set[str] = set()
    for obj in vars(m).values():
        if isinstance(obj, type) and issubclass(obj, BaseModel):
            for name, info in obj.model_fields.items():
                names.add(info.alias or name)
    return names


_KNOWN_KEYS = _field_names()


def _message(err: dict) -> str:
    kind, value = err["type"], err.get("input")
    shown = (type(value).__name__ if isinstance(value, (dict, list)) else
             f"'{value.isoformat()}'" if isinstance(value, dt.date) else repr(value))
    if kind == "extra_forbidden":
        key = err["loc"][-1]
        if str(key) in _KNOWN_KEYS:
            return f"`{key}` is a key of the format, but not of this element"
        return f"unknown key `{key}`{suggest(str(key), _KNOWN_KEYS)}"
    if kind == "missing":
        return "required key is missing"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{shown} is not one of {expected}{suggest(str(value), _literal_options(expected))}"
    if kind == "union_tag_invalid":
        expected = err.get("ctx", {}).get("expected_tags", "")
        tag = err.get("ctx", {}).get("tag", value)
        return f"`{tag}` is not a known distribution; use one of {expected}" \
               f"{suggest(str(tag), _literal_options(expected))}"
    if kind == "union_tag_not_found":
        return "needs `dist:` (fixed, uniform, triangular, pert, normal or lognormal)"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping, got {shown}"
    if kind in ("list_type", "tuple_type"):  # the models hold YAML lists as tuples
        return f"expected a list, got {shown}"
    if kind == "too_short":
        need, got = err["ctx"]["min_length"], len(value)
        return (f"{'an empty list' if not got else f'{got} items'}; at least {need} "
                f"item{'s are' if need > 1 else ' is'} needed")
    if kind in ("float_type", "float_parsing", "finite_number"):
        if isinstance(value, str) and _number_text(value):  # YAML 1.1 reads 1e6 as text
            if "e" in value.lower():
                return (f"expected a finite number, got the text {shown}: YAML reads a number "
                        f"with an exponent only with a dot and a sign, as {float(value):.1e}")
            return f"expected a finite number, got the text {shown}: write it without quotes"
        return f"expected a finite number, got {shown}"
    if kind in ("less_than_equal", "greater_than_equal"):
        ctx = err.get("ctx", {})
        bound, side = (ctx.get("ge"), "below the least") if kind == "greater_than_equal" else \
            (ctx.get("le"), "above the most")
        return f"{shown} is {side} the format allows here, {bound:g}"
    if kind == "string_pattern_mismatch":
        return f"{shown} is not a valid id (letters, digits, '-', '_', '.'; starting with a letter or digit)"
    if kind.startswith("date"):
        return f"{shown} is not a date in the form YYYY-MM-DD"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{shown}: {msg}" if kind != "value_error" else msg


def _number_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


_DIST_KEYS = ("duration", "impact", "delay")


def _is_bare_number_distribution(path: tuple, value: object) -> bool:
    return bool(path) and path[-1] in _DIST_KEYS and isinstance(value, (int, float)) \
        and not isinstance(value, bool)


def _sibling_keys(raw: Any, path: tuple) -> set[str]:
    """The other keys of the mapping an unknown key stands in."""
    node = raw
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return set()
    return {k for k in node if isinstance(k, str) and k != path[-1]} if isinstance(node, dict) else set()


_HEADER_KEYS = {info.alias or name for name, info in m.Header.model_fields.items()}


def _unknown_key(key: object, siblings: set[str], top: bool = False) -> str:
    """'unknown key' with a suggestion from the models whose fields best match the siblings.

    A key the format knows, written where it does not belong, is said to be misplaced
    rather than given itself as a suggestion.
    """
    if top and str(key) in _HEADER_KEYS:
        return f"unknown key `{key}` at the top level: it belongs under `scenario:`"
    if str(key) in _KNOWN_KEYS:
        return f"`{key}` is a key of the format, but not of this element"
    fields = [{info.alias or name for name, info in model.model_fields.items()} for model in _MODELS]
    best = max((len(f & siblings) for f in fields), default=0)
    local = set().union(*[f for f in fields if len(f & siblings) == best]) if best else set()
    hint = suggest(str(key), local) or suggest(str(key), _KNOWN_KEYS)
    return f"unknown key `{key}`{hint}"


_MODELS = [obj for obj in vars(m).values() if isinstance(obj, type) and issubclass(obj, BaseModel)
           and obj is not BaseModel and obj.model_fields]


def _literal_options(expected: str) -> list[str]:
    return [part.strip(" '") for part in expected.replace(" or ", ",").split(",") if part.strip()]


#: Fields that take one of several shapes; pydantic names the shape tried after them.
_UNION_FIELDS = ("grant_probability", "capacity", "order")


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's union tags, which are not keys of the file."""
    dist_tags = {"fixed", "uniform", "triangular", "pert", "normal", "lognormal"}
    out: list = []
    for i, part in enumerate(loc):
        prev, prev2 = (loc[i - 1] if i >= 1 else None), (loc[i - 2] if i >= 2 else None)
        # a shape such as `constrained-int` or `tuple[CapacityStep, ...]`, not a key
        if prev in _UNION_FIELDS and isinstance(part, str) and part != "by":
            continue
        after_item = prev2 == "after" and isinstance(prev, int)
        # an `after` item is a plain id (tag "id") or a Link mapping (tag "link")
        if after_item and (part == "link" or (part == "id" and i == len(loc) - 1)):
            continue
        if prev in ("duration", "impact", "delay") and part in dist_tags:
            continue
        out.append(part)
    return tuple(out)


def _locate(raw: Any, smap: SourceMap, path: tuple, file: str, message: str,
            key: bool = False) -> Problem:
    mark = smap.locate(raw, path, key=key)
    return Problem(mark.file if mark else file, mark.line if mark else None,
                   mark.col if mark else None, format_path(path), message)


def _short_by_bad_items(err: dict) -> bool:
    """A tuple counts only its valid items against ``min_length``: the bad ones are reported."""
    value = err.get("input")
    return err["type"] == "too_short" and isinstance(value, (list, tuple)) \
        and len(value) >= err["ctx"]["min_length"]


def _pydantic_problems(exc: ValidationError, raw: Any, smap: SourceMap,
                       file: str) -> Iterator[Problem]:
    seen = set()
    errors = exc.errors(include_url=False)
    # a field that takes a number or a list, given a number: the list branch adds only
    # "expected a list", beside the error that says what is wrong with the number
    others = {_clean_loc(tuple(e["loc"])) for e in errors if e["type"] not in ("list_type", "tuple_type")}
    for err in errors:
        if _short_by_bad_items(err):
            continue
        path = _clean_loc(tuple(err["loc"]))
        value = err.get("input")
        if err["type"] in ("list_type", "tuple_type") and path in others and path != tuple(err["loc"]) \
                and isinstance(value, (int, float)) and not isinstance(value, bool):
            continue
        message = _message(err)
        if err["type"] == "parameter":  # a model's own rule: point at the field it names
            path, message = (*path, err["ctx"]["field"]), err["ctx"]["message"]
        elif err["type"] == "extra_forbidden":  # suggest from the keys of this element's kind
            message = _unknown_key(path[-1], _sibling_keys(raw, path), top=len(path) == 1)
        elif _is_bare_number_distribution(path, err.get("input")):
            message += f"; a fixed value is written {{dist: fixed, value: {err['input']}}}"
        if (path, message) in seen:
            continue
        seen.add((path, message))
        yield _locate(raw, smap, path, file, message, key=err["type"] == "extra_forbidden")


def _salvaged_problems(raw: dict, smap: SourceMap, file: str) -> list[Problem]:
    """The rules beyond shape, checked on the elements that are valid on their own.

    Problems that only follow from a broken element having been left out (a
    reference to it, a selector that would have matched it) are not reported.
    """
    part = salvage(raw)
    if part is None:
        return []
    found, _ = semantic_problems(part.scenario)
    out = []
    for path, msg in found:
        if any(f"`{x}`" in msg for x in part.dropped_ids) or (
                part.dropped_ids and "selects no activity" in msg):
            continue
        out.append(_locate(raw, smap, part.file_path(path), file, msg))
    return out


def build_scenario(raw: Any, smap: SourceMap, file: str) -> tuple[m.Scenario, list[str]]:
    """Validate a merged raw tree and return the Scenario with its warnings.

    Parameters
    ----------
    raw : object
        The merged YAML tree from :func:`~simulator.scenario.overlay.load_raw`.
    smap : SourceMap
        Positions of the tree's values.
    file : str
        The file named in errors when no better position is known.

    Returns
    -------
    scenario : Scenario
    warnings : list of str
        Things that are valid but probably not meant.

    Raises
    ------
    ScenarioError
        With every problem found, structural and semantic.
    """
    if not isinstance(raw, dict):
        what = "empty" if raw is None else f"a {type(raw).__name__}"
        raise ScenarioError.single(file, f"a scenario file must be a mapping at the top level, "
                                         f"but this one is {what}", 1, 1)
    try:
        scenario = m.Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = list(_pydantic_problems(exc, raw, smap, file))
        problems += _salvaged_problems(raw, smap, file)
        raise ScenarioError(sorted(problems, key=lambda p: (p.file != file, p.line or 0,
                                                            p.col or 0))) from None
    problems, warnings = semantic_problems(scenario)
    if problems:
        raise ScenarioError(_locate(raw, smap, path, file, msg) for path, msg in problems)
    return scenario, warnings
