"""The simulated Notion's records and their JSON, shaped as API version 2025-09-03 answers
them (the shapes `@notionhq/client` declares): users, data sources, pages, blocks.

Times: Notion rounds `created_time` and `last_edited_time` down to the minute, in what it
answers and in what a query filters on. Records keep the exact time (the webhook events
and the tests need it); `minute()` is what the API shows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from adapters.simkit import ServiceError, iso

Json = dict[str, Any]

TEXT_LIMIT = 2000
"""Characters per rich-text piece's `text.content`."""
ARRAY_LIMIT = 100
"""Elements per array: rich text pieces, multi-select options, blocks per append."""
FREE_BLOCK_LIMIT = 1000
"""Blocks a Free workspace with more than one member holds, for life."""


def new_id() -> str:
    return str(uuid.uuid4())


def minute(ts: float) -> float:
    return ts - ts % 60


def shown_time(ts: float) -> str:
    """A record's time as Notion shows it: rounded down to the minute."""
    return iso(minute(ts))


class NotionError(ServiceError):
    """An answer Notion gives instead of the resource: status, `code` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, message)
        self.code = code


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and "
        "databases are shared with your integration.",
    )


def invalid(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def trashed() -> NotionError:
    return invalid(
        "Can't edit block that is archived. You must unarchive the block before editing."
    )


def block_limit() -> NotionError:
    """The answer when a Free workspace with more than one member has used its blocks."""
    return invalid(
        "This workspace has reached its block limit. Upgrade the workspace's plan to add "
        "more content."
    )


def plain(rich: list[Json]) -> str:
    return "".join(piece.get("text", {}).get("content", "") for piece in rich)


def rich_response(rich: list[Json]) -> list[Json]:
    """Request rich text (`{"text": {"content"}}` pieces) as Notion answers it."""
    shown = []
    for piece in rich:
        text = piece.get("text", {})
        content = str(text.get("content", ""))
        link = text.get("link")
        shown.append(
            {
                "type": "text",
                "text": {"content": content, "link": link},
                "annotations": {
                    "bold": False,
                    "italic": False,
                    "strikethrough": False,
                    "underline": False,
                    "code": False,
                    "color": "default",
                    **(piece.get("annotations") or {}),
                },
                "plain_text": content,
                "href": link["url"] if link else None,
            }
        )
    return shown


def user_ref(user_id: str) -> Json:
    return {"object": "user", "id": user_id}


@dataclass
class User:
    id: str
    name: str
    bot: bool = False
    workspace_name: str = "Sim Workspace"

    def to_json(self) -> Json:
        body: Json = {"object": "user", "id": self.id, "name": self.name, "avatar_url": None}
        if self.bot:
            body |= {
                "type": "bot",
                "bot": {
                    "owner": {"type": "workspace", "workspace": True},
                    "workspace_name": self.workspace_name,
                    "workspace_id": new_id(),
                    "workspace_limits": {"max_file_upload_size_in_bytes": 5_242_880},
                },
            }
        else:
            body |= {"type": "person", "person": {"email": f"{self.id[:8]}@example.com"}}
        return body


@dataclass
class Stamped:
    """Created and last edited: when and by whom."""

    id: str
    created_time: float
    created_by: str
    last_edited_time: float = 0.0
    last_edited_by: str = ""
    in_trash: bool = False

    def touch(self, now: float, user: str) -> None:
        self.last_edited_time, self.last_edited_by = now, user

    def stamps(self) -> Json:
        return {
            "created_time": shown_time(self.created_time),
            "last_edited_time": shown_time(self.last_edited_time or self.created_time),
            "created_by": user_ref(self.created_by),
            "last_edited_by": user_ref(self.last_edited_by or self.created_by),
            "in_trash": self.in_trash,
            "archived": self.in_trash,
        }


@dataclass
class DataSource(Stamped):
    database_id: str = ""
    title: str = ""
    properties: dict[str, Json] = field(default_factory=dict)
    """Name -> its configuration: {"id", "name", "type", <type>: {...}}."""
    shared_with: set[str] = field(default_factory=set)
    """The integrations (bot user ids) the database is shared with."""

    def to_json(self) -> Json:
        return {
            "object": "data_source",
            "id": self.id,
            "title": rich_response([{"text": {"content": self.title}}]),
            "description": [],
            "parent": {"type": "database_id", "database_id": self.database_id},
            "database_parent": {"type": "workspace", "workspace": True},
            "is_inline": False,
            **self.stamps(),
            "properties": {
                name: {"description": None, **config} for name, config in self.properties.items()
            },
            "icon": None,
            "cover": None,
            "url": f"https://www.notion.so/{self.database_id.replace('-', '')}",
            "public_url": None,
        }


@dataclass
class Block(Stamped):
    parent: Json = field(default_factory=dict)
    """`{"type": "page_id", "page_id": ...}` or `{"type": "block_id", "block_id": ...}`."""
    type: str = "paragraph"
    content: Json = field(default_factory=dict)
    """The type's object as requested (`rich_text` in request form, `checked`, ...)."""
    children: list[str] = field(default_factory=list)

    def to_json(self) -> Json:
        content = dict(self.content)
        if "rich_text" in content:
            content["rich_text"] = rich_response(content["rich_text"])
            content.setdefault("color", "default")
        if self.type == "to_do":
            content.setdefault("checked", False)
        if self.type.startswith("heading_"):
            content.setdefault("is_toggleable", False)
        if self.type in ("paragraph", "callout"):
            content.setdefault("icon", None)
        if "external" in content:  # an image, a video, a file: its caption
            content.setdefault("type", "external")
            content["caption"] = rich_response(content.get("caption") or [])
        return {
            "object": "block",
            "id": self.id,
            "parent": self.parent,
            "type": self.type,
            self.type: content,
            "has_children": bool(self.children),
            **self.stamps(),
        }


