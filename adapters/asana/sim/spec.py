"""The official Asana OpenAPI description as the simulator validates against it, with its
known errata corrected in the loaded spec rather than by bending the answers, and the one
request form the description forbids but Asana takes (`memberships` on a new task)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openapi_core import OpenAPI

from adapters.simkit import load_openapi

SPEC_PATH = str(Path(__file__).with_name("asana-openapi.json"))


def load_spec() -> OpenAPI:
    """The description, parsed once per process, with `allow_null_objects` applied."""
    return load_openapi(SPEC_PATH, allow_null_objects)


def allow_null_objects(spec: dict[str, Any]) -> None:
    """The spec's errata: `{"allOf": [{"$ref": X}, {"nullable": true}]}` means "an X or
    null", but validators read it as "an X, and nullable" and refuse null; say it as
    `anyOf` an X or null. An event's `user` and `parent` are null for system events and
    for changes of a field, as the event schema's own description says, but are not
    marked nullable: mark them."""
    event = spec["components"]["schemas"]["EventResponse"]["properties"]
    for name in ("user", "parent"):
        event[name]["allOf"].append({"nullable": True})
    _null_or_object(spec)


def _null_or_object(spec: Any) -> None:
    if isinstance(spec, dict):
        members = spec.get("allOf")
        if isinstance(members, list) and any(
            isinstance(m, dict) and m.get("nullable") for m in members
        ):
            del spec["allOf"]
            plain = [{k: v for k, v in m.items() if k != "nullable"} for m in members]
            spec["anyOf"] = [{"allOf": plain}, {"type": "object", "nullable": True, "enum": [None]}]
        for value in spec.values():
            _null_or_object(value)
    elif isinstance(spec, list):
        for value in spec:
            _null_or_object(value)


def memberships_ok(memberships: Any) -> bool:
    """The create-time form Asana documents, [{"project": gid, "section": gid}, ...]: the
    spec marks `memberships` read-only, its own description and the real API take it."""
    return isinstance(memberships, list) and all(
        isinstance(m, dict)
        and set(m) <= {"project", "section"}
        and isinstance(m.get("project"), str)
        and isinstance(m.get("section", ""), str)
        for m in memberships
    )
