"""The project's event feed (`GET /events`): sync tokens, paging, and what a batch of
events says was touched. Pure apart from the two calls, so the incremental read in the
adapter only decides what to fetch."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asana

from adapters.asana.echoes import subtask_changed
from adapters.asana.http import HttpError
from adapters.asana.mapping import Json


class SyncExpired(Exception):
    """Asana forgot the sync token (412); `sync` is a fresh one."""

    def __init__(self, sync: str) -> None:
        super().__init__("sync token expired")
        self.sync = sync


def fresh_sync_token(events_api: asana.EventsApi, project: str) -> str:
    """A token for "from now on" (Asana answers a request without one with 412 and one)."""
    try:
        body = events_api.get_events(project, {}, full_payload=True)
    except HttpError as exc:
        if exc.status != 412:
            raise
        return str(exc.body["sync"])
    return str(body["sync"])


def events_since(events_api: asana.EventsApi, project: str, token: str) -> tuple[list[Json], str]:
    """Every event after `token`, page by page, and the token after them."""
    events: list[Json] = []
    while True:
        try:
            body = events_api.get_events(project, {"sync": token}, full_payload=True)
        except HttpError as exc:
            if exc.status == 412:
                raise SyncExpired(str(exc.body["sync"])) from None
            raise
        events.extend(body.get("data") or [])
        token = body["sync"]
        if not body.get("has_more"):
            return events, token


@dataclass
class Touched:
    """What a batch of task events says happened in the project."""

    tasks: set[str] = field(default_factory=set)
    """Tasks changed or added (to re-read)."""
    via_subtask: set[str] = field(default_factory=set)
    """Parents whose subtasks changed (Asana leaves the parent's `modified_at` alone)."""
    gone: set[str] = field(default_factory=set)
    """Tasks deleted or removed from the project."""
    since: str | None = None
    """When the first change to a task itself happened."""
    moved: bool = False
    """A task was added to a section or the project: the order may have changed."""

    def modified_since(self) -> str | None:
        """A second before `since`: `modified_since` must not miss a same-millisecond write."""
        if self.since is None:
            return None
        moment = datetime.fromisoformat(self.since.replace("Z", "+00:00")) - timedelta(seconds=1)
        return moment.isoformat().replace("+00:00", "Z")


def touched_by(events: list[Json], project: str) -> Touched:
    found = Touched()
    for event in events:
        resource, parent = event.get("resource") or {}, event.get("parent") or {}
        if resource.get("resource_type") != "task":
            continue
        added = event.get("action") == "added"
        found.moved = found.moved or (
            added and parent.get("resource_type") in ("section", "project")
        )
        if parent.get("resource_type") == "task":
            found.via_subtask.add(parent["gid"])
            continue
        if subtask_changed(event) is not None:  # the same, told as the parent's change
            found.via_subtask.add(resource["gid"])
            continue
        found.since = found.since or event.get("created_at")
        removed = event.get("action") == "removed" and parent.get("gid") == project
        if event.get("action") == "deleted" or removed:
            found.gone.add(resource["gid"])
            found.tasks.discard(resource["gid"])
        else:
            found.tasks.add(resource["gid"])
            found.gone.discard(resource["gid"])
    return found
