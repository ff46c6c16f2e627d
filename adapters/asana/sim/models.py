"""The Asana simulator's in-memory backend (moto's models.py): workspaces, users, projects,
sections, tasks, subtasks, tags (records in `entities.py`) and the event stream. No HTTP
here: `responses.py` parses requests into these calls, and `person.py` calls them directly
to act as a person in the UI.

Every write bumps the task's `modified_at` and appends events to the stream of each project
the task (or its parent, for a subtask) belongs to, the way Asana's `/events` reports them.

Order: a project lists its tasks section by section, each section top to bottom; a new
task joins the bottom of its section, `addTask` puts a task at the top of the section or
at `insert_before` / `insert_after` (a task of that section), and records an "added"
event with the section as parent even within one section (how pairsync sees a drag).

A subtask's creation is reported in one of the two shapes Asana uses
(`subtask_events`): as the subtask's own `added` event with its parent task as `parent`
("added", the default), or as a change of the parent: `changed`, `change.field`
"subtasks", the subtask as `added_value` ("parent"). A client must prove its echoes in
either.

Limitations (deliberate): tags and sections cannot be renamed or deleted; deleted tasks
are gone at once (no trash); only task events are recorded (not stories, projects or
sections).
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Literal, TypeVar

from adapters.asana.sim.entities import Event, Json, Project, Section, Tag, Task, User, Workspace
from adapters.asana.sim.errors import SyncTokenInvalid, invalid, unknown_object
from adapters.simkit import iso

SYNC_TOKEN_LIFETIME = 24 * 3600.0
"""Asana keeps events for a limited time; an older sync token answers 412."""


SubtaskEvents = Literal["added", "parent"]


class AsanaBackend:
    """One Asana instance: every token sees the same data (one organisation)."""

    def __init__(self, now: Callable[[], float], subtask_events: SubtaskEvents = "added") -> None:
        self.now = now
        self.subtask_events: SubtaskEvents = subtask_events
        self._gids: Iterator[int] = itertools.count(1_209_000_000_000_001)
        self.tokens: dict[str, User] = {}
        self.users: dict[str, User] = {}
        self.workspaces: dict[str, Workspace] = {}
        self.projects: dict[str, Project] = {}
        self.sections: dict[str, Section] = {}
        self.tags: dict[str, Tag] = {}
        self.tasks: dict[str, Task] = {}
        self.events: list[Event] = []
        self._streams: dict[str, list[Event]] = {}
        """Resource gid -> its events, in order: a sync token's read looks at its resource's
        own stream, not at every event of the instance (a fleet of thousands of projects)."""
        self._sync_tokens: dict[str, tuple[str, int, float]] = {}

    def _gid(self) -> str:
        return str(next(self._gids))

    # -- setup (no API equivalent: Asana accounts are made in the web app) -----------------
    def create_user(self, name: str, token: str | None = None) -> User:
        user = User(self._gid(), name)
        self.users[user.gid] = user
        if token is not None:
            self.tokens[token] = user
        return user

    def create_workspace(self, name: str) -> Workspace:
        workspace = Workspace(self._gid(), name)
        self.workspaces[workspace.gid] = workspace
        return workspace

    def create_project(self, workspace: Workspace, name: str) -> Project:
        now = self.now()
        project = Project(self._gid(), name, workspace, now, now)
        self.projects[project.gid] = project
        return project

    # -- lookups ----------------------------------------------------------------------------
    def get_project(self, gid: str) -> Project:
        return _known(self.projects, "project", gid)

    def get_section(self, gid: str) -> Section:
        return _known(self.sections, "section", gid)

    def get_task(self, gid: str, field_name: str = "task") -> Task:
        return _known(self.tasks, field_name, gid)

    def get_tag(self, gid: str) -> Tag:
        return _known(self.tags, "tag", gid)

    def get_workspace(self, gid: str) -> Workspace:
        return _known(self.workspaces, "workspace", gid)

    # -- sections and tags ----------------------------------------------------------------
    def create_section_for_project(self, project: Project, name: str) -> Section:
        if not name.strip():
            raise invalid("name: Cannot be empty")
        section = Section(self._gid(), name, project, self.now())
        self.sections[section.gid] = section
        project.sections.append(section.gid)
        return section

    def sections_for_project(self, project: Project) -> list[Section]:
        return [self.sections[gid] for gid in project.sections]

    def create_tag_for_workspace(self, workspace: Workspace, name: str) -> Tag:
        tag = Tag(self._gid(), name, workspace, self.now())
        self.tags[tag.gid] = tag
        return tag

    def tags_for_workspace(self, workspace: Workspace) -> list[Tag]:
        return [tag for tag in self.tags.values() if tag.workspace is workspace]

    # -- tasks ----------------------------------------------------------------------------
    def tasks_for_project(self, project: Project) -> list[Task]:
        """Section by section (as the project shows them), each in its manual order."""
        place = {gid: i for i, gid in enumerate(project.sections)}
        tasks = [self.tasks[gid] for gid in project.tasks]
        return sorted(tasks, key=lambda t: place.get(t.memberships[project.gid] or "", -1))

    def tasks_for_section(self, section: Section) -> list[Task]:
        project = section.project
        return [
            t for t in self.tasks_for_project(project) if t.memberships[project.gid] == section.gid
        ]

    def create_task(self, actor: User, fields: Json, parent: Task | None = None) -> Task:
        """POST /tasks and POST /tasks/{gid}/subtasks: `fields` is the request's `data`."""
        placements = self._placements(fields)
        if parent is not None:
            workspace = parent.workspace
        elif placements:
            workspace = self.projects[placements[0][0]].workspace
        elif "workspace" in fields:
            workspace = self.get_workspace(fields["workspace"])
        else:
            raise invalid("workspace: Missing input")
        now = self.now()
        task = Task(self._gid(), fields.get("name", ""), workspace, actor, now, now, parent=parent)
        self.tasks[task.gid] = task
        self._set_fields(task, fields)
        for tag_gid in fields.get("tags", []):
            task.tags.append(self.get_tag(tag_gid))
        if parent is not None:
            parent.subtasks.append(task)
            if self.subtask_events == "parent":
                change = {"field": "subtasks", "action": "added", "added_value": task.compact()}
                self._emit(actor, parent, "changed", None, change)
            else:
                self._emit(actor, task, "added", parent.compact())
        for project_gid, section_gid in placements:
            self._join(actor, task, self.projects[project_gid], section_gid)
        return task

    def _placements(self, fields: Json) -> list[tuple[str, str | None]]:
        """(project, section) pairs from `projects` and the create-only `memberships`."""
        placements: dict[str, str | None] = {}
        for gid in fields.get("projects", []):
            placements[self.get_project(gid).gid] = None
        for membership in fields.get("memberships", []):
            project = self.get_project(str(membership.get("project")))
            section = membership.get("section")
            if section is not None and self.get_section(section).project is not project:
                raise invalid(f"memberships: section {section} is not in project {project.gid}")
            placements[project.gid] = section
        return list(placements.items())

    def _set_fields(self, task: Task, fields: Json) -> list[str]:
        if fields.get("due_on") is not None and fields.get("due_at") is not None:
            raise invalid("due_on, due_at: only one of them may be given")
        if "due_at" in fields:  # a due time sets its day; no time clears both
            at = fields["due_at"]
            fields = fields | {"due_on": _day_of(at) if at else None}
        elif "due_on" in fields:  # a day alone clears the time
            fields = fields | {"due_at": None}
        changed: list[str] = []
        for name in ("name", "notes", "due_on", "due_at", "completed"):
            if name in fields and getattr(task, name) != fields[name]:
                setattr(task, name, fields[name])
                changed.append(name)
        if "completed" in changed:
            task.completed_at = self.now() if task.completed else None
        return changed

    def update_task(self, actor: User, task: Task, fields: Json) -> Task:
        for name in self._set_fields(task, fields):
            self._emit(actor, task, "changed", None, {"field": name, "action": "changed"})
        self._touch(task)
        return task

    def delete_task(self, actor: User, task: Task) -> None:
        for sub in list(task.subtasks):
            self.delete_task(actor, sub)
        self._emit(actor, task, "deleted", None)
        if task.parent is not None:
            task.parent.subtasks.remove(task)
        for project_gid in task.memberships:
            self.projects[project_gid].tasks.remove(task.gid)
        del self.tasks[task.gid]

    def add_task_for_section(
        self,
        actor: User,
        section: Section,
        task: Task,
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        """POST /sections/{gid}/addTask: move within that section's project only, to the
        top of the section or next to `before` / `after` (tasks of that section)."""
        project = section.project
        if before is not None and after is not None:
            raise invalid("insert_before, insert_after: only one of them may be given")
        anchor_gid = before or after
        if anchor_gid is not None:
            anchor = self.get_task(anchor_gid, "insert_before" if before else "insert_after")
            if anchor is task or anchor.memberships.get(project.gid) != section.gid:
                raise invalid(f"{anchor_gid}: not a task of section {section.gid}")
        if project.gid not in task.memberships:
            self._join(actor, task, project, section.gid)
        else:
            task.memberships[project.gid] = section.gid
            self._emit(actor, task, "added", section.compact())
            self._touch(task)
        project.tasks.remove(task.gid)
        if anchor_gid is None:  # the top of the section
            tops = [
                g for g in project.tasks if self.tasks[g].memberships[project.gid] == section.gid
            ]
            at = project.tasks.index(tops[0]) if tops else len(project.tasks)
        else:
            at = project.tasks.index(anchor_gid) + (1 if after else 0)
        project.tasks.insert(at, task.gid)

    def add_project_for_task(
        self, actor: User, task: Task, project: Project, section_gid: str | None
    ) -> None:
        if section_gid is not None and self.get_section(section_gid).project is not project:
            raise invalid(f"section: {section_gid} is not in project {project.gid}")
        if project.gid in task.memberships:
            if section_gid is not None:
                self.add_task_for_section(actor, self.sections[section_gid], task)
            return
        self._join(actor, task, project, section_gid)

    def remove_project_for_task(self, actor: User, task: Task, project: Project) -> None:
        if project.gid not in task.memberships:
            return
        self._emit(actor, task, "removed", project.compact())
        del task.memberships[project.gid]
        project.tasks.remove(task.gid)
        self._touch(task)

    def _join(self, actor: User, task: Task, project: Project, section_gid: str | None) -> None:
        if section_gid is None:
            if not project.sections:  # Asana gives every project a first section
                self.create_section_for_project(project, "Untitled section")
            section_gid = project.sections[0]
        task.memberships[project.gid] = section_gid
        project.tasks.append(task.gid)
        self._emit(actor, task, "added", project.compact())
        self._touch(task)

    def add_tag_for_task(self, actor: User, task: Task, tag: Tag) -> None:
        if tag not in task.tags:
            task.tags.append(tag)
            change = {"field": "tags", "action": "added", "added_value": tag.compact()}
            self._emit(actor, task, "changed", None, change)
            self._touch(task)

    def remove_tag_for_task(self, actor: User, task: Task, tag: Tag) -> None:
        if tag in task.tags:
            task.tags.remove(tag)
            change = {"field": "tags", "action": "removed", "removed_value": tag.compact()}
            self._emit(actor, task, "changed", None, change)
            self._touch(task)

    def _touch(self, task: Task) -> None:
        task.modified_at = self.now()

    # -- events ---------------------------------------------------------------------------
    def _emit(
        self, actor: User, task: Task, action: str, parent: Json | None, change: Json | None = None
    ) -> None:
        top = task.parent or task
        scopes = frozenset({task.gid, top.gid, *top.memberships})
        body: Json = {
            "user": actor.compact(),
            "resource": task.compact(),
            "type": "task",
            "action": action,
            "parent": parent
            if parent is not None
            else (task.parent.compact() if task.parent else None),
            "created_at": iso(self.now()),
        }
        if change is not None:
            body["change"] = change
        event = Event(len(self.events), scopes, body, self.now())
        self.events.append(event)
        for scope in scopes:
            self._streams.setdefault(scope, []).append(event)

    def new_sync_token(self, resource: str) -> str:
        token = secrets.token_hex(16)
        self._sync_tokens[token] = (resource, len(self._streams.get(resource, ())), self.now())
        return token

    def get_events(
        self, resource: str, sync: str | None, limit: int = 100
    ) -> tuple[list[Json], str, bool]:
        """Events on `resource` since `sync`: (events, next sync token, has_more).

        :raises SyncTokenInvalid: no token, an unknown one, or one older than the lifetime.
        """
        if resource not in self.projects and resource not in self.tasks:
            raise unknown_object("resource", resource)
        entry = self._sync_tokens.get(sync or "")
        if entry is None or entry[0] != resource or self.now() - entry[2] > SYNC_TOKEN_LIFETIME:
            raise SyncTokenInvalid(self.new_sync_token(resource))
        stream = self._streams.get(resource, [])
        position = entry[1]
        page = stream[position : position + limit]
        has_more = len(stream) > position + limit
        end = position + len(page)
        token = secrets.token_hex(16)
        self._sync_tokens[token] = (resource, end, self.now())
        return [e.body for e in page], token, has_more

    def expire_sync_tokens(self) -> None:
        """As if a day passed without a sync: every token answers 412 next time."""
        self._sync_tokens.clear()


Record = TypeVar("Record")


def _known(records: dict[str, Record], field_name: str, gid: str) -> Record:
    """The record of `gid`, or Asana's 404 naming the field that gave it."""
    if gid not in records:
        raise unknown_object(field_name, gid)
    return records[gid]


def _day_of(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"due_at: {stamp!r} is not a date-time") from None
    return moment.astimezone(UTC).date().isoformat()