@dataclass
class Page(Stamped):
    data_source_id: str = ""
    database_id: str = ""
    properties: dict[str, Json] = field(default_factory=dict)
    """Name -> value as requested, e.g. {"checkbox": true}, {"select": {"name": "Goals"}}."""
    children: list[str] = field(default_factory=list)

    def to_json(self, source: DataSource) -> Json:
        return {
            "object": "page",
            "id": self.id,
            **self.stamps(),
            "is_archived": False,
            "is_locked": False,
            "url": f"https://www.notion.so/{self.id.replace('-', '')}",
            "public_url": None,
            "parent": {
                "type": "data_source_id",
                "data_source_id": self.data_source_id,
                "database_id": self.database_id,
            },
            "properties": {
                name: value_response(config, self.properties.get(name))
                for name, config in source.properties.items()
            },
            "icon": None,
            "cover": None,
        }


def value_response(config: Json, value: Json | None) -> Json:
    """A page's value of one property as Notion answers it (empty when never set)."""
    kind = config["type"]
    shown: Json = {"id": config["id"], "type": kind}
    value = value or {}
    if kind in ("title", "rich_text"):
        shown[kind] = rich_response(value.get(kind) or [])
    elif kind == "checkbox":
        shown[kind] = bool(value.get(kind))
    elif kind == "select":
        shown[kind] = _option(config, value.get(kind))
    elif kind == "multi_select":
        shown[kind] = [_option(config, o) for o in value.get(kind) or []]
    elif kind == "date":
        date = value.get(kind)
        shown[kind] = (
            None
            if not date
            else {
                "start": date["start"],
                "end": date.get("end"),
                "time_zone": date.get("time_zone"),
            }
        )
    else:
        shown[kind] = value.get(kind)
    return shown


def _option(config: Json, chosen: Json | None) -> Json | None:
    if not chosen:
        return None
    for option in config[config["type"]]["options"]:
        if option["name"] == chosen.get("name") or option["id"] == chosen.get("id"):
            return {"id": option["id"], "name": option["name"], "color": option["color"]}
    return None
