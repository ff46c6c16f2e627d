"""The Notion adapter: one data source (a database's table), its pages in the mapped
`Kind` options, over notion-client with API version 2025-09-03.

Reads. A first read queries the data source (100 pages a request) and lists each page's
blocks (notes and the Five Whys). Later reads query only the pages edited since the last
read, with an overlap, and skip those proven unchanged (`adapters.notion.changes`), so
a settled board of up to 100 pages costs 1 request, as does the run right after a run
that wrote. A page in the trash is gone: archived everywhere, or held by the safety
rules. A page restored from the trash comes back with its link-back and is restored
everywhere. Notion shows no manual order, so none is read or written.

Writes. The data source gets the properties and `Kind` options it lacks at the first
write of a run (1 request, 2 when something is missing). A create is one `POST /pages`
with its properties and body (at most 100 blocks; more are appended 100 at a time). An
update writes only what differs from `Update.previous`: the properties in one `PATCH`,
each changed note line or Five Whys step in its own block request; blocks a person added
(images, toggles, child pages) are never touched. Archiving sets `Kind` to the archive
option: pairsync never moves a page to the trash, and never writes to a trashed page.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

from adapters.base import Adapter
from adapters.notion.body import BodyWriter
from adapters.notion.changes import Cursor
from adapters.notion.config import NotionTarget
from adapters.notion.http import NotionHttp, NotionRefused
from adapters.notion.mapping import (
    DUE,
    HEADING,
    KIND,
    LINK,
    SCHEMA,
    Body,
    Json,
    Placement,
    batches,
    body,
    changed_properties,
    due_value,
    link_id,
    modified_at,
    new_page_blocks,
    placement,
    plain,
    properties,
    stamp,
    to_item,
    version,
)
from adapters.retry import ChangeFailed, Uncertain
from sync.config import DEFAULT_FIVE_WHYS
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Create,
    Created,
    Outcome,
    RemoteItem,
    Snapshot,
    TargetBase,
    Update,
    Updated,
)
from sync.errors import TargetError, TargetRejected
from sync.model import Item, Kind

FREE_PLAN = (
    "Notion refused new blocks: a Free workspace with more than one member holds at most "
    "1,000 blocks for life, and this one is full (upgrade the plan, or remove pages)"
)


class NotionAdapter(Adapter):
    type_name = "notion"
    place_word = "Kind option"

    def __init__(self, config: TargetBase, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        assert isinstance(config, NotionTarget)
        self.target = config
        self.source = config.data_source_id
        self.http = NotionHttp(config, self._count)
        self.api = self.http.client
        self._kinds = {name: kind for kind, name in config.lists.items()}
        self._pages: dict[str, Json] = {}
        """Pages as last read or answered this run."""
        self._bodies: dict[str, Body] = {}
        self._title: str | None = None
        self._schema_ready = False
        self._new_options = 0
        self._written: dict[str, str] = {}
        """Page id -> the stamp its last write answered (this run)."""
        self.body_writer = BodyWriter(self.http, self._blocks)

    def _count(self) -> None:
        self.requests += 1

    # -- reading --------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        known = Cursor.load(cursor)
        query: Json = {"page_size": 100}
        if known is not None:
            when = {"on_or_after": known.since}
            query |= {
                "in_trash": True,
                "filter": {"timestamp": "last_edited_time", "last_edited_time": when},
            }
        pages = self._query(query)
        read_at = self.http.server_time or time.time()
        fresh = Cursor(Cursor.starting(read_at), *((known.stamps, known.title) if known else ()))
        if fresh.title is not None:  # a run before made sure of the properties
            self._title, self._schema_ready = fresh.title, True
        items: dict[str, RemoteItem] = {}
        gone: set[str] = set()
        for page in pages:
            if page.get("in_trash"):
                gone.add(page["id"])
                fresh.forget(page["id"])
                continue
            where = self._placement(page)
            if where is None:
                gone.add(page["id"])  # moved out of the mapped kinds
                continue
            page_stamp = stamp(page)
            if known is not None and known.unchanged(page["id"], page_stamp):
                continue
            items[page["id"]] = self._remote(page, where)
            fresh.saw(page["id"], page_stamp, page["last_edited_time"], read_at)
        if known is None:
            return Snapshot(items, cursor=fresh.dump(), places=dict(self.places))
        return Snapshot(items, False, frozenset(gone), fresh.dump(), places=dict(self.places))

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        recorded = super().after_writes(snapshot)
        state = Cursor.load(snapshot.cursor)
        if state is None or (not self._written and state.title == self._title):
            return recorded
        for page_id, page_stamp in self._written.items():
            state.wrote(page_id, page_stamp)
        state.title = self._title if self._schema_ready else None
        return replace(recorded, cursor=state.dump())

    def _query(self, body_args: Json) -> list[Json]:
        pages: list[Json] = []
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            args = body_args | ({"start_cursor": cursor} if cursor else {})
            answer = self.http.call(partial(self.api.data_sources.query, self.source, **args))
            for page in answer["results"]:
                if page["id"] in seen:
                    raise TargetRejected(self.name, "loop detected in pagination")
                seen.add(page["id"])
                pages.append(page)
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return pages

    def _placement(self, page: Json) -> Placement | None:
        followed = {option_id: kind for kind, (option_id, _) in self.places.items()}
        where = placement(page, self._kinds, followed, self.target.archive_option)
        if where is not None and where.kind is not None:
            self.places[where.kind] = where.option  # found, or followed under a new name
        return where

    def _remote(self, page: Json, where: Placement) -> RemoteItem:
        self._pages[page["id"]] = page
        found = body(self._blocks(page["id"]))
        self._bodies[page["id"]] = found
        item = to_item(page, where, found, self.zone)
        item_id = link_id(page)
        hidden = frozenset() if where.kind is not None else frozenset({"kind"})
        return RemoteItem(
            remote_id=page["id"],
            item=item,
            item_id=item_id,
            version=version(item, item_id),
            modified_at=modified_at(page),
            hidden=hidden,
        )

    def _blocks(self, page_id: str) -> list[Json]:
        """The page's top-level blocks, in order (100 a request)."""
        blocks: list[Json] = []
        cursor: str | None = None
        while True:
            args: Json = {"page_size": 100} | ({"start_cursor": cursor} if cursor else {})
            answer = self.http.call(partial(self.api.blocks.children.list, page_id, **args))
            blocks += answer["results"]
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return blocks

    # -- the data source's properties -------------------------------------------------------
    def _ensure_schema(self) -> None:
        """The title property's name, and the properties and options pairsync needs."""
        if self._schema_ready:
            return
        source = self.http.call(lambda: self.api.data_sources.retrieve(self.source))
        missing = self._missing(source["properties"])
        if missing:
            source = self.http.call(
                lambda: self.api.data_sources.update(self.source, properties=missing)
            )
            self._missing(source["properties"])
        self._schema_ready = True

    def _missing(self, existing: dict[str, Json]) -> Json:
        """What the data source lacks, as an update's `properties`; notes the title's
        name and the Kind options' ids (a renamed option is followed by id)."""
        self._title = next(n for n, p in existing.items() if p["type"] == "title")
        missing: Json = {}
        for name, config in SCHEMA.items():
            (kind,) = config
            if name in existing and existing[name]["type"] != kind:
                found = existing[name]["type"]
                raise TargetRejected(
                    self.name,
                    f"property {name!r} is a {found}, pairsync needs a {kind}: rename it",
                )
            if name not in existing:
                missing[name] = config
        options = {
            o["id"]: o["name"]
            for o in (existing.get(KIND) or {}).get("select", {}).get("options", [])
        }
        names = set(options.values())
        for kind in self.target.lists:
            option_id = self.places.get(kind, ("", ""))[0]
            if option_id in options:
                self.places[kind] = (option_id, options[option_id])
            elif self.target.lists[kind] in names:
                by_name = {v: k for k, v in options.items()}
                self.places[kind] = (by_name[self.target.lists[kind]], self.target.lists[kind])
        wanted = [*(name for _, name in self._option_names()), self.target.archive_option]
        new = [name for name in wanted if name not in names]
        self._new_options = len(new)
        if new:
            kept = [{"name": name} for name in options.values()]
            missing[KIND] = {"select": {"options": kept + [{"name": name} for name in new]}}
        return missing

    def _option_names(self) -> list[tuple[Kind, str]]:
        lists = self.target.lists
        return [(kind, self.places.get(kind, ("", name))[1]) for kind, name in lists.items()]

    def _option(self, item: Item) -> str:
        if item.archived:
            return self.target.archive_option
        return dict(self._option_names())[item.kind]

    # -- writing --------------------------------------------------------------------------
    def write_one(self, change: Change) -> Outcome:
        self._ensure_schema()
        try:
            try:
                return self._write(change)
            except NotionRefused as exc:
                if exc.code != "validation_error" or "propert" not in exc.message:
                    raise
                self._schema_ready = False  # a person changed the properties since: again
                self._ensure_schema()
                return self._write(change)
        except NotionRefused as exc:
            if "block limit" in exc.message:
                raise ChangeFailed(FREE_PLAN) from None
            raise

    def _write(self, change: Change) -> Outcome:
        return self._create(change) if isinstance(change, Create) else self._update(change)

    def _create(self, change: Create) -> Created:
        item = change.item
        assert self._title is not None
        props = properties(item, self._title, self._option(item), change.item_id)
        props[DUE] = {"date": due_value(item.due, None, self.zone)}
        page = self._new_page(props, item)
        self._wrote(page)
        return Created(change, page["id"], version(item, change.item_id))

    def _new_page(self, props: Json, item: Item) -> Json:
        """One `POST /pages` with the first 100 blocks of the body, then the rest appended;
        the page as answered after the last write."""
        first, *rest = batches(new_page_blocks(item)) or [[]]
        parent = {"type": "data_source_id", "data_source_id": self.source}
        page = self.http.call(
            lambda: self.api.pages.create(parent=parent, properties=props, children=first),
            safe=False,
        )
        after = None
        for chunk in rest:
            after = self.body_writer.append(page["id"], chunk, after)
        if rest:
            page = self.http.call(lambda: self.api.pages.retrieve(page["id"]))
        return page

    def _update(self, change: Update) -> Updated:
        page_id, item, prev = change.remote_id, change.item, change.previous
        assert self._title is not None
        if item.notes != prev.notes or item.steps != prev.steps:
            self.body_writer.write(page_id, self._bodies.pop(page_id, None), item, prev)
        new = properties(item, self._title, self._option(item), change.item_id)
        old = properties(prev, self._title, self._option(prev), change.item_id)
        diff = changed_properties(new, old)
        shown = link_id(self._pages[page_id]) if page_id in self._pages else change.item_id
        if change.relink or shown != change.item_id:
            diff[LINK] = new[LINK]
        if item.due != prev.due:
            diff[DUE] = {"date": due_value(item.due, self._shown_due(page_id), self.zone)}
        if diff:
            page = self.http.call(lambda: self.api.pages.update(page_id, properties=diff))
        else:  # only blocks changed: the page's stamp after them
            page = self.http.call(lambda: self.api.pages.retrieve(page_id))
        self._wrote(page)
        return Updated(change, page_id, version(item, change.item_id))

    def _shown_due(self, page_id: str) -> Json | None:
        """The page's `Due` as it is (a person's time of day is kept)."""
        if page_id not in self._pages:
            self._pages[page_id] = self.http.call(lambda: self.api.pages.retrieve(page_id))
        value: Json | None = (self._pages[page_id]["properties"].get(DUE) or {}).get("date")
        return value

    def _wrote(self, page: Json) -> None:
        self._pages[page["id"]] = page
        self._written[page["id"]] = stamp(page)

    # -- the agenda -------------------------------------------------------------------------
    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        """The agenda as one page whose `Kind` is `list_name` (an option outside the mapped
        kinds, so syncs never read it), found again by `key` in its `pairsync` property
        (also where a person changed its Kind), its body's paragraphs rewritten in place."""
        self._ensure_schema()
        assert self._title is not None
        mine = [p for p in self._query({"page_size": 100}) if _plain_link(p) == key]
        note = Item(Kind.ACTION, title, notes=text)
        props = properties(note, self._title, list_name, key) | {DUE: {"date": None}}
        try:
            if not mine:
                return str(self._new_page(props, note)["id"])
            page_id = str(mine[0]["id"])
            self.body_writer.write(page_id, None, note, note.with_(notes=""))
            self.http.call(lambda: self.api.pages.update(page_id, properties=props))
            return page_id
        except (ChangeFailed, Uncertain) as exc:
            raise TargetRejected(self.name, f"agenda: {exc}") from None

    # -- check, init and close ------------------------------------------------------------
    def scopes(self) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        cursor: str | None = None
        while True:
            args: Json = {
                "filter": {"value": "data_source", "property": "object"},
                "page_size": 100,
            }
            if cursor:
                args["start_cursor"] = cursor
            answer = self.http.call(partial(self.api.search, **args))
            for source in answer["results"]:
                title = "".join(t.get("plain_text", "") for t in source.get("title", []))
                found.append((source["id"], title or "(untitled)"))
            cursor = answer.get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return found

    def check(self) -> list[CheckLine]:
        try:
            me = self.http.call(lambda: self.api.users.me())
            lines = [CheckLine("token", True, f"accepted (integration {me.get('name') or '?'})")]
            source = self.http.call(lambda: self.api.data_sources.retrieve(self.source))
            title = "".join(t.get("plain_text", "") for t in source.get("title", []))
            lines.append(CheckLine("data source", True, f"{title} ({self.source})"))
            missing = self._missing(source["properties"])
            wheres = [self._placement(page) for page in self._query({"page_size": 100})]
        except TargetError as exc:
            return [CheckLine("reach", False, str(exc))]
        except ChangeFailed as exc:
            return [CheckLine("reach", False, f"{self.name}: {exc}")]
        absent = [name for name in SCHEMA if name in missing]
        options = (missing.get(KIND) or {}).get("select", {}).get("options", [])
        absent += [
            f"{KIND} option {o['name']!r}" for o in options[len(options) - self._new_options :]
        ]
        detail = f"missing, created on first sync: {', '.join(absent)}" if absent else "all present"
        lines.append(CheckLine("properties", True, detail))
        problems = sum(1 for where in wheres if where is not None and where.kind is Kind.PROBLEM)
        steps = len(DEFAULT_FIVE_WHYS)
        lines.append(
            CheckLine(
                "five whys",
                True,
                f"{1 + steps} blocks per problem page (a {HEADING!r} heading and {steps} "
                f"to-dos); {problems} problem pages now: {problems * (1 + steps)} blocks",
            )
        )
        lines.append(
            CheckLine(
                "rate limit",
                self.http.throttled == 0,
                f"{self.requests} requests, {self.http.throttled} answered 429; paced to "
                f"{self.target.requests_per_second:g}/s",
            )
        )
        return lines

    def close(self) -> None:
        self.http.close()


def _plain_link(page: Json) -> str:
    return plain((page["properties"].get(LINK) or {}).get("rich_text")).strip()
