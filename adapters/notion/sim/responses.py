"""The simulated Notion's HTTP face: routes, parameters, the integration a token names,
and Notion's JSON (errors are `{"object": "error", "status", "code", "message"}`).

Rate limit: an average of 3 requests per second per integration, counted as 90 in any
30-second window (Notion allows short bursts above the average), answered with 429
`rate_limited` and `Retry-After` in seconds. Injected faults answer in Notion's words too:
409 `conflict_error`, 503 `service_unavailable`, 529 `service_overload`.
Queries filter on `last_edited_time` as Notion does: on the minute-rounded time.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from openapi_core import OpenAPI
from werkzeug.http import http_date
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from adapters.notion.sim import spec
from adapters.notion.sim.entities import Json, NotionError, Page, invalid, minute
from adapters.notion.sim.models import NotionBackend
from adapters.notion.sim.webhooks import NotionWebhooks
from adapters.simkit import SimApp, json_response

RATE_LIMIT = 90
RATE_WINDOW = 30.0
VERSION = "2025-09-03"

CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "restricted_resource",
    404: "object_not_found",
    409: "conflict_error",
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
    529: "service_overload",
}


def _rule(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule("/v1" + path, endpoint=endpoint, methods=list(methods))


URL_MAP = Map(
    [
        _rule("/users/me", "get_me", "GET"),
        _rule("/users/<user_id>", "get_user", "GET"),
        _rule("/users", "list_users", "GET"),
        _rule("/search", "search", "POST"),
        _rule("/data_sources/<source_id>", "data_source", "GET", "PATCH"),
        _rule("/data_sources/<source_id>/query", "query", "POST"),
        _rule("/pages", "create_page", "POST"),
        _rule("/pages/<page_id>", "page", "GET", "PATCH"),
        _rule("/blocks/<block_id>", "block", "GET", "PATCH", "DELETE"),
        _rule("/blocks/<block_id>/children", "children", "GET", "PATCH"),
    ]
)

Endpoint = Callable[..., Any]


def endpoint(fn: Endpoint) -> Callable[..., Response]:
    """Run a handler as the token's integration; turn `NotionError` into Notion's JSON."""

    @functools.wraps(fn)
    def wrapper(self: NotionApp, request: Request, **args: str) -> Response:
        user = self.backend.tokens[_token(request) or ""]
        body: Json = {}
        if request.method in ("POST", "PATCH"):
            try:
                body = json.loads(request.get_data() or b"{}")
            except ValueError:
                return self.error_response(400, "Error parsing JSON body.", "invalid_json")
        try:
            return json_response(fn(self, user, request, body, **args))
        except NotionError as exc:
            return self.error_response(exc.status, exc.message, exc.code)

    return wrapper


def _token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None


def _page_of(items: list[Any], body_or_args: Json) -> tuple[list[Any], str | None]:
    """One page of `items` (Notion's cursor pagination: 100 at most)."""
    size = int(body_or_args.get("page_size") or 100)
    if not 1 <= size <= 100:
        raise invalid(
            f"body failed validation: body.page_size should be ≤ `100`, instead was `{size}`."
        )
    start = 0
    cursor = body_or_args.get("start_cursor")
    if cursor:
        ids = [getattr(i, "id", None) for i in items]
        if cursor not in ids:
            raise invalid("The start_cursor provided is invalid: " + str(cursor))
        start = ids.index(cursor)
    chunk = items[start : start + size]
    following = items[start + size] if len(items) > start + size else None
    return chunk, getattr(following, "id", None)


def _listing(results: list[Json], next_cursor: str | None, kind: str) -> Json:
    return {
        "object": "list",
        "results": results,
        "next_cursor": next_cursor,
        "has_more": next_cursor is not None,
        "type": kind,
        kind: {},
    }


class NotionApp(SimApp):
    url_map = URL_MAP
    spec_path = str(spec.SPEC_FILE)
    spec_server = spec.SERVER

    def __init__(self, *, speed: float = 1.0, limit: int = RATE_LIMIT) -> None:
        super().__init__(speed=speed, limit=limit, window=RATE_WINDOW)
        self.backend = NotionBackend(self.clock.now)
        self.hooks = NotionWebhooks(self.backend, self.lock)
        self.deliverer = self.hooks.deliverer

    # -- SimApp hooks -----------------------------------------------------------------------
    def load_spec(self) -> OpenAPI:
        return spec.load_spec()

    def authenticate(self, request: Request) -> str | None:
        token = _token(request)
        return token if token in self.backend.tokens else None

    def unauthorized_response(self, request: Request) -> Response:
        return self.error_response(401, "API token is invalid.")

    def error_response(self, status: int, message: str, code: str | None = None) -> Response:
        body = {
            "object": "error",
            "status": status,
            "code": code or CODES.get(status, "internal_server_error"),
            "message": message,
            "request_id": "00000000-0000-4000-8000-000000000000",
        }
        return json_response(body, status=status)

    def rate_limited_response(self, retry_after_real: float) -> Response:
        response = self.error_response(
            429, "You have been rate limited. Please try again in a few minutes."
        )
        response.headers["Retry-After"] = f"{retry_after_real:.3f}".rstrip("0").rstrip(".")
        return response

    def dispatch(self, request: Request) -> Response | None:
        if request.headers.get("Notion-Version") is None and not request.path.startswith("/_sim"):
            return self.error_response(
                400,
                "Notion-Version header failed validation: should be defined.",
                "missing_version",
            )
        response = super().dispatch(request)
        if response is not None:  # Notion's clock, which its times are rounded on
            response.headers["Date"] = http_date(self.clock.now())
        return response

    # -- users and search -------------------------------------------------------------------
    @endpoint
    def get_me(self, user: str, request: Request, body: Json) -> Json:
        return self.backend.users[user].to_json()

    @endpoint
    def get_user(self, user: str, request: Request, body: Json, user_id: str) -> Json:
        found = self.backend.users.get(user_id)
        if found is None:
            raise NotionError(404, "object_not_found", f"Could not find user with ID: {user_id}.")
        return found.to_json()

    @endpoint
    def list_users(self, user: str, request: Request, body: Json) -> Json:
        users = list(self.backend.users.values())
        chunk, following = _page_of(users, dict(request.args))
        return _listing([u.to_json() for u in chunk], following, "user")

    @endpoint
    def search(self, user: str, request: Request, body: Json) -> Json:
        wanted = (body.get("filter") or {}).get("value")
        text = str(body.get("query") or "").lower()
        found: list[Any] = []
        if wanted in (None, "data_source"):
            found += [s for s in self.backend.visible_sources(user) if text in s.title.lower()]
        chunk, following = _page_of(found, body)
        return _listing([s.to_json() for s in chunk], following, "page_or_data_source")

    # -- data sources -----------------------------------------------------------------------
    @endpoint
    def data_source(self, user: str, request: Request, body: Json, source_id: str) -> Json:
        source = self.backend.source(user, source_id)
        if request.method == "PATCH":
            self.backend.update_source(user, source, body.get("properties") or {})
        return source.to_json()

    @endpoint
    def query(self, user: str, request: Request, body: Json, source_id: str) -> Json:
        source = self.backend.source(user, source_id)
        test = _filter(body.get("filter"))
        pages = self.backend.query(source, bool(body.get("in_trash")), test)
        chunk, following = _page_of(pages, body)
        return _listing([p.to_json(source) for p in chunk], following, "page_or_data_source")

    # -- pages ------------------------------------------------------------------------------
    @endpoint
    def create_page(self, user: str, request: Request, body: Json) -> Json:
        parent = body.get("parent") or {}
        source_id = parent.get("data_source_id")
        if not source_id:
            raise invalid("body failed validation: body.parent.data_source_id should be defined.")
        source = self.backend.source(user, source_id)
        page = self.backend.create_page(
            user, source, body.get("properties") or {}, body.get("children") or []
        )
        return page.to_json(source)

    @endpoint
    def page(self, user: str, request: Request, body: Json, page_id: str) -> Json:
        page = self.backend.page(user, page_id)
        if request.method == "PATCH":
            trash = body.get("in_trash", body.get("archived"))
            self.backend.update_page(user, page, body.get("properties") or {}, trash)
        return page.to_json(self.backend.sources[page.data_source_id])

    # -- blocks -----------------------------------------------------------------------------
    @endpoint
    def block(self, user: str, request: Request, body: Json, block_id: str) -> Json:
        block = self.backend.block(user, block_id)
        if request.method == "PATCH":
            self.backend.update_block(user, block, body)
        elif request.method == "DELETE":
            self.backend.delete_block(user, block)
        return block.to_json()

    @endpoint
    def children(self, user: str, request: Request, body: Json, block_id: str) -> Json:
        container = self.backend.container(user, block_id)
        if request.method == "PATCH":
            made = self.backend.append(user, container, body["children"], body.get("after"))
            return _listing([b.to_json() for b in made], None, "block")
        chunk, following = _page_of(self.backend.children(container), dict(request.args))
        return _listing([b.to_json() for b in chunk], following, "block")


def _filter(spec_filter: Json | None) -> Callable[[Page], bool]:
    """A query filter as a test of one page: timestamps (on the minute, as Notion compares
    them) and `and` / `or` of them; the adapter needs no property filter."""
    if not spec_filter:
        return lambda page: True
    if "and" in spec_filter:
        tests = [_filter(f) for f in spec_filter["and"]]
        return lambda page: all(t(page) for t in tests)
    if "or" in spec_filter:
        tests = [_filter(f) for f in spec_filter["or"]]
        return lambda page: any(t(page) for t in tests)
    stamp = spec_filter.get("timestamp")
    if stamp not in ("last_edited_time", "created_time"):
        raise invalid("The simulator filters on last_edited_time and created_time only.")
    (operator, value), *_ = spec_filter[stamp].items()
    bound = minute(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())
    compare: dict[str, Callable[[float, float], bool]] = {
        "on_or_after": lambda a, b: a >= b,
        "after": lambda a, b: a > b,
        "on_or_before": lambda a, b: a <= b,
        "before": lambda a, b: a < b,
        "equals": lambda a, b: a == b,
    }
    if operator not in compare:
        raise invalid(f"Unsupported timestamp filter: {operator}")
    check = compare[operator]

    def test(page: Page) -> bool:
        at = page.last_edited_time if stamp == "last_edited_time" else page.created_time
        return check(minute(at), bound)

    return test
