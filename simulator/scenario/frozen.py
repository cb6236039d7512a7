"""Read-only containers for the scenario models, so a validated scenario cannot be changed.

Pydantic's ``frozen=True`` only stops attribute assignment: a ``list`` or ``dict``
field can still be changed in place, and a scenario changed that way is never
validated again (two phases with one id would be simulated). The models
therefore hold tuples (``tuple[X, ...]``, which validates a YAML list) and
:class:`FrozenMap` for mappings (``ReadOnlyDict[K, V]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, WrapSerializer

K = TypeVar("K")
V = TypeVar("V")


class FrozenMap(Mapping):
    """An immutable mapping: ``m[k] = v``, ``del m[k]`` and ``m.update(...)`` do not exist.

    Equal to any mapping with the same items (a ``dict`` too), hashable when its
    values are, and picklable, so scenarios travel to worker processes.
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping | Any = ()) -> None:
        self._data = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self) -> Iterator:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self):
        return FrozenMap, (self._data,)


def _as_dict(value: Mapping, handler):
    # dumped as the dict it stands for: JSON, model_dump and scenario_hash are unchanged
    return handler(dict(value))


#: A ``dict[K, V]`` field that validates as a dict and holds a read-only :class:`FrozenMap`.
ReadOnlyDict = Annotated[dict[K, V], AfterValidator(FrozenMap), WrapSerializer(_as_dict)]


def thaw(value: Any) -> Any:
    """A model dump with plain lists and dicts again, as an overlay merge expects them."""
    if isinstance(value, (list, tuple)):
        return [thaw(x) for x in value]
    if isinstance(value, Mapping):
        return {k: thaw(x) for k, x in value.items()}
    return value


__all__ = ["FrozenMap", "ReadOnlyDict", "thaw"]
