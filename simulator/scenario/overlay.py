"""What-if overlays: a file that `extends:` another and changes, adds or removes elements by id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError, suggest
from .unitfile import expand_unit_files
from .yamlio import SourceMap, load_yaml

SECTIONS = ("initiatives", "milestones", "risks", "blackouts", "correlations", "resources")
#: Mappings an overlay changes key by key: header fields, priority settings, unit tables by name,
#: benefit settings, the reference class.
MAPPINGS = ("scenario", "priorities", "units", "benefits", "reference_class")
OVERLAY_KEYS = ("extends", "remove", *MAPPINGS, *SECTIONS)
#: Overlays may stack, but a deeper chain is almost surely a mistake.
MAX_CHAIN = 16


def load_raw(path: str | Path, *, allow_extends_outside: bool = False) -> tuple[Any, SourceMap]:
    """Load a scenario file and every file it extends, merged into one raw tree.

    Parameters
    ----------
    path : str or Path
        A scenario file, or an overlay with ``extends:``.
    allow_extends_outside : bool
        Let ``extends:`` reach files outside the folder of ``path`` and its
        subfolders (after symlinks are resolved). Off by default, so that an
        overlay from elsewhere cannot make the loader read any file it names.

    Returns
    -------
    data, source_map
        The merged tree and the positions of its values, each in the file it came from.

    Raises
    ------
    ScenarioError
        A file cannot be loaded, an overlay extends a missing file, a file
        outside the folder, or itself in a loop, or an overlay entry is malformed.
    """
    path = Path(path)
    data, smap = _load(path, [], path.resolve().parent, allow_extends_outside)
    expand_unit_files(data, smap)
    return data, smap


def _load(path: Path, chain: list[Path], root: Path, outside: bool) -> tuple[Any, SourceMap]:
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
    inside = base_path.is_relative_to(root)
    if not inside and not outside:
        raise ScenarioError.single(
            name, f"extends `{target}`, which is outside {root}; overlays may extend only files "
            "in the folder of the file given and below it (--allow-extends-outside lifts this)",
            line, col, "extends")
    stack = [*chain, path.resolve()]
    if base_path in stack:
        loop = " -> ".join(p.name for p in [*stack[stack.index(base_path):], base_path])
        raise ScenarioError.single(name, f"overlays extend each other in a loop: {loop}",
                                   line, col, "extends")
    if len(stack) > MAX_CHAIN:
        raise ScenarioError.single(name, f"more than {MAX_CHAIN} overlays extend each other",
                                   line, col, "extends")
    if not base_path.exists():
        raise ScenarioError.single(name, f"extends `{target}`, but {base_path} does not exist",
                                   line, col, "extends")
    try:
        base, base_map = _load(base_path, stack, root, outside)
    except ScenarioError as exc:  # never words from a file outside the folder that is no scenario
        if not inside and not _looks_like_scenario(base_path):
            raise _not_a_scenario(name, target, base_path, line, col) from None
        raise
    if not isinstance(base, dict) or not base.keys() & {"scenario", "initiatives", "extends"}:
        raise _not_a_scenario(name, target, base_path, line, col)
    smap.update(base_map)
    merge_into(base, data, smap, name)
    return base, smap


def _looks_like_scenario(path: Path) -> bool:
    try:
        data, _ = load_yaml(path)
    except ScenarioError:
        return False
    return isinstance(data, dict) and bool(data.keys() & {"scenario", "initiatives", "extends"})


def _not_a_scenario(name: str, target: str, base_path: Path, line, col) -> ScenarioError:
    return ScenarioError.single(
        name, f"extends `{target}`, but {base_path} is not a scenario file (no `scenario:` or "
        "`initiatives:` at its top level); its content is not shown", line, col, "extends")


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
    problems = [_problem(smap, ids, i, name, f"`{x}` is not an id in the base scenario"
                         f"{suggest(x, known)}", path=f"remove[{i}]")
                for i, x in enumerate(ids) if x not in found]
    users = _references(base)
    for i, x in enumerate(ids):
        if x in found and users.get(x):
            problems.append(_problem(smap, ids, i, name, (
                f"this overlay removes `{x}`, but {', '.join(users[x][:3])} still refer"
                f"{'s' if len(users[x]) == 1 else ''} to it; remove or change "
                f"{'that' if len(users[x]) == 1 else 'those'} too"), path=f"remove[{i}]"))
    return problems


def _references(base: dict) -> dict[str, list[str]]:
    """Which elements refer to each id: in `after`, in `applies_to` ids or initiatives, as target."""
    refs: dict[str, list[str]] = {}

    def note(ref: Any, who: str) -> None:
        if isinstance(ref, str):
            refs.setdefault(ref, []).append(who)
    for ini in base.get("initiatives") or []:
        if isinstance(ini, dict):
            phases = ini.get("phases") if isinstance(ini.get("phases"), list) else []
            for el in [ini, *[ph for ph in phases if isinstance(ph, dict)]]:
                after = el.get("after")
                for link in after if isinstance(after, list) else []:
                    note(link.get("id") if isinstance(link, dict) else link, f"`{el.get('id')}`")
    for section in ("milestones", "risks", "blackouts", "correlations"):
        for el in base.get(section) or []:
            if not isinstance(el, dict):
                continue
            after = el.get("after")
            for link in after if isinstance(after, list) else []:
                note(link.get("id") if isinstance(link, dict) else link, f"`{el.get('id')}`")
            sel = el.get("applies_to")
            for key in ("ids", "initiatives"):
                chosen = sel.get(key) if isinstance(sel, dict) else None
                for ref in chosen if isinstance(chosen, list) else []:
                    note(ref, f"`{el.get('id')}`")
    header = base.get("scenario")
    if isinstance(header, dict):
        note(header.get("target"), "`scenario.target`")
    return refs


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


def _problem(smap: SourceMap, container: Any, key: Any, name: str, message: str,
             path: str | None = None) -> Problem:
    mark = smap.items.get((id(container), key)) or smap.containers.get(id(container))
    return Problem(mark.file if mark else name, mark.line if mark else None,
                   mark.col if mark else None, str(key) if path is None else path, message)
