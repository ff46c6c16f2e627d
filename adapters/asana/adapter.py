"""The Asana adapter: one project, tasks in its mapped sections, over the official SDK (v5).

Reads. A first read asks `/events` for a sync token (Asana answers 412 with a fresh one),
then pages `GET /projects/{gid}/tasks` with every field needed, and fetches the subtasks of
every task that has some. Later reads hand that token back: no events costs that one
request, and so do events that only echo the last run's writes (`adapters.asana.echoes`,
one request per 100 events); otherwise the touched tasks come from one
`GET /tasks?project=…&modified_since=…` (Asana does not bump a parent's `modified_at` when
a subtask changes, so a parent touched only through a subtask is fetched by gid). An
expired token (412 again) costs one full read.

Order. A project lists its tasks in their manual order, so a full read shows it. An
incremental read whose events show a task added to a section or project (a move, a new
task) lists the project's tasks once more, with their sections only, for the order. A
placed create or move is one `POST /sections/{gid}/addTask` with `insert_after` (or
`insert_before` at the top of a list); a create at the bottom of its list needs none.

Writes. A create is one `POST /tasks` (section, tags and footer included) plus one
`POST /tasks/{gid}/subtasks` per Five Whys step; an update writes only what differs between
`Update.previous` and `Update.item`. Tasks move with `POST /sections/{gid}/addTask`, which
leaves their memberships in other projects alone. `Update.version` is not re-checked
before writing: that would cost a request per change. `publish` (the 1:1 agenda) reads the
project's tasks (one request per 100) to find its task by footer, then writes once.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace

import asana

from adapters import echoes
from adapters.asana.agenda import publish_task
from adapters.asana.config import AsanaTarget
from adapters.asana.echoes import ANY_TIME, WriteLog, is_echo
from adapters.asana.events import SyncExpired, events_since, fresh_sync_token, touched_by
from adapters.asana.http import HttpError, PolicyApiClient, pacer_for
from adapters.asana.layout import PAGE, ProjectLayout, project_calls, section_name
from adapters.asana.mapping import (
    SUBTASK_FIELDS,
    TASK_FIELDS,
    Json,
    due_fields,
    modified_at,
    placement,
    task_fields,
    to_item,
    version,
)
from adapters.base import Adapter
from adapters.retry import UNCERTAIN, Uncertain
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Create,
    Created,
    Outcome,
    Place,
    RemoteItem,
    Snapshot,
    TargetBase,
    Update,
    Updated,
    add_footer,
)
from sync.errors import TargetError, TargetRejected, TargetUnavailable
from sync.model import Kind, Step


class AsanaAdapter(Adapter):
    type_name = "asana"
    place_word = "section"

    def __init__(self, config: TargetBase, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        assert isinstance(config, AsanaTarget)
        self.target = config
        self.project = config.project_gid
        self.client = PolicyApiClient(
            config.name,
            config.base_url,
            config.token.get_secret_value(),
            self._count,
            pacer_for(config),
            timeout=config.timeout_seconds,
            max_wait=config.retry_seconds,
        )
        self.tasks_api = asana.TasksApi(self.client)
        self.sections_api = asana.SectionsApi(self.client)
        self.tags_api = asana.TagsApi(self.client)
        self.events_api = asana.EventsApi(self.client)
        self.projects_api = asana.ProjectsApi(self.client)
        self._kinds = {section: kind for kind, section in config.lists.items()}
        self.layout = ProjectLayout(
            config.name, config, self.sections_api, self.tags_api, self.projects_api
        )
        self._subtasks: dict[str, list[Json]] = {}
        """Subtasks of the tasks read so far, so that updating steps needs no re-read."""
        self._made: dict[str, str] = {}
        """Item id -> gid of the tasks this adapter created (in this run)."""
        self._due_at: dict[str, str | None] = {}
        """A task's due time as read (a person set it), kept when its day changes."""
        self._written = WriteLog()

    def _count(self) -> None:
        self.requests += 1

    # -- reading --------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        token, written = echoes.unpack(cursor)
        with self._project_calls():
            if token is None:
                return self._full_read(fresh_sync_token(self.events_api, self.project))
            try:
                events, token = events_since(self.events_api, self.project, token)
            except SyncExpired as expired:
                return self._full_read(expired.sync)
            if written:
                events = [event for event in events if not is_echo(event, written)]
            return self._incremental(events, token)

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        cursor = echoes.pack(snapshot.cursor, self._written.echoes())
        return replace(super().after_writes(snapshot), cursor=cursor)

    def _project_calls(self) -> AbstractContextManager[None]:
        return project_calls(self.name, self.project)

    def _full_read(self, token: str) -> Snapshot:
        items: dict[str, RemoteItem] = {}
        opts = PAGE | {"opt_fields": TASK_FIELDS}
        for task in self.tasks_api.get_tasks_for_project(self.project, opts):
            if task["gid"] in items:
                raise TargetUnavailable(self.name, "loop detected in pagination")
            remote = self._remote(task)
            if remote is not None:
                items[remote.remote_id] = remote
        order = tuple(gid for gid, remote in items.items() if not remote.item.archived)
        return Snapshot(items, cursor=token, order=order, places=dict(self.places))

    def _order(self) -> tuple[str, ...]:
        """The gids of the tasks in the mapped sections, in the project's order."""
        opts = PAGE | {"opt_fields": "memberships.project.name,memberships.section.name"}
        followed = self._followed()
        order: list[str] = []
        for task in self.tasks_api.get_tasks_for_project(self.project, opts):
            where = placement(
                task, self.project, self._kinds, self.target.archive_section, followed
            )
            if where is not None and not where.archived:
                order.append(task["gid"])
        return tuple(order)

    def _incremental(self, events: list[Json], token: str) -> Snapshot:
        touched = touched_by(events, self.project)
        gone = touched.gone
        items: dict[str, RemoteItem] = {}
        since = touched.modified_since()
        if touched.tasks and since:
            opts = PAGE | {"project": self.project, "modified_since": since}
            for task in self.tasks_api.get_tasks(opts | {"opt_fields": TASK_FIELDS}):
                if task["gid"] in touched.tasks | touched.via_subtask:
                    self._add_to_snapshot(task, items, gone)
            gone |= touched.tasks - items.keys()
        self._fetch_parents(touched.via_subtask - items.keys() - gone, items, gone)
        order = self._order() if touched.moved else None
        return Snapshot(items, False, frozenset(gone), token, order, places=dict(self.places))

    def _fetch_parents(self, gids: set[str], items: dict[str, RemoteItem], gone: set[str]) -> None:
        """Tasks touched only through their subtasks: by gid when few, else one listing
        (a page holds 100 tasks, so three parents already cost more one by one)."""
        if len(gids) > 2:
            opts = PAGE | {"opt_fields": TASK_FIELDS}
            for task in self.tasks_api.get_tasks_for_project(self.project, opts):
                if task["gid"] in gids:
                    self._add_to_snapshot(task, items, gone)
            gone |= gids - items.keys()
            return
        for gid in gids:
            try:
                task = self.tasks_api.get_task(gid, {"opt_fields": TASK_FIELDS})
            except HttpError as exc:
                if exc.status != 404:
                    raise
                gone.add(gid)
                continue
            self._add_to_snapshot(task, items, gone)

    def _add_to_snapshot(self, task: Json, items: dict[str, RemoteItem], gone: set[str]) -> None:
        remote = self._remote(task)
        if remote is None:
            gone.add(task["gid"])  # moved out of the mapped sections
        else:
            items[remote.remote_id] = remote

    def _followed(self) -> dict[str, Kind]:
        """Section gid -> kind, for the sections found before (renamed ones included)."""
        return {gid: kind for kind, (gid, _) in self.places.items()}

    def _remote(self, task: Json) -> RemoteItem | None:
        where = placement(
            task, self.project, self._kinds, self.target.archive_section, self._followed()
        )
        if where is None:
            return None
        if (
            where.kind is not None
            and self.places.get(where.kind, where.section)[0] == where.section[0]
        ):
            self.places[where.kind] = where.section  # found, or followed under a new name
        subtasks: list[Json] = []
        # Subtasks of every kind: a problem moved to another section keeps its Five Whys,
        # and a step ticked just before the move must not read as deleted.
        if task.get("num_subtasks"):
            subtasks = self._fetch_subtasks(task["gid"])
        else:
            self._subtasks[task["gid"]] = subtasks  # none: adding the Five Whys needs no read
        item, item_id = to_item(task, where, subtasks, self.zone)
        self._due_at[task["gid"]] = task.get("due_at")
        return RemoteItem(
            remote_id=task["gid"],
            item=item,
            item_id=item_id,
            version=version(task["modified_at"], subtasks),
            modified_at=modified_at(task, subtasks),
            hidden=frozenset({"kind", "done"}) if where.archived else frozenset(),
        )

    def _fetch_subtasks(self, task_gid: str) -> list[Json]:
        opts = PAGE | {"opt_fields": SUBTASK_FIELDS}
        subtasks = list(self.tasks_api.get_subtasks_for_task(task_gid, opts))
        self._subtasks[task_gid] = subtasks
        return subtasks

    # -- writing --------------------------------------------------------------------------
    def write_one(self, change: Change) -> Outcome:
        return self._create(change) if isinstance(change, Create) else self._update(change)

    def _create(self, change: Create) -> Created:
        item = change.item
        section = self.layout.section_of(item, self.places)
        data = task_fields(item, add_footer(item.notes, change.item_id)) | {
            "projects": [self.project],
            "memberships": [{"project": self.project, "section": section}],
            "tags": [self.layout.tag_gid(name) for name in sorted(item.tool_labels())],
        }
        if data["due_on"] is None:
            del data["due_on"]
        task = self.tasks_api.create_task({"data": data}, {"opt_fields": "modified_at"})
        self._made[change.item_id] = task["gid"]
        stamp = task["modified_at"]
        if change.place is not None and change.place.before is not None:
            self._add_to_section(section, task["gid"], change.place)
            stamp = self.tasks_api.get_task(task["gid"], {"opt_fields": "modified_at"})[
                "modified_at"
            ]
        placed = (f"added:project:{self.project}", f"added:section:{section}")
        self._written.wrote(task["gid"], stamp, *placed)  # a later move is a person's
        subtasks = self._write_steps(task["gid"], [], item.steps) if item.steps else []
        return Created(change, task["gid"], version(stamp, subtasks))

    def _add_to_section(self, section: str, gid: str, place: Place | None) -> None:
        """Move a task into a section: at `place`, else at the section's top."""
        data = {"task": gid}
        if place is not None and place.after is not None:
            data["insert_after"] = place.after.remote_id or self._made[place.after.item_id]
        elif place is not None and place.before is not None:
            data["insert_before"] = place.before.remote_id or self._made[place.before.item_id]
        self.sections_api.add_task_for_section(section, {"body": {"data": data}})

    def _update(self, change: Update) -> Updated:
        gid, item, prev = change.remote_id, change.item, change.previous
        notes = add_footer(item.notes, change.item_id)
        old = task_fields(prev, add_footer(prev.notes, change.item_id))
        fields = {k: v for k, v in task_fields(item, notes).items() if v != old[k]}
        if "due_on" in fields:
            del fields["due_on"]
            fields |= due_fields(item.due, self._due_time(gid), self.zone)
        if change.relink:
            fields["notes"] = notes  # a person removed or altered the footer
        whats = [f"changed:{name}" for name in fields]
        related = False
        if (
            section_name(self.target, item) != section_name(self.target, prev)
            or change.place is not None
        ):
            section = self.layout.section_of(item, self.places)
            self._add_to_section(section, gid, change.place)
            related = True
            whats.append(f"added:section:{section}")
        new_tags, old_tags = item.tool_labels(), prev.tool_labels()
        for name in sorted(new_tags - old_tags):
            added = self.layout.tag_gid(name)
            self.tasks_api.add_tag_for_task({"data": {"tag": added}}, gid)
            whats.append(f"changed:tags:added:{added}")
        for name in sorted(old_tags - new_tags):
            if (tag := self.layout.tags_by_name().get(name)) is not None:
                self.tasks_api.remove_tag_for_task({"data": {"tag": tag}}, gid)
                whats.append(f"changed:tags:removed:{tag}")
        related = related or new_tags != old_tags
        subtasks = self._subtasks.get(gid)
        if item.steps != prev.steps:
            existing = subtasks if subtasks is not None else self._fetch_subtasks(gid)
            subtasks = self._write_steps(gid, existing, item.steps)
        stamp, _, steps_hash = change.version.partition("+")
        if fields:
            task = self.tasks_api.update_task({"data": fields}, gid, {"opt_fields": "modified_at"})
            stamp = task["modified_at"]
        elif related:
            stamp = self.tasks_api.get_task(gid, {"opt_fields": "modified_at"})["modified_at"]
        if whats:
            self._written.wrote(gid, stamp, *whats)
        if subtasks is None:  # not read this run (an incremental read) nor written: unchanged
            return Updated(change, gid, "+".join(filter(None, (stamp, steps_hash))))
        return Updated(change, gid, version(stamp, subtasks))

    def _due_time(self, gid: str) -> str | None:
        """The task's due time; asked for when this run's read did not fetch the task."""
        if gid not in self._due_at:
            task = self.tasks_api.get_task(gid, {"opt_fields": "due_at"})
            self._due_at[gid] = task.get("due_at")
        return self._due_at[gid]

    def _write_steps(
        self, task_gid: str, existing: list[Json], steps: Sequence[Step]
    ) -> list[Json]:
        """Make the subtasks match `steps` in order: rename/tick in place, add, delete extras."""
        result: list[Json] = []
        opts = {"opt_fields": SUBTASK_FIELDS}
        for index, step in enumerate(steps):
            if index < len(existing):
                sub = existing[index]
                diff: Json = {}
                if sub.get("name") != step.text:
                    diff["name"] = step.text
                if bool(sub.get("completed")) != step.done:
                    diff["completed"] = step.done
                if diff:
                    sub = self.tasks_api.update_task({"data": diff}, sub["gid"], opts)
                    whats = [f"changed:{name}" for name in diff]
                    self._written.wrote(sub["gid"], sub["modified_at"], *whats)
            else:
                data = {"name": step.text, "completed": step.done}
                sub = self.tasks_api.create_subtask_for_task({"data": data}, task_gid, opts)
                self._written.wrote(sub["gid"], ANY_TIME, f"added:task:{task_gid}")
            result.append(sub)
            # kept current after every write, so a failure half-way leaves a true cache
            self._subtasks[task_gid] = result + existing[index + 1 :]
        for sub in existing[len(steps) :]:
            self.tasks_api.delete_task(sub["gid"])
            self._written.wrote(sub["gid"], ANY_TIME, "deleted")
        self._subtasks[task_gid] = result
        return result

    def make_places(self, kinds: Collection[Kind]) -> None:
        try:
            with self._project_calls():
                for kind in kinds:
                    self.layout.section_gid(self.target.lists[kind], self.places)
        except Uncertain:
            raise TargetUnavailable(self.name, f"sections: {UNCERTAIN}") from None
        except HttpError as exc:
            raise TargetRejected(self.name, f"sections: {exc}") from None

    # -- the agenda -------------------------------------------------------------------------
    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        try:
            with self._project_calls():
                section = self.layout.section_gid(list_name, self.places)
                return publish_task(self.tasks_api, self.project, section, key, title, text)
        except Uncertain:
            raise TargetUnavailable(self.name, f"agenda: {UNCERTAIN}") from None
        except HttpError as exc:
            raise TargetRejected(self.name, f"agenda: {exc}") from None

    # -- check and close ------------------------------------------------------------------
    def scopes(self) -> list[tuple[str, str]]:
        me = asana.UsersApi(self.client).get_user("me", {"opt_fields": "workspaces.name"})
        found = []
        for workspace in me.get("workspaces", []):
            options = PAGE | {"workspace": workspace["gid"], "opt_fields": "name"}
            found += [
                (project["gid"], f"{workspace['name']} / {project['name']}")
                for project in self.projects_api.get_projects(options)
            ]
        return found

    def check(self) -> list[CheckLine]:
        try:
            me = asana.UsersApi(self.client).get_user("me", {"opt_fields": "name"})
            lines = [CheckLine("token", True, f"accepted (user {me.get('name', '?')})")]
            with self._project_calls():
                project = self.projects_api.get_project(self.project, {"opt_fields": "name"})
                lines.append(
                    CheckLine("project", True, f"{project.get('name', '')} ({self.project})")
                )
                opts = PAGE | {"opt_fields": "name"}
                sections = {
                    s["gid"]: s["name"]
                    for s in self.sections_api.get_sections_for_project(self.project, opts)
                }
                names = set(sections.values())
                for kind, (gid, _) in list(self.places.items()):
                    if gid in sections:  # followed: a renamed section is not missing
                        names.add(self.target.lists[kind])
                        self.places[kind] = (gid, sections[gid])
        except TargetError as exc:
            return [CheckLine("reach", False, str(exc))]
        except HttpError as exc:
            return [CheckLine("reach", False, f"{self.name}: {exc}")]
        wanted = [*self.target.lists.values(), self.target.archive_section]
        missing = [name for name in wanted if name not in names]
        detail = (
            f"missing, created on first sync: {', '.join(missing)}" if missing else "all present"
        )
        lines.append(CheckLine("sections", True, detail))
        throttled = self.client.throttled
        lines.append(
            CheckLine(
                "rate limit",
                throttled == 0,
                f"{self.requests} requests, {throttled} answered 429; paced to "
                f"{self.target.rate_limit_per_minute}/min",
            )
        )
        return lines
