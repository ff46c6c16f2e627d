"""The simulated Asana's records (users, workspaces, projects, sections, tags, tasks,
events) and their compact and full JSON, as the backend keeps and the API shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from adapters.simkit import iso

Json = dict[str, Any]


@dataclass
class User:
    gid: str
    name: str

    def compact(self) -> Json:
        return {"gid": self.gid, "resource_type": "user", "name": self.name}


@dataclass
class Workspace:
    gid: str
    name: str

    def compact(self) -> Json:
        return {"gid": self.gid, "resource_type": "workspace", "name": self.name}


@dataclass
class Project:
    gid: str
    name: str
    workspace: Workspace
    created_at: float
    modified_at: float
    sections: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    """Top-level task gids in the order they joined the project."""

    def compact(self) -> Json:
        return {"gid": self.gid, "resource_type": "project", "name": self.name}

    def full(self) -> Json:
        return self.compact() | {
            "archived": False,
            "created_at": iso(self.created_at),
            "modified_at": iso(self.modified_at),
            "workspace": self.workspace.compact(),
            "notes": "",
        }


@dataclass
class Section:
    gid: str
    name: str
    project: Project
    created_at: float

    def compact(self) -> Json:
        return {"gid": self.gid, "resource_type": "section", "name": self.name}

    def full(self) -> Json:
        return self.compact() | {
            "created_at": iso(self.created_at),
            "project": self.project.compact(),
            "projects": [self.project.compact()],
        }


@dataclass
class Tag:
    gid: str
    name: str
    workspace: Workspace
    created_at: float

    def compact(self) -> Json:
        return {"gid": self.gid, "resource_type": "tag", "name": self.name}

    def full(self) -> Json:
        return self.compact() | {
            "color": None,
            "notes": "",
            "created_at": iso(self.created_at),
            "followers": [],
            "workspace": self.workspace.compact(),
            "permalink_url": f"https://app.asana.com/0/{self.gid}/list",
        }


@dataclass
class Task:
    gid: str
    name: str
    workspace: Workspace
    created_by: User
    created_at: float
    modified_at: float
    notes: str = ""
    completed: bool = False
    completed_at: float | None = None
    due_on: str | None = None
    due_at: str | None = None
    """A due time (UTC); `due_on` is then its day (in UTC: the simulator has no user zone)."""
    parent: Task | None = None
    memberships: dict[str, str | None] = field(default_factory=dict)
    """project gid -> section gid, in the order the task joined them."""
    tags: list[Tag] = field(default_factory=list)
    subtasks: list[Task] = field(default_factory=list)

    def compact(self) -> Json:
        return {
            "gid": self.gid,
            "resource_type": "task",
            "name": self.name,
            "resource_subtype": "default_task",
        }


@dataclass
class Event:
    seq: int
    scopes: frozenset[str]
    """Gids of the resources whose stream shows this event (projects and tasks)."""
    body: Json
    at: float
