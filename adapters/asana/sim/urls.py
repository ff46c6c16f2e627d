"""The simulated Asana's routes (moto's urls.py): the real API's paths under `/api/1.0`,
each mapped to an `AsanaApp` method of the same purpose."""

from __future__ import annotations

from werkzeug.routing import Map, Rule

API = "/api/1.0"


def _rule(path: str, endpoint: str, *methods: str) -> Rule:
    return Rule(API + path, endpoint=endpoint, methods=list(methods))


URL_MAP = Map(
    [
        _rule("/users/<user_gid>", "get_user", "GET"),
        _rule("/projects", "get_projects", "GET"),
        _rule("/projects/<project_gid>", "get_project", "GET"),
        _rule("/projects/<project_gid>/sections", "sections_for_project", "GET", "POST"),
        _rule("/projects/<project_gid>/tasks", "get_tasks_for_project", "GET"),
        _rule("/sections/<section_gid>", "get_section", "GET"),
        _rule("/sections/<section_gid>/tasks", "get_tasks_for_section", "GET"),
        _rule("/sections/<section_gid>/addTask", "add_task_for_section", "POST"),
        _rule("/tasks", "tasks", "GET", "POST"),
        _rule("/tasks/<task_gid>", "task", "GET", "PUT", "DELETE"),
        _rule("/tasks/<task_gid>/subtasks", "subtasks", "GET", "POST"),
        _rule("/tasks/<task_gid>/addProject", "add_project_for_task", "POST"),
        _rule("/tasks/<task_gid>/removeProject", "remove_project_for_task", "POST"),
        _rule("/tasks/<task_gid>/addTag", "add_tag_for_task", "POST"),
        _rule("/tasks/<task_gid>/removeTag", "remove_tag_for_task", "POST"),
        _rule("/workspaces/<workspace_gid>/tags", "tags_for_workspace", "GET", "POST"),
        _rule("/events", "get_events", "GET"),
        _rule("/webhooks", "webhooks", "GET", "POST"),
        _rule("/webhooks/<webhook_gid>", "webhook", "DELETE"),
    ]
)
