"""Asana's HTTP dialect over the backend (moto's responses.py): `{"data": ...}` envelopes,
201 on create, `opt_fields` selection, `limit`/`offset` pagination with `next_page`, Bearer
tokens, 150 requests per minute, and `/events` with sync tokens.

Deviations (deliberate): without `limit` a list answers every record (Asana refuses very
large results); offset tokens never expire; on a compressed clock `Retry-After` carries
real seconds, possibly fractional. `memberships` on task creation is accepted although
the spec marks it read-only: its own description (and the real API) allow it at creation.
Null object fields (`"parent": null`, `"assignee": null`) are sent as Asana sends them;
the official spec marks them nullable inside an `allOf`, which validators read as not
nullable, so the loaded spec is corrected (`spec.allow_null_objects`).
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from openapi_core import OpenAPI
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from adapters.asana.sim.entities import Json, Section, Tag, Task
from adapters.asana.sim.errors import HELP, AsanaError, SyncTokenInvalid, invalid
from adapters.asana.sim.models import AsanaBackend
from adapters.asana.sim.spec import SPEC_PATH, load_spec, memberships_ok
from adapters.asana.sim.urls import API, URL_MAP
from adapters.asana.sim.webhooks import AsanaWebhooks, WebhookEndpoints
from adapters.simkit import SimApp, iso, json_response

FREE_PLAN_LIMIT = 150
"""Requests per minute per token on Asana's free plans (1,500 on paid plans)."""


def task_json(task: Task, backend: AsanaBackend) -> Json:
    """The full task record, as `GET /tasks/{gid}` answers without `opt_fields`."""
    memberships = [
        {
            "project": backend.projects[p].compact(),
            "section": backend.sections[s].compact() if s else None,
        }
        for p, s in task.memberships.items()
    ]
    record = task.compact() | {
        "completed": task.completed,
        "completed_at": iso(task.completed_at) if task.completed_at else None,
        "created_at": iso(task.created_at),
        "created_by": {"gid": task.created_by.gid, "resource_type": "user"},
        "due_on": task.due_on,
        "due_at": task.due_at,
        "modified_at": iso(task.modified_at),
        "notes": task.notes,
        "num_subtasks": len(task.subtasks),
        "parent": task.parent.compact() if task.parent else None,
        "memberships": [m for m in memberships if m["section"] is not None],
        "projects": [backend.projects[p].compact() for p in task.memberships],
        "tags": [tag.compact() for tag in task.tags],
        "workspace": task.workspace.compact(),
        "assignee": None,
        "followers": [],
        "permalink_url": f"https://app.asana.com/0/0/{task.gid}",
    }
    return record


def select(record: Json, opt_fields: list[str]) -> Json:
    """Asana's `opt_fields`: the gid plus the named (possibly dotted) fields."""
    tree: dict[str, Any] = {}
    for dotted in opt_fields:
        node = tree
        for part in dotted.split("."):
            node = node.setdefault(part, {})
    return _pick(record, tree)


