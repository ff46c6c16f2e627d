"""Slack's official Web API description (Swagger 2.0), converted to OpenAPI 3.1 at load
time for the methods the simulator serves, and how a request looks to it.

Conversion (`to_openapi31`), for the served methods only:
- `definitions` become `components/schemas` (refs rewritten); Swagger's tuple-style
  `items: [A, B]` (Slack uses it for "A or B") becomes `anyOf: [A, B]`;
- every parameter except `token` becomes a query parameter, and each method is offered
  as GET and POST: Slack reads arguments from the query, a form or a JSON body alike and
  takes both verbs; the token is checked by the simulator from `Authorization: Bearer`
  (slack_sdk's way), so the oauth2 `security` entries are dropped;
- Slack answers HTTP 200 with `{"ok": false, "error": ...}` on errors, which the file
  describes as `default`: the 200 answer is the success schema or the error schema.

Errata patched (places where real Slack answers what the file forbids):
- `conversations.history` of an empty conversation has `messages: []` (file: minItems 1);
- `chat.update`'s `message.blocks` is an array of blocks (file: an object);
- `conversations.history` pages carry `response_metadata.next_cursor`;
- the file predates some errors Slack documents today: `not_in_channel` (history),
  `invalid_blocks` / `invalid_blocks_format` (chat.postMessage, chat.update) and
  `missing_scope` with `needed` / `provided` (every method) are added to the enums.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from openapi_core import Config, OpenAPI
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

SPEC_FILE = Path(__file__).with_name("slack-web-openapi-v2.json")
SERVER = "https://slack.com/api"
METHODS = (
    "auth.test",
    "users.lookupByEmail",
    "conversations.open",
    "conversations.history",
    "chat.postMessage",
    "chat.update",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)
UPLOAD_PATH = "/upload/v1/"
"""Where the simulator takes a file's bytes (Slack's files.slack.com/upload/v1/...): a
plain POST of the bytes or a form, no token (the URL is the credential), not a Web API
method, so outside the description; checked for the announced length instead."""


_BLOCK_ERRORS = ["invalid_blocks", "invalid_blocks_format", "missing_scope"]
_NEWER_ERRORS = {
    "auth.test": ["missing_scope"],
    "users.lookupByEmail": ["users_not_found", "missing_scope"],
    "conversations.open": ["missing_scope"],
    "conversations.history": ["not_in_channel", "missing_scope"],
    "chat.postMessage": _BLOCK_ERRORS,
    "chat.update": _BLOCK_ERRORS,
    "files.getUploadURLExternal": ["missing_scope"],
    "files.completeUploadExternal": ["missing_scope"],
}


def _error_schema(method: str, errors: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "title": f"{method} error schema",
        "required": ["ok", "error"],
        "additionalProperties": False,
        "properties": {
            "ok": {"type": "boolean", "enum": [False]},
            "error": {"type": "string", "enum": errors},
            "callstack": {"type": "string"},
            "warning": {"type": "string"},
            "response_metadata": {"type": "object"},
        },
    }


_COMMON_ERRORS = [
    "not_authed",
    "invalid_auth",
    "account_inactive",
    "token_revoked",
    "no_permission",
    "invalid_arg_name",
    "invalid_array_arg",
    "invalid_charset",
    "invalid_form_data",
    "invalid_post_type",
    "missing_post_type",
    "team_added_to_org",
    "request_timeout",
    "fatal_error",
    "ratelimited",
]
UPLOAD_METHODS: dict[str, Any] = {
    # Slack added the external upload in 2023, after the description (2020) was published;
    # these two operations are written in its own Swagger form from Slack's method pages
    # (docs.slack.dev/reference/methods/files.getUploadURLExternal and
    # files.completeUploadExternal): arguments, the success answer, the documented errors.
    "/files.getUploadURLExternal": {
        "get": {
            "operationId": "files_getUploadURLExternal",
            "parameters": [
                {"name": "token", "in": "query", "type": "string", "required": True},
                {"name": "filename", "in": "query", "type": "string", "required": True},
                {"name": "length", "in": "query", "type": "integer", "required": True},
                {"name": "alt_txt", "in": "query", "type": "string"},
                {"name": "snippet_type", "in": "query", "type": "string"},
            ],
            "responses": {
                "200": {
                    "schema": {
                        "type": "object",
                        "title": "files.getUploadURLExternal schema",
                        "required": ["ok", "upload_url", "file_id"],
                        "additionalProperties": False,
                        "properties": {
                            "ok": {"type": "boolean", "enum": [True]},
                            "upload_url": {"type": "string"},
                            "file_id": {"type": "string", "pattern": "^F[0-9A-Z]{2,}$"},
                        },
                    }
                },
                "default": {
                    "schema": _error_schema(
                        "files.getUploadURLExternal", ["invalid_arguments", *_COMMON_ERRORS]
                    )
                },
            },
        }
    },
    "/files.completeUploadExternal": {
        "post": {
            "operationId": "files_completeUploadExternal",
            "parameters": [
                {"name": "token", "in": "formData", "type": "string", "required": True},
                {"name": "files", "in": "formData", "type": "string", "required": True},
                {"name": "channel_id", "in": "formData", "type": "string"},
                {"name": "channels", "in": "formData", "type": "string"},
                {"name": "initial_comment", "in": "formData", "type": "string"},
                {"name": "thread_ts", "in": "formData", "type": "string"},
            ],
            "responses": {
                "200": {
                    "schema": {
                        "type": "object",
                        "title": "files.completeUploadExternal schema",
                        "required": ["ok", "files"],
                        "additionalProperties": False,
                        "properties": {
                            "ok": {"type": "boolean", "enum": [True]},
                            "files": {
                                "type": "array",
                                "minItems": 1,
                                "items": {
                                    "type": "object",
                                    "required": ["id", "title"],
                                    "properties": {
                                        "id": {"type": "string", "pattern": "^F[0-9A-Z]{2,}$"},
                                        "title": {"type": "string"},
                                        "name": {"type": "string"},
                                        "size": {"type": "integer"},
                                        "created": {"type": "integer"},
                                        "mimetype": {"type": "string"},
                                        "channels": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    }
                },
                "default": {
                    "schema": _error_schema(
                        "files.completeUploadExternal",
                        [
                            "file_not_found",
                            "invalid_arguments",
                            "channel_not_found",
                            "not_in_channel",
                            "invalid_channel",
                            *_COMMON_ERRORS,
                        ],
                    )
                },
            },
        }
    },
}


@functools.cache
def load_spec() -> OpenAPI:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        swagger = json.load(handle)
    swagger["paths"].update(copy.deepcopy(UPLOAD_METHODS))
    return OpenAPI.from_dict(to_openapi31(swagger), config=Config(spec_validator_cls=None))


def to_openapi31(swagger: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for method in METHODS:
        (operation,) = swagger["paths"][f"/{method}"].values()
        converted = _operation(operation)
        paths[f"/{method}"] = {"get": converted, "post": copy.deepcopy(converted)}
    spec = {
        "openapi": "3.1.0",
        "info": swagger["info"],
        "servers": [{"url": SERVER}],
        "paths": paths,
        "components": {"schemas": _schema(swagger["definitions"])},
    }
    _patch_errata(spec)
    return spec


def _operation(operation: dict[str, Any]) -> dict[str, Any]:
    parameters = [
        {
            "name": p["name"],
            "in": "query",
            "required": bool(p.get("required")),
            "schema": {"type": p.get("type", "string")},
        }
        for p in operation.get("parameters", [])
        if p["name"] != "token"
    ]
    responses = operation["responses"]
    success = _schema(responses["200"]["schema"])
    failure = _schema(responses["default"]["schema"])
    return {
        "operationId": operation["operationId"],
        "parameters": parameters,
        "responses": {
            "200": _json("ok, or ok: false with an error", {"anyOf": [success, failure]}),
            "default": _json("an error", failure),
        },
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schema(node: Any) -> Any:
    if isinstance(node, list):
        return [_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = value.replace("#/definitions/", "#/components/schemas/")
        elif key == "items" and isinstance(value, list):
            out["anyOf"] = _schema(value)
        else:
            out[key] = _schema(value)
    return out


def _patch_errata(spec: dict[str, Any]) -> None:
    def answer(method: str, verb: str, which: int) -> dict[str, Any]:
        content = spec["paths"][f"/{method}"][verb]["responses"]["200"]["content"]
        schema: dict[str, Any] = content["application/json"]["schema"]["anyOf"][which]
        return schema

    def success(method: str, verb: str) -> dict[str, Any]:
        return answer(method, verb, 0)

    for verb in ("get", "post"):
        success("conversations.history", verb)["properties"]["messages"].pop("minItems")
        message = success("chat.update", verb)["properties"]["message"]["properties"]
        message["blocks"] = {"$ref": "#/components/schemas/blocks"}
        history = success("conversations.history", verb)["properties"]
        history["response_metadata"] = {"$ref": "#/components/schemas/objs_response_metadata"}
        for method in METHODS:
            failure = answer(method, verb, 1)["properties"]
            failure["error"]["enum"] += [
                e for e in _NEWER_ERRORS[method] if e not in failure["error"]["enum"]
            ]
            failure.setdefault("needed", {"type": "string"})
            failure.setdefault("provided", {"type": "string"})


def arguments(request: Request) -> dict[str, Any]:
    """A method's arguments from the query, a form or a JSON body, merged."""
    merged: dict[str, Any] = dict(request.args.items())
    if request.is_json:
        body = request.get_json(silent=True)
        merged.update(body if isinstance(body, dict) else {})
    else:
        merged.update(request.form.items())
    merged.pop("token", None)
    return merged


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


def as_spec_request(request: Request) -> Request:
    """The request with every argument in the query string, as the conversion has them."""
    cached = request.environ.get("slack.spec_request")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    query = [(k, _query_value(v)) for k, v in arguments(request).items() if v is not None]
    builder = EnvironBuilder(
        method=request.method,
        path=request.path,
        query_string=urlencode(query),
        headers=[("Host", request.host)],
    )
    spec_request = Request(builder.get_environ())
    request.environ["slack.spec_request"] = spec_request
    return spec_request
