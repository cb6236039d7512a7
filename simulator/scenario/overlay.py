"""What-if overlays: a file that `extends:` another and changes, adds or removes elements by id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError, suggest
from .unitfile import expand_unit_files
from .yamlio import SourceMap, load_yaml

SECTIONS = ("initiatives", "milestones", "risks", "blackouts", "correlations", "resources")
#: Mappings an overlay changes key by key: header fields, priority settings, unit tables by name,
#: the reference class.
MAPPINGS = ("scenario", "priorities", "units", "reference_class")
OVERLAY_KEYS = ("extends", "remove", *MAPPINGS, *SECTIONS)
#: Overlays may stack, but a deeper chain is almost surely a mistake.
MAX_CHAIN = 16


def load_raw(path: str | Path) -> tuple[Any, SourceMap]:
    """Load a scenario file and every file it extends, merged into one raw tree.

    Parameters
    ----------
    path : str or Path
        A scenario file, or an overlay with ``extends:``.

    Returns
    -------
    data, source_map
        The merged tree and the positions of its values, each in the file it came from.

    Raises
    ------
    ScenarioError
        A file cannot be loaded, an overlay extends a missing file or extends
        itself in a loop, or an overlay entry is malformed.
    """
    data, smap = _load(Path(path), [])
    expand_unit_files(data, smap)
    return data, smap


def _load(path: Path, chain: list[Path]) -> tuple[Any, SourceMap]:
    data, smap = load_yaml(path)
    if not (isinstance(data, dict) and "extends" in data):
        return data, smap
    name = str(path)
    here = smap.items.get((id(data), "extends"))
    line, col = (here.line, here.col) if here else (None, None)
    unknown = [k for k in data if k not in OVERLAY_KEYS]
    if unknown:
        key = smap.keys.get((id(data), unknown[0]))
        raise ScenarioError.single(
            name, f"unknown top-level key `{unknown[0]}` in an overlay{suggest(unknown[0], OVERLAY_KEYS)}",
            key.line if key else None, key.col if key else None, unknown[0])
    target = data["extends"]
    if not isinstance(target, str) or not target:
        raise ScenarioError.single(name, "must be the path of the scenario this overlay extends",
                                   line, col, "extends")
    base_path = (path.parent / target).resolve()
    stack = [*chain, path.resolve()]
    if base_path in stack:
        loop = " -> ".join(p.name for p in [*stack[stack.index(base_path):], base_path])
        raise ScenarioError.single(name, f"overlays extend each other in a loop: {loop}",
                                   line, col, "extends")
    if len(stack) > MAX_CHAIN:
        raise ScenarioError.single(name, f"more than {MAX_CHAIN} overlays extend each other",
                                   line, col, "extends")
    if not base_path.is_file():
        raise ScenarioError.single(name, f"extends `{target}`, but {base_path} does not exist",
                                   line, col, "extends")
    base, base_map = _load(base_path, stack)
    if not isinstance(base, dict):
        raise ScenarioError.single(str(base_path), "a scenario file must be a mapping at the top level")
    smap.update(base_map)
    merge_into(base, data, smap, name)
    return base, smap


def merge_into(base: dict, over: dict, smap: SourceMap, name: str) -> None:
    """Apply an overlay's changes to a base tree in place (see :func:`load_raw`)."""
    problems: list[Problem] = []
    for key in MAPPINGS:
        if key not in over:
            continue
        patch = over[key]
        if key != "scenario" and key not in base and isinstance(patch, dict):
            base[key] = {}
        if not isinstance(patch, dict) or not isinstance(base.get(key), dict):
            problems.append(_problem(smap, over, key, name, "must be a mapping"))
        else:
            _replace_keys(base[key], patch, smap)
    for section in SECTIONS:
        if section in over:
            problems += _merge_list(base, section, over, smap, name)
    if "remove" in over:
        problems += _remove(base, over, smap, name)
    if problems:
        raise ScenarioError(problems)


def _replace_keys(target: dict, patch: dict, smap: SourceMap, skip: tuple = ()) -> None:
    for key, value in patch.items():
        if key in skip:
            continue
        target[key] = value
        for table in (smap.items, smap.keys):
            if (id(patch), key) in table:
                table[(id(target), key)] = table[(id(patch), key)]


def _merge_list(parent: dict, key: str, over: dict, smap: SourceMap, name: str) -> list[Problem]:
    """Merge ``over[key]`` into ``parent[key]`` by element id."""
    items = over[key]
    if not isinstance(items, list):
        return [_problem(smap, over, key, name, "must be a list of elements with ids")]
    base_items = parent.setdefault(key, [])
    if not isinstance(base_items, list):
        return []  # the merged scenario is validated afterwards and reports this
    by_id = {el.get("id"): el for el in base_items if isinstance(el, dict)}
    problems = []
    for i, el in enumerate(items):
        if not isinstance(el, dict) or not isinstance(el.get("id"), str):
            problems.append(_problem(smap, items, i, name, "an overlay element needs an `id`"))
            continue
        existing = by_id.get(el["id"])
        if existing is None:
            smap.items[(id(base_items), len(base_items))] = smap.items.get((id(items), i))
            base_items.append(el)
            by_id[el["id"]] = el
        elif key == "initiatives" and "phases" in el:
            _replace_keys(existing, el, smap, skip=("phases",))
            problems += _merge_list(existing, "phases", el, smap, name)
        else:
            _replace_keys(existing, el, smap)
    return problems


def _remove(base: dict, over: dict, smap: SourceMap, name: str) -> list[Problem]:
    ids = over["remove"]
    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
        return [_problem(smap, over, "remove", name, "must be a list of ids")]
    found: set[str] = set()
    containers = [base.get(s) for s in SECTIONS]
    containers += [ini.get("phases") for ini in base.get("initiatives") or []
                   if isinstance(ini, dict)]
    for seq in containers:
        if isinstance(seq, list):
            keep = [el for el in seq if not (isinstance(el, dict) and el.get("id") in ids)]
            found |= {el["id"] for el in seq if isinstance(el, dict) and el.get("id") in ids}
            _relocate(seq, keep, smap)
    known = _all_ids(base)
    return [_problem(smap, ids, i, name, f"`{x}` is not an id in the base scenario{suggest(x, known)}")
            for i, x in enumerate(ids) if x not in found]


def _relocate(seq: list, keep: list, smap: SourceMap) -> None:
    """Shrink ``seq`` in place to ``keep``, moving item positions along."""
    marks = {id(el): smap.items.get((id(seq), i)) for i, el in enumerate(seq)}
    seq[:] = keep
    for i, el in enumerate(seq):
        if marks.get(id(el)):
            smap.items[(id(seq), i)] = marks[id(el)]


def _all_ids(base: dict) -> list[str]:
    out = []
    for section in SECTIONS:
        for el in base.get(section) or []:
            if isinstance(el, dict):
                out.append(el.get("id"))
                out += [ph.get("id") for ph in el.get("phases") or [] if isinstance(ph, dict)]
    return [x for x in out if isinstance(x, str)]


def _problem(smap: SourceMap, container: Any, key: Any, name: str, message: str) -> Problem:
    mark = smap.items.get((id(container), key)) or smap.containers.get(id(container))
    return Problem(mark.file if mark else name, mark.line if mark else None,
                   mark.col if mark else None, str(key), message)
