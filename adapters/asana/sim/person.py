"""A person working in Asana's UI: the same backend operations the API uses, so every
action bumps `modified_at` and lands in the event stream, but without HTTP, rate limits or
request statistics. Tests use it to play the executive or the assistant."""

from __future__ import annotations

import threading
from datetime import datetime

from adapters.asana.sim.entities import Project, Section, Task, User
from adapters.asana.sim.models import AsanaBackend


class Person:
    def __init__(self, backend: AsanaBackend, user: User, lock: threading.RLock) -> None:
        self.backend = backend
        self.user = user
        self._lock = lock

    def section(self, project_gid: str, name: str) -> Section:
        """The project's section called `name`, created when missing (as a person would)."""
        with self._lock:
            project = self.backend.get_project(project_gid)
            for section in self.backend.sections_for_project(project):
                if section.name == name:
                    return section
            return self.backend.create_section_for_project(project, name)

    def rename_section(self, project_gid: str, name: str, new_name: str) -> None:
        """Rename a section in the project's board view (its gid stays)."""
        with self._lock:
            self.section(project_gid, name).name = new_name

    def create_task(self, project_gid: str, section: str, name: str, **fields: object) -> Task:
        sec = self.section(project_gid, section)
        data = {
            "name": name,
            **fields,
            "memberships": [{"project": project_gid, "section": sec.gid}],
        }
        with self._lock:
            return self.backend.create_task(self.user, data)

    def edit(self, task_gid: str, **fields: object) -> Task:
        """Change name, notes, due_on or completed, as typed in the task pane."""
        with self._lock:
            return self.backend.update_task(self.user, self.backend.get_task(task_gid), fields)

    def complete(self, task_gid: str, done: bool = True) -> Task:
        return self.edit(task_gid, completed=done)

    def move(
        self,
        task_gid: str,
        section: str,
        project_gid: str | None = None,
        before: str | None = None,
        after: str | None = None,
    ) -> None:
        """Drag the task to the top of a section of `project_gid` (default: its first
        project), or to just before / after another task of it."""
        task = self.task(task_gid)
        sec = self.section(project_gid or next(iter(task.memberships)), section)
        with self._lock:
            self.backend.add_task_for_section(self.user, sec, task, before, after)

    def delete(self, task_gid: str) -> None:
        with self._lock:
            self.backend.delete_task(self.user, self.backend.get_task(task_gid))

    def add_to_project(self, task_gid: str, project_gid: str, section: str | None = None) -> None:
        sec = self.section(project_gid, section) if section else None
        with self._lock:
            project: Project = self.backend.get_project(project_gid)
            self.backend.add_project_for_task(
                self.user, self.backend.get_task(task_gid), project, sec.gid if sec else None
            )

    def tag(self, task_gid: str, name: str) -> None:
        """Add the workspace's tag `name` (created when missing)."""
        with self._lock:
            task = self.backend.get_task(task_gid)
            tags = [t for t in self.backend.tags_for_workspace(task.workspace) if t.name == name]
            tag = tags[0] if tags else self.backend.create_tag_for_workspace(task.workspace, name)
            self.backend.add_tag_for_task(self.user, task, tag)

    def untag(self, task_gid: str, name: str) -> None:
        with self._lock:
            task = self.backend.get_task(task_gid)
            for tag in [t for t in task.tags if t.name == name]:
                self.backend.remove_tag_for_task(self.user, task, tag)

    def add_subtask(self, task_gid: str, name: str, completed: bool = False) -> Task:
        with self._lock:
            parent = self.backend.get_task(task_gid)
            data = {"name": name, "completed": completed}
            return self.backend.create_task(self.user, data, parent=parent)

    def tick_subtask(self, subtask_gid: str, done: bool = True) -> Task:
        return self.edit(subtask_gid, completed=done)

    def delete_subtask(self, subtask_gid: str) -> None:
        self.delete(subtask_gid)

    def set_modified_at(self, task_gid: str, when: datetime) -> None:
        """Pretend the task was last touched at `when` (for stale and conflict tests)."""
        with self._lock:
            self.backend.get_task(task_gid).modified_at = when.timestamp()

    def task(self, task_gid: str) -> Task:
        with self._lock:
            return self.backend.get_task(task_gid)

    def tasks(self, project_gid: str, section: str | None = None) -> list[Task]:
        """The project's tasks (in `section` only, if given), as the list view shows them."""
        with self._lock:
            project = self.backend.get_project(project_gid)
            tasks = self.backend.tasks_for_project(project)
            if section is None:
                return tasks
            return [
                t
                for t in tasks
                if self.backend.sections[t.memberships[project.gid] or ""].name == section
            ]
