"""Validation against Google's discovery documents, as shipped inside
`google-api-python-client` (`googleapiclient/discovery_cache/documents/*.json`, pinned by
the package's version): the description Google publishes for Sheets v4, Drive v3 and
Docs v1, the same files the client builds its methods from.

A discovery document is not OpenAPI, so openapi-core cannot read it; its schemas are
JSON Schema in all but spelling, so each is turned into one (`$ref` by name becomes a
`$defs` pointer, `any` any type) and checked with `jsonschema`. Stricter than Google in
one way, on purpose: an object with listed properties takes no others, so a misspelt
field in a request (which Google answers with 400 "Unknown name") or an answer the
simulator invents is caught.

Query parameters are checked by name (the method's own and the API-wide ones such as
`fields`), by enum and by type; path parameters are the simulator's routes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import googleapiclient
from jsonschema import Draft202012Validator

DOCUMENTS = Path(googleapiclient.__file__).with_name("discovery_cache") / "documents"
Json = dict[str, Any]


@functools.cache
def document(api: str) -> Json:
    """The discovery document of `api`, e.g. "sheets.v4"."""
    with (DOCUMENTS / f"{api}.json").open(encoding="utf-8") as handle:
        loaded: Json = json.load(handle)
    return loaded


def _schema(node: Any) -> Any:
    """One discovery schema as JSON Schema."""
    if isinstance(node, list):
        return [_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: Json = {}
    for key, value in node.items():
        if key == "$ref":
            out["$ref"] = f"#/$defs/{value}"
        elif key == "properties":
            out["properties"] = {name: _schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties"):
            out[key] = _schema(value)
        elif key == "type":
            if value != "any":
                out["type"] = "number" if value in ("number", "integer") else value
        elif key in ("enum", "required"):
            out[key] = value
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("format") in ("int32", "uint32") and node.get("type") == "integer":
        out["type"] = "integer"
    return out


@dataclass(frozen=True)
class Method:
    api: str
    id: str
    description: Json

    @property
    def parameters(self) -> Json:
        own: Json = self.description.get("parameters", {})
        return {**document(self.api)["parameters"], **own}


@functools.cache
def _validator(api: str, ref: str) -> Draft202012Validator:
    defs = {name: _schema(body) for name, body in document(api)["schemas"].items()}
    return Draft202012Validator({"$ref": f"#/$defs/{ref}", "$defs": defs})


@functools.cache
def method(api: str, method_id: str) -> Method:
    """The method `sheets.spreadsheets.values.batchGet` of `sheets.v4`, say."""
    node: Json = document(api)
    *path, name = method_id.split(".")[1:]
    for resource in path:
        node = node["resources"][resource]
    return Method(api, method_id, node["methods"][name])


def _type_ok(value: str, spec: Json) -> bool:
    kind = spec.get("type", "string")
    if kind == "boolean":
        return value in ("true", "false", "True", "False")
    if kind == "integer":
        return value.lstrip("-").isdigit()
    if "enum" in spec:
        return value in spec["enum"]
    return True


def query_errors(target: Method, query: dict[str, list[str]]) -> list[str]:
    """Unknown, repeated-once-only, mistyped and missing required query parameters."""
    params = target.parameters
    errors = []
    for name, values in query.items():
        spec = params.get(name)
        if spec is None or spec.get("location") == "path":
            errors.append(f"{target.id}: unknown parameter {name}")
            continue
        if len(values) > 1 and not spec.get("repeated"):
            errors.append(f"{target.id}: {name} given {len(values)} times")
        errors += [
            f"{target.id}: {name}={value!r} is not a valid {spec.get('type', 'string')}"
            for value in values
            if not _type_ok(value, spec)
        ]
    for name, spec in params.items():
        if spec.get("required") and spec.get("location") == "query" and name not in query:
            errors.append(f"{target.id}: missing required parameter {name}")
    return errors


def body_errors(target: Method, body: Any, which: str) -> list[str]:
    """`which` is "request" or "response": the body against the method's schema."""
    ref = target.description.get(which, {}).get("$ref")
    if ref is not None and body is None and which == "request":
        return []  # no body: Google reads an empty message
    if ref is None:
        return [] if body in (None, {}, b"") else [f"{target.id}: no {which} body expected"]
    validator = _validator(target.api, ref)
    return [
        f"{target.id} {which} {'/'.join(map(str, error.absolute_path)) or '.'}: {error.message}"
        for error in validator.iter_errors(body)
    ]
