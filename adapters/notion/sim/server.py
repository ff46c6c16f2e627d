"""`NotionSimulator`: the Notion simulator as a loopback HTTP server.

    sim = NotionSimulator(speed=20).start()        # port 0: a free port
    world = sim.seed()                              # an integration token, a data source
    sim.base_url                                    # http://127.0.0.1:PORT (the SDK adds /v1)
    sim.person.trash(page_id)                       # act as a person in Notion's UI

`serve_forever()` runs it in the foreground for `pairsync simulate notion --port N`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from adapters.notion.sim.entities import Block, Json, Page, plain
from adapters.notion.sim.models import NotionBackend
from adapters.notion.sim.responses import RATE_LIMIT, RATE_WINDOW, NotionApp
from adapters.notion.sim.webhooks import Subscription
from adapters.simkit import Simulator


@dataclass(frozen=True)
class Shown:
    """A page as a person sees it in the database's table view."""

    id: str
    title: str
    kind: str
    done: bool
    tags: tuple[str, ...]
    steps: tuple[bool, ...]
    """The ticks of the to-dos in its body."""


@dataclass(frozen=True)
class World:
    """What `seed` made: enough to configure a `NotionTarget`."""

    token: str
    bot_id: str
    data_source_id: str


class NotionSimulator(Simulator):
    api_prefix = ""
    app: NotionApp

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0) -> None:
        super().__init__(NotionApp(speed=speed), host, port)
        self._person: Person | None = None

    @property
    def backend(self) -> NotionBackend:
        return self.app.backend

    def config_keys(self) -> dict[str, str]:
        """The `[[targets]]` keys of a new data source on this simulator (`pairsync simulate`)."""
        world = self.seed()
        return {
            "base_url": self.base_url,
            "data_source_id": world.data_source_id,
            "token": world.token,
        }

    def seed(self, token: str = "ntn_sim_token", title: str = "Exec board") -> World:
        """An integration with `token` and a database (one data source, only its title
        property) shared with it."""
        with self.app.lock:
            bot = self.backend.users.get(self.backend.tokens.get(token, ""))
            bot = bot or self.backend.create_user("pairsync", token)
            source = self.backend.create_data_source(title, bot.id, {bot.id})
        return World(token, bot.id, source.id)

    def pacing(self) -> dict[str, float]:
        """The target keys that pace a client to this simulator's limit on its clock."""
        return {
            "requests_per_second": RATE_LIMIT / RATE_WINDOW,
            "clock_speed": self.app.clock.speed,
        }

    def free_plan(self, members: int = 2, blocks_used: int = 0) -> None:
        """Make the workspace a Free one with `members` members and blocks already used."""
        with self.app.lock:
            workspace = self.backend.workspace
            workspace.free_plan, workspace.members = True, members
            workspace.blocks_used = blocks_used

    def subscribe(self, url: str, token: str = "ntn_sim_token") -> Subscription:
        """A person creates a webhook subscription in the integration's settings."""
        return self.app.hooks.subscribe(url, token)

    def verify(self, subscription_id: str, pasted: str) -> bool:
        return self.app.hooks.verify(subscription_id, pasted)

    @property
    def person(self) -> Person:
        """Someone working in Notion's UI (a workspace member, not the integration)."""
        if self._person is None:
            with self.app.lock:
                user = self.backend.create_user("Dana Smith")
            self._person = Person(self.backend, user.id, self.app.lock)
        return self._person


