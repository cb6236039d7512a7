"""Safe YAML loading that remembers where every value came from, and refuses hostile files."""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError, format_path

#: Scenario files are small; anything larger is refused before parsing.
MAX_BYTES = 1_000_000
#: Deeper nesting than this has no meaning in the format and only costs stack.
MAX_DEPTH = 32
#: Caps on the event stream, so a crafted file cannot build a huge tree.
MAX_EVENTS = 200_000


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    file: str
    line: int
    col: int


@dataclass
class SourceMap:
    """Positions of the values in a loaded YAML tree.

    Keyed by ``id()`` of each dict or list, so the tree must stay alive while
    the map is used. Merging overlays keeps untouched containers, and with them
    their positions in the file they came from.
    """

    containers: dict[int, Mark] = field(default_factory=dict)
    items: dict[tuple[int, Any], Mark] = field(default_factory=dict)
    keys: dict[tuple[int, Any], Mark] = field(default_factory=dict)

    def update(self, other: "SourceMap") -> None:
        """Add every position of ``other``."""
        self.containers.update(other.containers)
        self.items.update(other.items)
        self.keys.update(other.keys)

    def locate(self, root: Any, path: tuple, *, key: bool = False) -> Mark | None:
        """Return the position of ``path`` in ``root``, or of its deepest known ancestor.

        With ``key=True`` the position of the last key itself is preferred, which
        is where an unknown key should be pointed at.
        """
        node, best = root, self.containers.get(id(root))
        for i, part in enumerate(path):
            if not isinstance(node, (dict, list)):
                break
            if isinstance(node, list) and not (isinstance(part, int) and 0 <= part < len(node)):
                continue  # a pydantic union tag or similar: not a real step
            if isinstance(node, dict) and part not in node:
                continue
            last = i == len(path) - 1
            mark = (self.keys if key and last else self.items).get((id(node), part))
            best = mark or best
            node = node[part]
        return best


_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")


# libyaml's parser when PyYAML was built with it: the same safe constructor, ten times faster
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeBase):
    """The safe loader; positions come from the nodes it composes."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._scalar_tags: dict = {}

    def resolve(self, kind, value, implicit):
        """The tag of a node, as the safe loader resolves it; a scalar's is remembered.

        With no path resolvers, a scalar's implicit tag depends only on its text and
        on how it was written (``implicit``), and a scenario repeats most of its values
        (kinds, distributions, small numbers): the regular expressions run once for each.
        """
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._scalar_tags.get(key)
        if tag is None:
            tag = self._scalar_tags[key] = super().resolve(kind, value, implicit)
        return tag


def _check_bytes(raw: bytes, name: str) -> str:
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(
            name, f"file is {len(raw):,} bytes; scenario files are limited to {MAX_BYTES:,} bytes")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError.single(name, "file is UTF-16 encoded; save it as UTF-8", 1, 1)
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ScenarioError.single(
            name, "file starts with a byte-order mark (BOM); save it as UTF-8 without BOM", 1, 1)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(
            name, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; save the file as UTF-8",
            line, exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1) from None
    if "\x00" in text:
        raise ScenarioError.single(name, "file contains NUL bytes; it is not a text file")
    for n, line_text in enumerate(text.splitlines(), 1):
        stripped = line_text.lstrip(" ")
        if stripped.startswith("\t"):
            raise ScenarioError.single(
                name, "tab used for indentation; YAML allows only spaces", n,
                len(line_text) - len(stripped) + 1)
    return text


def _check_events(text: str, name: str) -> None:
    """Walk the event stream once: no aliases, bounded depth and size."""
    depth = 0
    for count, event in enumerate(yaml.parse(text, Loader=_SafeBase)):
        mark = event.start_mark
        if count > MAX_EVENTS:
            raise ScenarioError.single(name, f"file has more than {MAX_EVENTS:,} YAML nodes",
                                       mark.line + 1, mark.column + 1)
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise ScenarioError.single(
                name, "YAML anchors and aliases (&, *) are not allowed in scenario files; "
                "use `extends:` overlays to share content", mark.line + 1, mark.column + 1)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError.single(
                    name, f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1, mark.column + 1)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _build(node: yaml.Node, loader: _Loader, smap: SourceMap, name: str, path: tuple = ()) -> Any:
    def mark(n: yaml.Node) -> Mark:
        return Mark(name, n.start_mark.line + 1, n.start_mark.column + 1)

    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise ScenarioError.single(name, f"YAML tag `{node.tag}` is not allowed", *_pos(node))
    if isinstance(node, yaml.MappingNode):
        out: dict = {}
        smap.containers[id(out)] = mark(node)
        for key_node, value_node in node.value:
            key = _build(key_node, loader, smap, name)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ScenarioError.single(name, "mapping keys must be plain scalars",
                                           *_pos(key_node))
            if key in out:
                raise ScenarioError.single(name, f"key `{key}` appears twice in one mapping",
                                           *_pos(key_node))
            out[key] = _build(value_node, loader, smap, name, (*path, key))
            smap.items[(id(out), key)] = mark(value_node)
            smap.keys[(id(out), key)] = mark(key_node)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq: list = []
        smap.containers[id(seq)] = mark(node)
        for i, child in enumerate(node.value):
            seq.append(_build(child, loader, smap, name, (*path, i)))
            smap.items[(id(seq), i)] = mark(child)
        return seq
    # A scalar is built by its tag's constructor directly: construct_object adds only the
    # bookkeeping of shared and recursive nodes, which a file without aliases has none of.
    build = loader.yaml_constructors.get(node.tag)
    try:
        return build(loader, node) if build else loader.construct_object(node, deep=True)
    except ValueError as exc:  # e.g. 2022-13-01 looks like a date but is none
        raise ScenarioError.single(name, f"'{node.value}' is not a valid value: {exc}",
                                   *_pos(node), format_path(path)) from None
    except (KeyError, AttributeError, TypeError):
        # an explicit tag on text it cannot read: `!!bool maybe`, `!!timestamp yesterday`
        tag = node.tag.rsplit(":", 1)[-1]
        raise ScenarioError.single(name, f"'{node.value}' is not a valid !!{tag} value",
                                   *_pos(node), format_path(path)) from None


def _pos(node: yaml.Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _read_regular(path: Path) -> bytes:
    """At most MAX_BYTES + 1 bytes of a regular file; a FIFO or a device is refused unread."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise _NotRegular(path)
        return fh.read(MAX_BYTES + 1)


