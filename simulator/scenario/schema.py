"""JSON Schema of the scenario format, for editors (yaml-language-server)."""

from __future__ import annotations

import copy

from .models import Scenario

#: Elements an overlay merges by id: it may give only the keys it changes, plus the id.
_MERGED = ("Header", "Initiative", "Phase", "Milestone", "Risk", "Blackout", "Correlation",
           "ReferenceClass")


def scenario_schema() -> dict:
    """The JSON Schema of a scenario file, overlays included.

    A file with ``extends:`` is an overlay: its elements carry their id and only
    the keys they change, so its branch of the schema requires nothing else.
    Values an overlay replaces whole (a duration, a selector, a funding rule)
    keep their full shape.

    Returns
    -------
    dict
        A draft 2020-12 schema that branches on ``extends`` with if/then/else.
    """
    base = Scenario.model_json_schema(by_alias=True, ref_template="#/$defs/{model}")
    defs = base.pop("$defs")
    defs["ScenarioFile"] = base
    for name in _MERGED:
        defs[f"Overlay{name}"] = _loosen(defs[name])
    overlay = _loosen(base)
    overlay["properties"]["extends"] = {
        "type": "string", "description": "path of the scenario this overlay changes"}
    overlay["properties"]["remove"] = {
        "type": "array", "items": {"type": "string"}, "description": "ids of elements to remove"}
    overlay["required"] = ["extends"]
    defs["Overlay"] = overlay
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "veikart scenario",
        "description": "A scenario, or an overlay (a file with `extends:`) that changes one.",
        "$defs": defs,
        "if": {"required": ["extends"]},
        "then": {"$ref": "#/$defs/Overlay"},
        "else": {"$ref": "#/$defs/ScenarioFile"},
    }


def _loosen(schema: dict) -> dict:
    """A copy that requires only ``id`` and points merged elements at their overlay forms."""
    out = copy.deepcopy(schema)
    out["required"] = [k for k in out.get("required", []) if k == "id"]
    for prop in out.get("properties", {}).values():
        prop.pop("minItems", None)
        for holder in (prop, prop.get("items", {})):
            ref = holder.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in _MERGED:
                holder["$ref"] = f"#/$defs/Overlay{name}"
    return out