def _pick(record: Json, tree: dict[str, Any]) -> Json:
    out = {"gid": record["gid"]} if "gid" in record else {}
    for key, sub in tree.items():
        if key not in record:
            continue
        value = record[key]
        if sub and isinstance(value, dict):
            value = _pick(value, sub)
        elif sub and isinstance(value, list):
            value = [_pick(v, sub) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


Endpoint = Callable[..., Response]


def endpoint(handler: Endpoint) -> Endpoint:
    """Turn the backend's `AsanaError`s into Asana's error answers (still validated)."""

    @functools.wraps(handler)
    def wrapper(self: AsanaApp, request: Request, **args: str) -> Response:
        try:
            return handler(self, request, **args)
        except SyncTokenInvalid as exc:
            errors = [{"message": exc.message, "help": HELP}]
            return json_response({"errors": errors, "sync": exc.sync}, 412)
        except AsanaError as exc:
            return self.error_response(exc.status, exc.message)

    return wrapper


class AsanaApp(WebhookEndpoints, SimApp):
    url_map = URL_MAP
    spec_path = SPEC_PATH

    def load_spec(self) -> OpenAPI:
        return load_spec()

    spec_server = "https://app.asana.com/api/1.0"

    def __init__(self, *, speed: float = 1.0, limit: int = FREE_PLAN_LIMIT) -> None:
        super().__init__(speed=speed, limit=limit, window=60.0)
        self.backend = AsanaBackend(self.clock.now)
        self.hooks = AsanaWebhooks(self.backend, self.lock)
        self.deliverer = self.hooks.deliverer

    # -- simkit hooks ---------------------------------------------------------------------
    def authenticate(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or token not in self.backend.tokens:
            return None
        return token

    def error_response(self, status: int, message: str) -> Response:
        return json_response({"errors": [{"message": message, "help": HELP}]}, status)

    def rate_limited_response(self, retry_after_real: float) -> Response:
        response = self.error_response(
            429, "You have made too many requests recently. Please, be chill."
        )
        response.headers["Retry-After"] = f"{max(retry_after_real, 0.001):.3f}".rstrip("0")
        return response

    def _request_is_valid(self, request: Request) -> bool:
        """Validate as the spec says, except `memberships` on task creation (see module doc)."""
        if request.method == "POST" and request.path == API + "/tasks":
            body = request.get_json(silent=True)
            data = body.get("data") if isinstance(body, dict) else None
            if isinstance(data, dict) and "memberships" in data:
                if not memberships_ok(data["memberships"]):
                    self.violations.append(f"request POST {request.path}: bad memberships")
                    return False
                stripped = {"data": {k: v for k, v in data.items() if k != "memberships"}}
                headers = {k: v for k, v in request.headers.items() if k != "Content-Length"}
                request = Request(
                    EnvironBuilder(
                        method="POST",
                        path=request.path,
                        query_string=request.query_string.decode(),
                        headers=list(headers.items()),
                        data=json.dumps(stripped),
                    ).get_environ()
                )
        return super()._request_is_valid(request)

    # -- helpers --------------------------------------------------------------------------
    def _actor(self, request: Request) -> Any:
        token = request.headers["Authorization"].partition(" ")[2]
        return self.backend.tokens[token]

    @staticmethod
    def _fields(request: Request) -> list[str] | None:
        raw = request.args.get("opt_fields")
        return [f for f in raw.split(",") if f] if raw else None

    @staticmethod
    def _body(request: Request) -> Json:
        body = request.get_json(silent=True)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise invalid("data: Missing input")
        return data

    def _one(self, request: Request, record: Json, status: int = 200) -> Response:
        fields = self._fields(request)
        return json_response({"data": select(record, fields) if fields else record}, status)

    def _page(self, request: Request, records: list[Json]) -> Response:
        """A list answer, paginated when `limit` is given (compact records by default)."""
        fields = self._fields(request)
        keys = ("gid", "resource_type", "name", "resource_subtype")
        shown = [
            select(r, fields) if fields else {k: r[k] for k in keys if k in r} for r in records
        ]
        limit = request.args.get("limit", type=int)
        if limit is None:
            return json_response({"data": shown})
        start = _decode_offset(request.args.get("offset"), request.path)
        body: Json = {"data": shown[start : start + limit], "next_page": None}
        if start + limit < len(shown):
            offset = _encode_offset(start + limit, request.path)
            query = {k: v for k, v in request.args.items() if k != "offset"} | {"offset": offset}
            path = request.path.removeprefix(API) + "?" + urlencode(query)
            body["next_page"] = {
                "offset": offset,
                "path": path,
                "uri": request.host_url.rstrip("/") + API + path,
            }
        return json_response(body)

    def _list_or_create(
        self,
        request: Request,
        listed: Callable[[], list[Section] | list[Tag]],
        create: Callable[[str], Section | Tag],
    ) -> Response:
        """GET: every record, a page at a time; POST: a new one of the body's `name` (201)."""
        if request.method == "POST":
            return self._one(request, create(self._body(request).get("name", "")).full(), 201)
        return self._page(request, [record.full() for record in listed()])

    # -- endpoints ------------------------------------------------------------------------
    @endpoint
    def get_user(self, request: Request, user_gid: str) -> Response:
        user = self._actor(request) if user_gid == "me" else self.backend.users.get(user_gid)
        if user is None:
            raise AsanaError(404, f"user: Unknown object: {user_gid}")
        workspaces = [w.compact() for w in self.backend.workspaces.values()]
        return self._one(request, user.compact() | {"workspaces": workspaces, "email": ""})

    @endpoint
    def get_projects(self, request: Request) -> Response:
        """Projects of one workspace (`workspace` is required by the real API)."""
        workspace = request.args.get("workspace")
        if workspace is None:
            raise AsanaError(400, "workspace: Missing input")
        projects = [p for p in self.backend.projects.values() if p.workspace.gid == workspace]
        return self._page(request, [p.full() for p in projects])

    @endpoint
    def get_project(self, request: Request, project_gid: str) -> Response:
        return self._one(request, self.backend.get_project(project_gid).full())

    @endpoint
    def sections_for_project(self, request: Request, project_gid: str) -> Response:
        project = self.backend.get_project(project_gid)
        return self._list_or_create(
            request,
            lambda: self.backend.sections_for_project(project),
            lambda name: self.backend.create_section_for_project(project, name),
        )

    @endpoint
    def get_section(self, request: Request, section_gid: str) -> Response:
        return self._one(request, self.backend.get_section(section_gid).full())

    def _tasks(self, request: Request, tasks: list[Task]) -> Response:
        return self._page(request, [task_json(t, self.backend) for t in tasks])

    @endpoint
    def get_tasks_for_project(self, request: Request, project_gid: str) -> Response:
        return self._tasks(
            request, self.backend.tasks_for_project(self.backend.get_project(project_gid))
        )

    @endpoint
    def get_tasks_for_section(self, request: Request, section_gid: str) -> Response:
        return self._tasks(
            request, self.backend.tasks_for_section(self.backend.get_section(section_gid))
        )

    @endpoint
    def add_task_for_section(self, request: Request, section_gid: str) -> Response:
        section = self.backend.get_section(section_gid)
        body = self._body(request)
        task = self.backend.get_task(str(body.get("task")))
        before, after = body.get("insert_before"), body.get("insert_after")
        self.backend.add_task_for_section(
            self._actor(request), section, task, before=before, after=after
        )
        return json_response({"data": {}})

    @endpoint
    def tasks(self, request: Request) -> Response:
        if request.method == "POST":
            task = self.backend.create_task(self._actor(request), self._body(request))
            return self._one(request, task_json(task, self.backend), 201)
        if "project" in request.args:
            tasks = self.backend.tasks_for_project(
                self.backend.get_project(request.args["project"])
            )
            since = request.args.get("modified_since")
            if since:
                cutoff = _timestamp(since)
                tasks = [t for t in tasks if t.modified_at >= cutoff]
            return self._tasks(request, tasks)
        if "section" in request.args:
            return self.get_tasks_for_section(request, request.args["section"])
        raise invalid(
            "Must specify exactly one of project, tag, section, user task list, "
            "or assignee + workspace"
        )

    @endpoint
    def task(self, request: Request, task_gid: str) -> Response:
        task = self.backend.get_task(task_gid)
        if request.method == "DELETE":
            self.backend.delete_task(self._actor(request), task)
            return json_response({"data": {}})
        if request.method == "PUT":
            self.backend.update_task(self._actor(request), task, self._body(request))
        return self._one(request, task_json(task, self.backend))

    @endpoint
    def subtasks(self, request: Request, task_gid: str) -> Response:
        parent = self.backend.get_task(task_gid)
        if request.method == "POST":
            sub = self.backend.create_task(self._actor(request), self._body(request), parent=parent)
            return self._one(request, task_json(sub, self.backend), 201)
        return self._tasks(request, list(parent.subtasks))

    @endpoint
    def add_project_for_task(self, request: Request, task_gid: str) -> Response:
        data = self._body(request)
        task = self.backend.get_task(task_gid)
        project = self.backend.get_project(str(data.get("project")))
        self.backend.add_project_for_task(self._actor(request), task, project, data.get("section"))
        return json_response({"data": {}})

    @endpoint
    def remove_project_for_task(self, request: Request, task_gid: str) -> Response:
        project = self.backend.get_project(str(self._body(request).get("project")))
        self.backend.remove_project_for_task(
            self._actor(request), self.backend.get_task(task_gid), project
        )
        return json_response({"data": {}})

    @endpoint
    def add_tag_for_task(self, request: Request, task_gid: str) -> Response:
        tag = self.backend.get_tag(str(self._body(request).get("tag")))
        self.backend.add_tag_for_task(self._actor(request), self.backend.get_task(task_gid), tag)
        return json_response({"data": {}})

    @endpoint
    def remove_tag_for_task(self, request: Request, task_gid: str) -> Response:
        tag = self.backend.get_tag(str(self._body(request).get("tag")))
        self.backend.remove_tag_for_task(self._actor(request), self.backend.get_task(task_gid), tag)
        return json_response({"data": {}})

    @endpoint
    def tags_for_workspace(self, request: Request, workspace_gid: str) -> Response:
        workspace = self.backend.get_workspace(workspace_gid)
        return self._list_or_create(
            request,
            lambda: self.backend.tags_for_workspace(workspace),
            lambda name: self.backend.create_tag_for_workspace(workspace, name),
        )

    @endpoint
    def get_events(self, request: Request) -> Response:
        data, sync, has_more = self.backend.get_events(
            request.args["resource"], request.args.get("sync")
        )
        fields = self._fields(request)
        shown = [select(e, fields) for e in data] if fields else data
        return json_response({"data": shown, "sync": sync, "has_more": has_more})


def _timestamp(value: str) -> float:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise invalid(f"modified_since: Not a valid date-time: {value}") from exc


def _encode_offset(index: int, path: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([index, path]).encode()).decode().rstrip("=")


def _decode_offset(token: str | None, path: str) -> int:
    if token is None:
        return 0
    try:
        index, token_path = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError) as exc:
        raise invalid("offset: Your pagination token is invalid.") from exc
    if token_path != path or not isinstance(index, int):
        raise invalid("offset: Your pagination token is invalid.")
    return index
