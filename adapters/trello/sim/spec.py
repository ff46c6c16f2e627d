"""How a request looks to the official Trello OpenAPI description, and the description's
known errata.

Trello reads a parameter from the query string, a form or a JSON body alike (py-trello
sends JSON bodies), and credentials from the `key`/`token` query parameters or from an
`Authorization: OAuth oauth_consumer_key="...", oauth_token="..."` header. The spec
describes only query parameters, so the simulator validates a rebuilt request that
carries every parameter in the query.

Errata patched before validating, each a place where the real Trello accepts or answers
something the file forbids (checked against Trello's documentation and py-trello):
- `due`/`start` are ISO date-times in answers and accepted as date or date-time in
  requests; the file says `format: date`.
- `idLabels`/`idMembers` on `POST`/`PUT /cards` are comma-separated id lists.
- A card's `labels` are label objects, not ids.
- Some `fields` query parameters are typed as an object schema, and some `*_fields`
  ones as a single name whose default is a list; Trello takes "all" or a
  comma-separated list of names.
- Some parameter defaults do not match their own schema (`false` for a string).
- A check item's `pos` is a number; a board's `dateLastActivity` is a date-time.
- `desc`, `due`, `start`, `idLabels` and `idMembers` may be empty (clearing the field).
- A card's `pos` ("top", "bottom" or a positive number) is a `oneOf` that openapi-core
  cannot read from a query string: it is checked as a pattern instead.
- `POST /webhooks/` is the one path written with a trailing slash; requests are matched
  without it, as for every other path.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from openapi_core import OpenAPI
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from adapters.simkit import load_openapi

SPEC_FILE = Path(__file__).with_name("trello-openapi.json")
_ID_LIST = {"type": "string", "pattern": "^([0-9a-fA-F]{24}(,[0-9a-fA-F]{24})*)?$"}
_MAY_BE_EMPTY = ("desc", "due", "start", "idLabels", "idMembers")
_POS = {"type": "string", "pattern": r"^(top|bottom|[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)$"}
_OAUTH_PARAM = re.compile(r'(oauth_consumer_key|oauth_token)="([^"]*)"')


@functools.cache
def load_spec() -> OpenAPI:
    return load_openapi(str(SPEC_FILE), patch_errata)


def patch_errata(spec: dict[str, Any]) -> None:
    spec["paths"]["/webhooks"] = spec["paths"].pop("/webhooks/")
    schemas = spec["components"]["schemas"]
    card = schemas["Card"]["properties"]
    for holder in (card, card["badges"]["properties"]):
        for name in ("due", "start"):
            holder.get(name, {}).pop("format", None)
    card["labels"]["items"] = {"$ref": "#/components/schemas/Label"}
    for name in ("dateLastActivity", "dateLastView"):
        schemas["Board"]["properties"][name].pop("format", None)
    schemas["CheckItem"]["properties"]["pos"] = {"type": "number"}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for param in operation.get("parameters", []):
                _patch_parameter(schemas, path, param)


def _patch_parameter(schemas: dict[str, Any], path: str, param: dict[str, Any]) -> None:
    schema = param.get("schema", {})
    name = param.get("name")
    if schema.get("type") == "string" and not isinstance(schema.get("default", ""), str):
        del schema["default"]  # e.g. `false` for a string
    if name in ("due", "start"):
        schema.pop("format", None)
    elif name == "pos" and path in ("/cards", "/cards/{id}"):
        param["schema"] = copy.deepcopy(_POS)
    elif name in ("idLabels", "idMembers") and path.startswith("/cards"):
        param["schema"] = copy.deepcopy(_ID_LIST)
        param.pop("style", None)
        param.pop("explode", None)
    elif "enum" in schema and schema.get("default", schema["enum"][0]) not in schema["enum"]:
        del schema["enum"]  # a list of field names whose default is itself a list
    elif name == "fields" and "$ref" in schema:
        target = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
        if target.get("type") == "object":
            param["schema"] = {"type": "string"}


def credentials(request: Request) -> tuple[str | None, str | None]:
    """(key, token) from the query, the body, or Trello's OAuth `Authorization` header."""
    found = dict(_OAUTH_PARAM.findall(request.headers.get("Authorization", "")))
    body = body_params(request)
    key = request.args.get("key") or body.get("key") or found.get("oauth_consumer_key")
    token = request.args.get("token") or body.get("token") or found.get("oauth_token")
    return key, token


def body_params(request: Request) -> dict[str, Any]:
    if request.is_json:
        data = request.get_json(silent=True)
        return data if isinstance(data, dict) else {}
    return dict(request.form.items())


def params(request: Request) -> dict[str, Any]:
    """Every parameter of a request, query and body merged, credentials left out."""
    merged: dict[str, Any] = dict(request.args.items())
    merged.update(body_params(request))
    merged.pop("key", None)
    merged.pop("token", None)
    return merged


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def as_spec_request(request: Request) -> Request:
    """The request with every parameter and credential in the query, as the spec has them.
    A JSON null or an empty clearable field (Trello's "clear this field") is left out:
    the spec's query parameters cannot be empty."""
    cached: Request | None = request.environ.get("trello.spec_request")
    if cached is not None:
        return cached
    key, token = credentials(request)
    query = [
        (k, _query_value(v))
        for k, v in params(request).items()
        if v is not None and not (v == "" and k in _MAY_BE_EMPTY)
    ]
    query += [(k, v) for k, v in (("key", key), ("token", token)) if v is not None]
    path = request.path.rstrip("/") or "/"
    builder = EnvironBuilder(
        method=request.method,
        path=path,
        query_string=urlencode(query),
        headers=[("Host", request.host)],
    )
    spec_request = Request(builder.get_environ())
    request.environ["trello.spec_request"] = spec_request
    return spec_request