class _NotRegular(OSError):
    pass


def load_yaml(path: str | Path) -> tuple[Any, SourceMap]:
    """Read one YAML file safely, with the position of every value.

    Parameters
    ----------
    path : str or Path
        The file to read.

    Returns
    -------
    data : object
        Plain dicts, lists and scalars (dates become ``datetime.date``).
    source_map : SourceMap
        Where each value stood in the file.

    Raises
    ------
    ScenarioError
        The file is missing, too large, not UTF-8, uses tabs, a BOM, anchors or
        aliases, nests too deeply, or is not valid YAML.
    """
    path = Path(path)
    name = str(path)
    try:
        raw = _read_regular(path)
    except FileNotFoundError:
        raise ScenarioError.single(name, "file not found") from None
    except IsADirectoryError:
        raise ScenarioError.single(name, "is a directory, not a scenario file") from None
    except _NotRegular:
        raise ScenarioError.single(name, "is not a regular file (a pipe or a device); "
                                   "scenario files are read from regular files only") from None
    except OSError as exc:
        raise ScenarioError.single(name, f"cannot read file: {exc.strerror}") from None
    text = _check_bytes(raw, name)
    smap = SourceMap()
    with _collector_paused():
        return _parse(text, name, smap), smap


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a file is parsed.

    A parse allocates several objects per YAML node (node, marks, containers,
    positions) and frees none, so the collector would run again and again over
    a heap that only grows: it took more than half of the loading time of a
    5,000-phase scenario. Nothing made here needs it (acyclic trees, freed by
    reference counting), and the file is bounded (MAX_BYTES, MAX_EVENTS).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parse(text: str, name: str, smap: SourceMap) -> Any:
    """The tree of ``text`` (already checked byte by byte), its positions added to ``smap``."""
    try:
        _check_events(text, name)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = None if node is None else _build(node, loader, smap, name)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        raise ScenarioError.single(name, f"YAML syntax error: {what}",
                                   m.line + 1 if m else None, m.column + 1 if m else None) from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(name, f"YAML error: {exc}") from None
    return data
