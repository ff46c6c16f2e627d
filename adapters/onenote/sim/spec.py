"""Microsoft Graph's OneNote description as the simulator validates against it.

`onenote-openapi.yml` is Graph's `Notes.yml` (v1.0, from msgraph-sdk-powershell; a copy of
`../shared/specs/onenote-openapi.yml`). It is generated from Graph's OData model for the
SDKs, and three of its shapes differ from the REST API Graph documents and serves; the
errata below put the documented shapes in, so that the simulator answers as Graph does
and the validator agrees (and leave out the OAuth2 scheme, which the simulator checks
itself):

- `additionalProperties: {type: object}` on every schema (the generator's way of saying
  "an OData open type") would make every property of an `allOf` sibling invalid: read
  as `true`;
- a page is created from HTML (`POST …/sections/{id}/pages`, `Content-Type: text/html`),
  not from a JSON page, and its content is read as `text/html`;
- a page's content is updated with `PATCH …/pages/{id}/content` and a JSON array of the
  description's own `onenotePatchContentCommand`s (the file models it as an action).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI

SPEC_FILE = Path(__file__).parent / "onenote-openapi.yml"
SERVER = "https://graph.microsoft.com/v1.0"
PAGES = "/users/{user-id}/onenote/sections/{onenoteSection-id}/pages"
CONTENT = "/users/{user-id}/onenote/pages/{onenotePage-id}/content"
COMMAND = "#/components/schemas/microsoft.graph.onenotePatchContentCommand"


def _open_types(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("additionalProperties") == {"type": "object"}:
            node["additionalProperties"] = True
        for value in node.values():
            _open_types(value)
    elif isinstance(node, list):
        for value in node:
            _open_types(value)


def errata(spec: dict[str, Any]) -> None:
    _open_types(spec)
    # Graph's OAuth2 scheme is one openapi-core cannot check (it warns on every request):
    # the simulator checks the bearer token itself.
    spec.pop("security", None)
    spec.get("components", {}).pop("securitySchemes", None)
    html = {"text/html": {"schema": {"type": "string"}}}
    paths = spec["paths"]
    paths[PAGES]["post"]["requestBody"]["content"] = html
    content = paths[CONTENT]
    content["get"]["responses"]["2XX"]["content"] = html
    content["patch"] = {
        "operationId": "user.onenote_PatchPagesContent",
        "parameters": content["get"]["parameters"],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "array", "minItems": 1, "items": {"$ref": COMMAND}}
                }
            },
        },
        "responses": {
            "2XX": {"description": "Success"},
            "default": {"$ref": "#/components/responses/error"},
        },
    }


@functools.cache
def load_spec() -> OpenAPI:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    errata(spec)
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
