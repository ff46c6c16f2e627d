"""Notion's OpenAPI description (API 2025-09-03, data sources) as the simulator validates
against it, with its bodies made exact from the official JavaScript SDK's typed
declarations.

The vendored `notion-openapi.json` (from `@notionhq/notion-mcp-server`, see
`../shared/specs/README.md`) names every path, method, parameter and the auth scheme, but
its bodies are loose: `properties` is any object, answers are plain objects, and some are
wrong for 2025-09-03 (a page's parent is a `data_source_id`; `children` of a new page are
blocks, not strings; an append takes every block type, not only paragraphs and bullets).
`notion-client-schemas.json` holds JSON schemas generated from `@notionhq/client`'s
`build/src/api-endpoints/*.d.ts` (how: `declarations.ts` beside it). `load_spec` puts them
into the description as `components/schemas` and points the request and answer bodies of
the operations the simulator serves at them, so openapi-core checks every body against
the SDK's own types.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI

HERE = Path(__file__).parent
SPEC_FILE = HERE / "notion-openapi.json"
SCHEMAS_FILE = HERE / "notion-client-schemas.json"
SERVER = "https://api.notion.com"

BODIES: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("/v1/pages", "post"): ("CreatePageBody", "Page"),
    ("/v1/pages/{page_id}", "get"): (None, "Page"),
    ("/v1/pages/{page_id}", "patch"): ("UpdatePageBody", "Page"),
    ("/v1/blocks/{block_id}", "get"): (None, "Block"),
    ("/v1/blocks/{block_id}", "patch"): ("UpdateBlockBody", "Block"),
    ("/v1/blocks/{block_id}", "delete"): (None, "Block"),
    ("/v1/blocks/{block_id}/children", "get"): (None, "ListBlockChildrenAnswer"),
    ("/v1/blocks/{block_id}/children", "patch"): (
        "AppendBlockChildrenBody",
        "AppendBlockChildrenAnswer",
    ),
    ("/v1/data_sources/{data_source_id}", "get"): (None, "DataSource"),
    ("/v1/data_sources/{data_source_id}", "patch"): ("UpdateDataSourceBody", "DataSource"),
    ("/v1/data_sources/{data_source_id}/query", "post"): (
        "QueryDataSourceBody",
        "QueryDataSourceAnswer",
    ),
    ("/v1/search", "post"): ("SearchBody", "SearchAnswer"),
    ("/v1/users/me", "get"): (None, "User"),
    ("/v1/users/{user_id}", "get"): (None, "User"),
    ("/v1/users", "get"): (None, "ListUsersAnswer"),
}
"""(path, method) -> (request body schema, 200 answer schema) from the declarations."""


@functools.cache
def load_spec() -> OpenAPI:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        spec = json.load(handle)
    with SCHEMAS_FILE.open(encoding="utf-8") as handle:
        typed = json.load(handle)["definitions"]
    exact_bodies(spec, typed)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


def exact_bodies(spec: dict[str, Any], typed: dict[str, Any]) -> None:
    """Add the declarations' schemas and use them for the served operations' bodies."""
    schemas = spec["components"]["schemas"]
    for name, schema in typed.items():
        if name.endswith("Parameters"):
            schema = _without(schema, NOT_BODY)
        schemas[name] = _components_refs(schema)
    for (path, method), (request, answer) in BODIES.items():
        operation = spec["paths"][path][method]
        if request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _ref(request)}},
            }
        ok = operation["responses"]["200"]
        ok["content"] = {"application/json": {"schema": _ref(answer or "")}}


NOT_BODY = frozenset({"page_id", "block_id", "data_source_id", "filter_properties"})
"""Path and query parameters the declarations' `*Parameters` types also hold."""


def _without(schema: Any, names: frozenset[str]) -> Any:
    """`schema` (an object or a union of objects) without the properties `names`."""
    if not isinstance(schema, dict):
        return schema
    trimmed = dict(schema)
    if "properties" in trimmed:
        trimmed["properties"] = {k: v for k, v in trimmed["properties"].items() if k not in names}
    if "required" in trimmed:
        trimmed["required"] = [k for k in trimmed["required"] if k not in names]
    for union in ("anyOf", "oneOf", "allOf"):
        if union in trimmed:
            trimmed[union] = [_without(member, names) for member in trimmed[union]]
    return trimmed


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _components_refs(schema: Any) -> Any:
    """`#/definitions/X` (the generator's) as `#/components/schemas/X` (OpenAPI's)."""
    text = json.dumps(schema).replace('"#/definitions/', '"#/components/schemas/')
    return json.loads(text)
