"""JSON Schema of the scenario format, for editors (yaml-language-server)."""

from __future__ import annotations

from .models import Scenario


def scenario_schema() -> dict:
    """The JSON Schema of a scenario file, overlays included.

    Returns
    -------
    dict
        Draft 2020-12 schema. A file with ``extends:`` is an overlay: its
        elements may carry only the keys they change, so editors should not
        insist on required keys there.
    """
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "veikart scenario"
    props = schema.setdefault("properties", {})
    props["extends"] = {"type": "string", "description": "overlay: path of the scenario this file changes"}
    props["remove"] = {"type": "array", "items": {"type": "string"},
                       "description": "overlay: ids of elements to remove"}
    # an overlay need not repeat the header or the initiatives
    schema["if"] = {"required": ["extends"]}
    schema["then"] = {"required": []}
    schema["else"] = {"required": schema.pop("required", [])}
    return schema
