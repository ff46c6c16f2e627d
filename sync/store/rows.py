"""The typed rows the store returns, whatever the backend: what callers read and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sync.documents.base import EntryRef, Mark
from sync.model import Item


@dataclass(frozen=True, slots=True)
class ItemRecord:
    item: Item
    touched_at: datetime
    touched_by: str | None = None
    five_whys_seeded: bool = False
    created_at: datetime | None = None
    countermeasure_id: str | None = None
    """The action item made from this problem's countermeasure step (made once)."""
    changed_at: datetime | None = None
    """When a run saw a person's last change, by pairsync's clock: a change synced after an
    agenda is in the next one, whatever the tool's own clock said (`touched_at`)."""


@dataclass(frozen=True, slots=True)
class SentRecord:
    """A message on a channel: its remote id (None: a post may or may not have gone out)
    and the digests of what it showed."""

    kind: str
    remote_id: str | None
    digest: str
    substance: str
    sent_at: datetime
    closed: bool = False


@dataclass(frozen=True, slots=True)
class PublishedRecord:
    """A document in a `[[documents]]` entry: its remote id (None: a publish may or may
    not have made it), its version, the `substance` of what was published (all but the
    marks), and the marks (ticks, answers) the document showed when last written or read."""

    remote_id: str | None
    version: str | None
    digest: str
    marks: dict[EntryRef, Mark]
    published_at: datetime


@dataclass(frozen=True, slots=True)
class ConflictRecord:
    """One losing value of a field, kept (never thrown away): who won with what."""

    run_id: int | None
    at: datetime
    item_id: str
    field: str
    winner: str
    winner_value: object
    loser: str
    loser_value: object


@dataclass(frozen=True, slots=True)
class MarkRecord:
    """A mark a chat button left on an item: `parked` until a time, or `discuss`."""

    item_id: str
    mark: str
    until: str | None


@dataclass(frozen=True, slots=True)
class WebhookRecord:
    """A target's webhooks as `pairsync serve` keeps them (`sync.store.webhooks`)."""

    callback_urls: frozenset[str] = frozenset()
    """What its live webhooks call (Trello signs over the one it calls)."""
    secret: str | None = None
    """The secret Asana's handshake gave, or a secret a tool sent unasked (Notion)."""
    pending_key: str | None = None
    """The key ending the URL of a registration waiting for its handshake..."""
    handshake_until: float | None = None
    """... until then (epoch seconds) ..."""
    pending_secret: str | None = None
    """... and the secret that handshake brought, the target's once the creation worked."""


class TargetJson(TypedDict, total=False):
    """One target's part of a stored run summary (`TargetSummary`, problems as lines)."""

    created: int
    updated: int
    archived: int
    conflicts: int
    requests: int
    errors: list[str]
    not_written: list[dict[str, str]]


class RunJson(TypedDict, total=False):
    """A run's summary as stored: a sync's `RunSummary.to_json()`, or a chat click's
    (`click`, `item_id`, `put_back`)."""

    pair: str
    dry_run: bool
    ok: bool
    targets: dict[str, TargetJson]
    conflicts: list[dict[str, Any]]
    facilitation: list[dict[str, Any]]
    channels: dict[str, Any]
    documents: dict[str, Any]
    run: int | None
    held: dict[str, int]
    notices: list[str]
    warnings: list[str]
    people: dict[str, dict[str, int]]
    click: str
    item_id: str
    put_back: dict[str, Any]


HistoryRow = tuple[datetime, str, Item | None, Item]
"""One item a run changed: the run's start, the item id, its value before and after."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run: when it started and finished, its summary (None: it did not finish),
    the run it undid, and how many board items it changed."""

    run_id: int
    started_at: datetime
    finished_at: datetime | None
    summary: RunJson | None
    undo_of: int | None = None
    items_changed: int = 0
