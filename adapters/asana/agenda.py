"""The 1:1 agenda as one Asana task pairsync owns: found by its footer wherever a person
moved it, updated in place, made once."""

from __future__ import annotations

import asana

from adapters.asana.layout import PAGE
from sync.contract import add_footer, split_footer


def publish_task(
    tasks_api: asana.TasksApi, project: str, section: str, key: str, title: str, text: str
) -> str:
    """The agenda's task gid, after making it show `title` and `text` (an open copy is
    preferred when a person duplicated it)."""
    notes = add_footer(text, key)
    opts = PAGE | {"opt_fields": "name,notes,completed"}
    tasks = tasks_api.get_tasks_for_project(project, opts)
    mine = [t for t in tasks if split_footer(t.get("notes") or "")[1] == key]
    if not mine:
        data = {
            "name": title,
            "notes": notes,
            "projects": [project],
            "memberships": [{"project": project, "section": section}],
        }
        return str(tasks_api.create_task({"data": data}, {"opt_fields": "name"})["gid"])
    task = min(mine, key=lambda t: bool(t.get("completed")))  # an open one if any
    wanted = {"name": title, "notes": notes, "completed": False}
    diff = {k: v for k, v in wanted.items() if task.get(k) != v}
    if diff:
        tasks_api.update_task({"data": diff}, task["gid"], {"opt_fields": "name"})
    return str(task["gid"])