class Person:
    """A person editing the database in Notion's UI: the backend's own operations, so
    edits bump `last_edited_time` and raise webhook events, without HTTP or rate limits."""

    def __init__(self, backend: NotionBackend, user: str, lock: threading.RLock) -> None:
        self.backend = backend
        self.user = user
        self._lock = lock

    def add_property(self, source_id: str, name: str, config: Json) -> None:
        """Add a property to the database (or options to a select), as in its settings."""
        with self._lock:
            self.backend.update_source(self.user, self.backend.sources[source_id], {name: config})

    def create_page(self, source_id: str, title: str, **properties: Any) -> Page:
        with self._lock:
            source = self.backend.sources[source_id]
            values = {"Name": {"title": [{"text": {"content": title}}]}} | _values(properties)
            return self.backend.create_page(self.user, source, values, [])

    def set(self, page_id: str, **properties: Any) -> None:
        """Set properties by name: Kind="Goals", Done=True, Due=date, Tags=[...], Name="…"."""
        with self._lock:
            page = self.backend.pages[page_id]
            self.backend.update_page(self.user, page, _values(properties), None)

    def trash(self, page_id: str) -> None:
        with self._lock:
            self.backend.update_page(self.user, self.backend.pages[page_id], {}, True)

    def restore(self, page_id: str) -> None:
        with self._lock:
            self.backend.update_page(self.user, self.backend.pages[page_id], {}, False)

    def blocks(self, page_id: str) -> list[Block]:
        with self._lock:
            return self.backend.children(self.backend.pages[page_id])

    def append(self, page_id: str, block_type: str, text: str = "", **content: Any) -> Block:
        """Add a block at the end of the page's body: a paragraph, an image, a toggle..."""
        with self._lock:
            page = self.backend.pages[page_id]
            body: Json = {"rich_text": [{"text": {"content": text}}]} if text else {}
            (made,) = self.backend._append(self.user, page, [{block_type: body | content}], None)
            self.backend._edited(self.user, page)
            return made

    def edit_block(
        self, block_id: str, text: str | None = None, checked: bool | None = None
    ) -> None:
        with self._lock:
            block = self.backend.blocks[block_id]
            content: Json = {}
            if text is not None:
                content["rich_text"] = [{"text": {"content": text}}]
            if checked is not None:
                content["checked"] = checked
            self.backend.update_block(self.user, block, {block.type: content})

    def delete_block(self, block_id: str) -> None:
        with self._lock:
            self.backend.delete_block(self.user, self.backend.blocks[block_id])

    def pages(self, source_id: str, in_trash: bool = False) -> list[Shown]:
        """The database's rows (or those in the trash), oldest first."""
        with self._lock:
            found = [
                p
                for p in self.backend.pages.values()
                if p.data_source_id == source_id and p.in_trash == in_trash
            ]
            return [self._shown(p) for p in sorted(found, key=lambda p: p.created_time)]

    def _shown(self, page: Page) -> Shown:
        props = page.properties
        title = plain(props.get("Name", {}).get("title") or [])
        kind = ((props.get("Kind") or {}).get("select") or {}).get("name", "")
        tags = tuple(o["name"] for o in (props.get("Tags") or {}).get("multi_select") or [])
        steps = tuple(
            bool(b.content.get("checked")) for b in self.backend.children(page) if b.type == "to_do"
        )
        done = bool((props.get("Done") or {}).get("checkbox"))
        return Shown(page.id, title, kind, done, tags, steps)

    def text(self, page_id: str) -> list[tuple[str, str]]:
        """The page body as (block type, plain text) pairs, top level."""
        return [(b.type, plain(b.content.get("rich_text") or [])) for b in self.blocks(page_id)]


def _values(properties: dict[str, Any]) -> Json:
    """Python values as the property values Notion's UI would set."""
    values: Json = {}
    for name, value in properties.items():
        if name == "Name":
            values[name] = {"title": [{"text": {"content": value}}]}
        elif isinstance(value, bool):
            values[name] = {"checkbox": value}
        elif isinstance(value, date) or (value is None and name == "Due"):
            values[name] = {"date": {"start": value.isoformat()} if value else None}
        elif isinstance(value, (list, set, frozenset)):
            values[name] = {"multi_select": [{"name": v} for v in sorted(value)]}
        elif name == "Kind":
            values[name] = {"select": {"name": value} if value else None}
        else:
            values[name] = {"rich_text": [{"text": {"content": str(value)}}]}
    return values
