"""The simulated Notion's state and what changes it (moto's models.py): the same operations
serve the API (as the token's integration) and a person in Notion's UI (`Person`), so
both bump `last_edited_time` / `last_edited_by` and raise webhook events alike.

Rules kept as Notion keeps them: a page or block in the trash cannot be edited (only
restored); editing a page's blocks edits the page; select and multi-select options named
in a page write are added to the property; rich-text pieces hold at most 2,000
characters, arrays at most 100 elements; a Free workspace with more than one member holds
at most 1,000 blocks (pages count) for life, trashed ones included.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from adapters.notion.sim.entities import (
    ARRAY_LIMIT,
    FREE_BLOCK_LIMIT,
    TEXT_LIMIT,
    Block,
    DataSource,
    Json,
    Page,
    User,
    block_limit,
    invalid,
    minute,
    new_id,
    not_found,
    trashed,
)

COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")


@dataclass(frozen=True, slots=True)
class Event:
    """What happened, for webhooks: `type` as Notion names it (page.created, ...)."""

    type: str
    entity: str
    at: float
    author: str
    data_source_id: str


@dataclass
class Workspace:
    free_plan: bool = False
    members: int = 1
    blocks_used: int = 0

    @property
    def limited(self) -> bool:
        return self.free_plan and self.members > 1


@dataclass
class NotionBackend:
    now: Callable[[], float]
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    """Integration token -> its bot user id."""
    sources: dict[str, DataSource] = field(default_factory=dict)
    pages: dict[str, Page] = field(default_factory=dict)
    blocks: dict[str, Block] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    workspace: Workspace = field(default_factory=Workspace)

    # -- setup ------------------------------------------------------------------------------
    def create_user(self, name: str, token: str | None = None) -> User:
        user = User(new_id(), name, bot=token is not None)
        self.users[user.id] = user
        if token is not None:
            self.tokens[token] = user.id
        return user

    def create_data_source(self, title: str, owner: str, shared_with: set[str]) -> DataSource:
        now = self.now()
        source = DataSource(new_id(), now, owner, database_id=new_id(), title=title)
        source.properties["Name"] = {"id": "title", "name": "Name", "type": "title", "title": {}}
        source.shared_with = set(shared_with)
        self.sources[source.id] = source
        return source

    # -- data sources -----------------------------------------------------------------------
    def source(self, user: str, source_id: str) -> DataSource:
        source = self.sources.get(_uuid(source_id))
        if source is None or (self.users[user].bot and user not in source.shared_with):
            raise not_found("data_source", source_id)
        return source

    def visible_sources(self, user: str) -> list[DataSource]:
        return [s for s in self.sources.values() if user in s.shared_with]

    def update_source(self, user: str, source: DataSource, properties: Json) -> None:
        """Add properties and select options; a null value removes a property."""
        for name, config in properties.items():
            if config is None:
                source.properties.pop(name, None)
                continue
            kind = config.get("type") or next(k for k in config if k not in ("name", "description"))
            current = source.properties.get(name)
            if current is None or current["type"] != kind:
                prop_id = "title" if kind == "title" else _short_id()
                current = {"id": prop_id, "name": name, "type": kind, kind: {}}
                source.properties[name] = current
            if kind in ("select", "multi_select"):
                wanted = (config.get(kind) or {}).get("options") or []
                options = current[kind].setdefault("options", [])
                for option in wanted:
                    self._option(options, option["name"], option.get("color"))
        source.touch(self.now(), user)

    def _option(self, options: list[Json], name: str, color: str | None = None) -> None:
        if "," in name:
            raise invalid(f"Invalid select option, commas not allowed: {name}")
        if not any(o["name"] == name for o in options):
            options.append(
                {
                    "id": _short_id(),
                    "name": name,
                    "color": color or random.choice(COLORS),
                    "description": None,
                }
            )

    def query(
        self, source: DataSource, include_trash: bool, test: Callable[[Page], bool]
    ) -> list[Page]:
        return sorted(
            (
                p
                for p in self.pages.values()
                if p.data_source_id == source.id and (include_trash or not p.in_trash) and test(p)
            ),
            key=lambda p: (p.created_time, p.id),
        )

    # -- pages ------------------------------------------------------------------------------
    def page(self, user: str, page_id: str) -> Page:
        page = self.pages.get(_uuid(page_id))
        if page is None:
            raise not_found("page", page_id)
        self.source(user, page.data_source_id)  # shared with the integration?
        return page

    def create_page(
        self, user: str, source: DataSource, properties: Json, children: list[Json]
    ) -> Page:
        check_arrays(properties, "body.properties")
        check_arrays({"children": children}, "body")
        self._spend(1 + count_blocks(children))
        now = self.now()
        page = Page(new_id(), now, user, data_source_id=source.id, database_id=source.database_id)
        page.touch(now, user)
        self._set_properties(source, page, properties)
        self.pages[page.id] = page
        self._append(user, page, children, None)
        self._event("page.created", page, user)
        return page

    def update_page(self, user: str, page: Page, properties: Json, in_trash: bool | None) -> None:
        source = self.sources[page.data_source_id]
        if page.in_trash and in_trash is not False:
            raise trashed()
        check_arrays(properties, "body.properties")
        was = page.in_trash
        if in_trash is not None:
            page.in_trash = in_trash
        self._set_properties(source, page, properties)
        page.touch(self.now(), user)
        if in_trash is not None and in_trash != was:
            self._event("page.deleted" if in_trash else "page.undeleted", page, user)
        if properties:
            self._event("page.properties_updated", page, user)

    def _set_properties(self, source: DataSource, page: Page, properties: Json) -> None:
        by_id = {c["id"]: name for name, c in source.properties.items()}
        for key, value in properties.items():
            name = key if key in source.properties else by_id.get(key)
            if name is None:
                raise invalid(f"{key} is not a property that exists.")
            config = source.properties[name]
            kind = config["type"]
            if kind not in value:
                raise invalid(f"{name} is expected to be {kind}.")
            if kind == "select" and value[kind]:
                self._option(config[kind].setdefault("options", []), value[kind]["name"])
            if kind == "multi_select":
                for option in value[kind]:
                    self._option(config[kind].setdefault("options", []), option["name"])
            page.properties[name] = {kind: value[kind]}

    # -- blocks -----------------------------------------------------------------------------
    def container(self, user: str, block_id: str) -> Page | Block:
        """A page or a block whose children are asked for."""
        found = self.pages.get(_uuid(block_id))
        if found is not None:
            return self.page(user, block_id)
        return self.block(user, block_id)

    def block(self, user: str, block_id: str) -> Block:
        block = self.blocks.get(_uuid(block_id))
        if block is None:
            raise not_found("block", block_id)
        self.page_of(block)  # exists: a page's
        return block

    def page_of(self, block: Block | Page) -> Page:
        while isinstance(block, Block):
            parent = block.parent
            parent_id = str(parent.get("page_id") or parent.get("block_id"))
            block = self.pages.get(parent_id) or self.blocks[parent_id]
        return block

    def children(self, container: Page | Block) -> list[Block]:
        return [self.blocks[b] for b in container.children if not self.blocks[b].in_trash]

    def append(
        self, user: str, container: Page | Block, children: list[Json], after: str | None
    ) -> list[Block]:
        if container.in_trash or self.page_of(container).in_trash:
            raise trashed()
        check_arrays({"children": children}, "body")
        self._spend(count_blocks(children))
        made = self._append(user, container, children, after)
        self._edited(user, container)
        return made

    def _append(
        self, user: str, container: Page | Block, children: list[Json], after: str | None
    ) -> list[Block]:
        now = self.now()
        kind = "page_id" if isinstance(container, Page) else "block_id"
        at = (
            container.children.index(after) + 1
            if after in container.children
            else len(container.children)
        )
        made = []
        for child in children:
            block_type = child.get("type") or next(k for k in child if k not in ("object", "type"))
            content = dict(child[block_type])
            nested = content.pop("children", [])
            block = Block(
                new_id(),
                now,
                user,
                parent={"type": kind, kind: container.id},
                type=block_type,
                content=content,
            )
            block.touch(now, user)
            self.blocks[block.id] = block
            container.children.insert(at, block.id)
            at += 1
            made.append(block)
            if nested:
                self._append(user, block, nested, None)
        return made

    def update_block(self, user: str, block: Block, body: Json) -> None:
        restoring = body.get("in_trash") is False or body.get("archived") is False
        if (block.in_trash and not restoring) or self.page_of(block).in_trash:
            raise trashed()
        if block.type in body:
            check_arrays({block.type: body[block.type]}, "body")
            block.content = {**block.content, **body[block.type]}
        for key in ("in_trash", "archived"):
            if key in body:
                block.in_trash = bool(body[key])
        block.touch(self.now(), user)
        self._edited(user, block)

    def delete_block(self, user: str, block: Block) -> None:
        if self.page_of(block).in_trash:
            raise trashed()
        block.in_trash = True
        block.touch(self.now(), user)
        self._edited(user, block)

    def _edited(self, user: str, what: Page | Block) -> None:
        page = self.page_of(what)
        page.touch(self.now(), user)
        self._event("page.content_updated", page, user)

    def _spend(self, blocks: int) -> None:
        workspace = self.workspace
        if workspace.limited and workspace.blocks_used + blocks > FREE_BLOCK_LIMIT:
            raise block_limit()
        workspace.blocks_used += blocks

    def _event(self, kind: str, page: Page, user: str) -> None:
        self.events.append(Event(kind, page.id, self.now(), user, page.data_source_id))

    def changed_since(self, since: float) -> Iterator[Page]:
        return (p for p in self.pages.values() if minute(p.last_edited_time) >= since)


def count_blocks(children: list[Json]) -> int:
    total = 0
    for child in children:
        block_type = child.get("type") or next(k for k in child if k not in ("object", "type"))
        total += 1 + count_blocks((child.get(block_type) or {}).get("children") or [])
    return total


def check_arrays(value: Any, where: str) -> None:
    """Notion's size limits: arrays of at most 100 elements, rich text of 2,000 characters."""
    if isinstance(value, list):
        if len(value) > ARRAY_LIMIT:
            raise invalid(
                f"body failed validation: {where}.length should be ≤ `{ARRAY_LIMIT}`, "
                f"instead was `{len(value)}`."
            )
        for index, element in enumerate(value):
            check_arrays(element, f"{where}[{index}]")
    elif isinstance(value, dict):
        text = value.get("text")
        if isinstance(text, dict) and len(str(text.get("content", ""))) > TEXT_LIMIT:
            length = len(str(text["content"]))
            raise invalid(
                f"body failed validation: {where}.text.content.length should be ≤ "
                f"`{TEXT_LIMIT}`, instead was `{length}`."
            )
        for key, element in value.items():
            check_arrays(element, f"{where}.{key}")


_ids = itertools.count(1)


def _short_id() -> str:
    return f"p{next(_ids):03d}"


def _uuid(value: str) -> str:
    """Notion takes ids with or without dashes."""
    plain = value.replace("-", "")
    if len(plain) != 32:
        return value
    return f"{plain[:8]}-{plain[8:12]}-{plain[12:16]}-{plain[16:20]}-{plain[20:]}"
