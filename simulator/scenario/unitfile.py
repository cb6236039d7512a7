"""Unit tables kept in CSV files (`units: {name: {file: x.csv}}`), read into the raw tree."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from ..errors import Problem, ScenarioError
from .yamlio import MAX_BYTES, Mark, SourceMap

#: A unit table holds organisations or areas: a few thousand rows at most.
MAX_ROWS = 20_000


def expand_unit_files(data: Any, smap: SourceMap) -> None:
    """Replace every ``{file: path}`` unit table in ``data`` by the rows of its CSV file.

    The path is relative to the file that names it and must lie in that file's
    folder or below it. Each row becomes a mapping whose position is its CSV
    line, so a bad value is reported as ``units.csv:7``.

    Raises
    ------
    ScenarioError
        The file is missing, outside the scenario's folder, not a regular file,
        too large, not UTF-8, or its rows are malformed.
    """
    tables = data.get("units") if isinstance(data, dict) else None
    if not isinstance(tables, dict):
        return
    for name, table in list(tables.items()):
        if isinstance(table, dict) and set(table) == {"file"}:
            where = smap.items.get((id(table), "file")) or smap.containers.get(id(table))
            rows, rows_map = read_units(table["file"], where, name)
            smap.update(rows_map)
            smap.items[(id(tables), name)] = where
            tables[name] = rows


def read_units(ref: Any, where: Mark | None, table: str) -> tuple[list[dict], SourceMap]:
    """Read one units CSV named at ``where``; see :func:`expand_unit_files`."""
    file, line, col = (where.file, where.line, where.col) if where else ("<scenario>", None, None)
    field = f"units.{table}.file"

    def fail(message: str) -> ScenarioError:
        return ScenarioError.single(file, message, line, col, field)

    if not isinstance(ref, str) or not ref:
        raise fail("must be the path of a CSV file, relative to this scenario file")
    folder = Path(file).resolve().parent
    path = (folder / ref).resolve()
    if not path.is_relative_to(folder):
        raise fail(f"`{ref}` lies outside the scenario's folder; keep unit files beside it or below")
    if not path.exists():
        raise fail(f"`{ref}` does not exist ({path})")
    if not path.is_file():
        raise fail(f"`{ref}` is not a regular file")
    with path.open("rb") as fh:
        raw = fh.read(MAX_BYTES + 1)
    return _rows(_text(raw, str(path)), str(path))


def _text(raw: bytes, name: str) -> str:
    """The CSV as text: UTF-8, a byte-order mark allowed (spreadsheets write one)."""
    if len(raw) > MAX_BYTES:
        raise ScenarioError.single(name, f"file is over {MAX_BYTES:,} bytes; unit files are "
                                   f"limited to {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(name, f"byte 0x{raw[exc.start]:02x} is not valid UTF-8; "
                                   "save the file as UTF-8", line) from None
    if "\x00" in text:
        raise ScenarioError.single(name, "file contains NUL bytes; it is not a text file")
    return text


def _rows(text: str, name: str) -> tuple[list[dict], SourceMap]:
    reader = csv.reader(io.StringIO(text, newline=""))
    smap = SourceMap()
    problems: list[Problem] = []
    try:
        header = next(reader, None)
        if not header or "id" not in header:
            raise ScenarioError.single(name, "the first line must name the columns, `id` among them",
                                       1, 1)
        header = [h.strip() for h in header]
        dup = {h for h in header if header.count(h) > 1}
        if dup or any(not h for h in header):
            raise ScenarioError.single(name, f"column names must be distinct and not empty: {header}",
                                       1, 1)
        rows: list[dict] = []
        for values in reader:
            n = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise ScenarioError.single(name, f"more than {MAX_ROWS:,} units", n, 1)
            if len(values) != len(header):
                problems.append(Problem(name, n, 1, "row",
                                        f"has {len(values)} values for {len(header)} columns"))
                continue
            row: dict[str, Any] = {}
            for h, v in zip(header, values):
                v = v.strip()
                if h == "weight":
                    if not v:
                        continue  # an empty weight is the default, 1
                    try:
                        row[h] = float(v)
                    except ValueError:
                        problems.append(Problem(name, n, 1, "weight", f"`{v}` is not a number"))
                        continue
                elif h != "name" or v:
                    row[h] = v
            smap.containers[id(row)] = Mark(name, n, 1)
            for h in row:
                smap.items[(id(row), h)] = Mark(name, n, 1)
            smap.items[(id(rows), len(rows))] = Mark(name, n, 1)
            rows.append(row)
    except csv.Error as exc:
        raise ScenarioError.single(name, f"CSV error: {exc}", reader.line_num, 1) from None
    if problems:
        raise ScenarioError(problems)
    smap.containers[id(rows)] = Mark(name, 1, 1)
    return rows, smap
