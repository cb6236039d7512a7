"""The header of a report-data folder (``meta.json``): its fields, validated, and its seal."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import format_path

_Percentile = Annotated[float, Field(gt=0, lt=100)]


class ReportMeta(BaseModel):
    """What ``meta.json`` must hold; read in JSON strict mode (no ``"12"`` for 12)."""

    model_config = ConfigDict(extra="allow", strict=True)

    name: str
    version: str
    start: dt.date
    deadline: dt.date
    unit: Literal["days", "weeks", "months"]
    horizon: dt.date
    percentiles: list[_Percentile] = Field(min_length=1)
    seed: int = Field(ge=0)
    iterations: int = Field(ge=1)
    sampling: Literal["mc", "lhs"]
    engine: str
    mitigated: bool
    scenario_sha256: str
    target: str
    target_name: str
    #: iterations the risk ranking and the "why" were computed on (absent: all of them)
    ranked_iterations: int | None = Field(default=None, ge=1)


def seal(head: dict) -> str:
    """The sha256 of a ``meta.json`` head (format, meta, files) in one canonical form.

    Stored beside them, so that a changed deadline, iteration count or table
    checksum is detected like a changed table.
    """
    text = json.dumps({k: head.get(k) for k in ("format", "meta", "files")}, sort_keys=True,
                      ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def validate_meta(meta: dict) -> tuple[dict | None, str | None]:
    """``meta`` as typed values (dates as ``datetime.date``), or the first problem found.

    Returns
    -------
    (dict, None) or (None, str)
        The validated fields, or a message naming the field and the rule broken.
    """
    try:
        model = ReportMeta.model_validate_json(json.dumps(meta))
    except ValidationError as exc:
        err = exc.errors()[0]
        where = format_path(("meta", *err["loc"]))
        return None, f"{where}: {err['msg']}"
    return model.model_dump(), None
