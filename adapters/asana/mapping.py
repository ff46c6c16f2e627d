"""Pure conversions between Asana task records (as the SDK returns them: dicts) and `Item`s.

kind      <-> the task's section in the configured project (config `lists`)
archived  <-> completed + in the `archive_section` (the kind is then unknown)
done      <-> completed
due       <-> due_on; for a task with a due time (`due_at`), the day it falls on in the
              pair's time zone. A new day keeps a person's time of day.
notes     <-> notes, with the link-back footer
labels    <-> tags (the owner travels as the tag "owner/<role>")
steps     <-> subtasks of a problem task: name, completed, in order
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sync.contract import split_footer
from sync.model import Item, Kind, Step, split_owner

TASK_FIELDS = (
    "name,notes,completed,due_on,due_at,modified_at,num_subtasks,"
    "memberships.project.name,memberships.section.name,tags.name"
)
SUBTASK_FIELDS = "name,completed,modified_at"

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a task sits in the configured project, as pairsync sees it."""

    kind: Kind | None
    """None for the archive section."""
    archived: bool
    section: tuple[str, str] = ("", "")
    """The section's (gid, name)."""


def placement(
    task: Json,
    project_gid: str,
    kinds: dict[str, Kind],
    archive: str,
    followed: Mapping[str, Kind] | None = None,
) -> Placement | None:
    """The task's place in scope, or None when it is outside the mapped sections.
    `followed` (section gid -> kind) keeps a renamed section's kind; `kinds` is by name."""
    for membership in task.get("memberships") or []:
        if (membership.get("project") or {}).get("gid") != project_gid:
            continue
        section = membership.get("section") or {}
        name, gid = section.get("name"), section.get("gid", "")
        kind = (followed or {}).get(gid) or kinds.get(name or "")
        if kind is not None:
            return Placement(kind, archived=False, section=(gid, name or ""))
        if name == archive:
            return Placement(None, archived=True, section=(gid, name))
    return None


def to_item(
    task: Json, where: Placement, subtasks: list[Json], zone: tzinfo = UTC
) -> tuple[Item, str | None]:
    """The item a task shows and the item id from its footer (None for a person's task)."""
    notes, item_id = split_footer(task.get("notes") or "")
    labels, owner = split_owner({t["name"] for t in task.get("tags") or []})
    completed = bool(task.get("completed"))
    item = Item(
        kind=where.kind or Kind.ACTION,
        title=task.get("name") or "",
        notes=notes,
        done=completed and not where.archived,
        archived=where.archived,
        due=due_day(task, zone),
        owner=owner,
        labels=labels,
        steps=tuple(Step(s.get("name") or "", bool(s.get("completed"))) for s in subtasks),
    )
    return item, item_id


def due_day(task: Json, zone: tzinfo) -> date | None:
    if task.get("due_at"):
        return _moment(task["due_at"]).astimezone(zone).date()
    return date.fromisoformat(task["due_on"]) if task.get("due_on") else None


def due_fields(due: date | None, due_at: str | None, zone: tzinfo) -> Json:
    """What to write for a new due day: a task with a due time keeps its time of day
    (`due_at`), any other gets the day (`due_on`)."""
    if due is None:
        return {"due_at": None} if due_at else {"due_on": None}
    if not due_at:
        return {"due_on": due.isoformat()}
    local = _moment(due_at).astimezone(zone)
    moment = datetime.combine(due, local.timetz().replace(tzinfo=None), zone).astimezone(UTC)
    return {"due_at": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")}


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def version(task_modified_at: str, subtasks: list[Json]) -> str:
    """Changes when the task or any subtask changes (Asana does not bump the parent's
    `modified_at` when a subtask is ticked)."""
    if not subtasks:
        return task_modified_at
    states = "\n".join(f"{s['gid']}:{s.get('name')}:{s.get('completed')}" for s in subtasks)
    return f"{task_modified_at}+{hashlib.sha1(states.encode()).hexdigest()[:12]}"


def modified_at(task: Json, subtasks: list[Json]) -> datetime | None:
    stamps = [task.get("modified_at")] + [s.get("modified_at") for s in subtasks]
    parsed = [datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps if s]
    return max(parsed) if parsed else None


def task_fields(item: Item, notes: str) -> Json:
    """The writable task fields an item decides (`notes` already carries the footer)."""
    return {
        "name": item.title,
        "notes": notes,
        "completed": item.done or item.archived,
        "due_on": item.due.isoformat() if item.due else None,
    }
