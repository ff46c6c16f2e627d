"""Asana's echoes (see `adapters.echoes`). Asana's events name the task and the field
that changed (`change.field`) but not the new value of a name, notes, completion or due
date: `new_value` is only given for fields that hold an Asana resource (the API's
`EventResponse` says so). So an event is proven pairsync's own by what it touched and
when. A task pairsync created shows as added to the very project and section pairsync
put it in, no later than the create's answer (a later "added" is a person's move); a
subtask as added to the very parent. A change names a field pairsync
wrote on that task (for a section or a tag, which are resources, that very one) and
happened no later than the `modified_at` Asana answered pairsync's last write to it. A
person's edit made after that write is later; one made before it but after the read
touched a field pairsync's write then replaced (as without echoes); any other field is
not recorded, so its event is read.

A subtask's creation comes in either of Asana's two shapes: the subtask's own `added`
event with its parent task as `parent`, or the parent's `changed` event whose
`change.field` is "subtasks" and whose `added_value` (`removed_value`) is the subtask.
`fact` reads both as the same fact about the subtask, so the proof holds whichever
shape a feed uses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from adapters.echoes import fingerprint

Json = dict[str, Any]
ANY_TIME = "9999-12-31T23:59:59.999Z"
"""The stamp of events no later edit can make: a subtask added to the very parent
pairsync created it under, a subtask pairsync deleted. (A task is moved within its
section by being added to it again, so a task's own creation is bounded by its stamp.)"""


def what(event: Json) -> str:
    """What an event did to its task, in the words `WriteLog` records."""
    action = str(event.get("action"))
    if action == "changed":
        change = event.get("change") or {}
        moved = change.get("added_value") or change.get("removed_value")
        if isinstance(moved, dict):  # a tag added or removed: the tag is in the event
            return f"changed:{change.get('field')}:{change.get('action')}:{moved.get('gid')}"
        return f"changed:{change.get('field')}"
    if action in ("added", "removed"):
        parent = event.get("parent") or {}
        return f"{action}:{parent.get('resource_type')}:{parent.get('gid')}"
    return action


class WriteLog:
    """What one run wrote to a project: per task, its last `modified_at` and what changed."""

    def __init__(self) -> None:
        self._tasks: dict[str, tuple[str, set[str]]] = {}

    def wrote(self, gid: str, stamp: str, *whats: str) -> None:
        _, before = self._tasks.get(gid, ("", set()))
        self._tasks[gid] = (stamp, before | set(whats))

    def echoes(self) -> dict[str, list[Any]]:
        return {
            fingerprint(gid): [stamp, sorted(whats)] for gid, (stamp, whats) in self._tasks.items()
        }


def subtask_changed(event: Json) -> Json | None:
    """The subtask a parent's `changed`/`subtasks` event added or removed, if it is one."""
    change = event.get("change") or {}
    if event.get("action") != "changed" or change.get("field") != "subtasks":
        return None
    subtask = change.get("added_value") or change.get("removed_value")
    return subtask if isinstance(subtask, dict) else {}


def fact(event: Json) -> tuple[str | None, str]:
    """(the task an event is about, what happened to it, in `WriteLog`'s words): a
    parent's change of its subtasks is the subtask's own `added` or `deleted`."""
    subtask = subtask_changed(event)
    if subtask is None:
        return (event.get("resource") or {}).get("gid"), what(event)
    parent = (event.get("resource") or {}).get("gid")
    added = "added_value" in (event.get("change") or {})
    return subtask.get("gid"), f"added:task:{parent}" if added else "deleted"


def is_echo(event: Json, written: dict[str, list[Any]]) -> bool:
    gid, happened = fact(event)
    entry = written.get(fingerprint(gid)) if gid else None
    if not entry or not event.get("created_at"):
        return False
    stamp, whats = entry
    if _time(event["created_at"]) > _time(stamp):
        return False
    return happened in whats


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))
