"""Each typed row (`sync.store.rows`) as both backends store it in columns, and back: the
one place that knows an item is sorted JSON text, a time ISO 8601 text, a flag a boolean
(SQLite keeps 0/1), the marks a JSON list; each backend writes only its statements.

`*_columns(record)` gives the values in the order the backends' statements name the
columns; `*_record(*columns)` takes them in the order their queries select them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sync.contract import Link
from sync.documents.base import EntryRef, Mark
from sync.model import Item, item_from_dict, item_to_dict
from sync.store.rows import (
    ConflictRecord,
    HistoryRow,
    ItemRecord,
    PublishedRecord,
    RunJson,
    RunRecord,
    SentRecord,
    WebhookRecord,
)

Row = tuple[Any, ...]


def dump_item(item: Item) -> str:
    return json.dumps(item_to_dict(item), ensure_ascii=False, sort_keys=True)


def load_item(data: str) -> Item:
    return item_from_dict(json.loads(data))


def now_text() -> str:
    return datetime.now(UTC).isoformat()


def time_text(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def load_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# -- the board -----------------------------------------------------------------------------
def item_columns(record: ItemRecord) -> Row:
    """data, created_at, touched_at, touched_by, five_whys_seeded, countermeasure_id,
    changed_at"""
    return (
        dump_item(record.item),
        (record.created_at or record.touched_at).isoformat(),
        record.touched_at.isoformat(),
        record.touched_by,
        record.five_whys_seeded,
        record.countermeasure_id,
        time_text(record.changed_at),
    )


def item_record(
    data: str,
    touched_at: str,
    touched_by: str | None,
    seeded: int | bool,
    created_at: str,
    countermeasure: str | None,
    changed_at: str | None,
) -> ItemRecord:
    return ItemRecord(
        load_item(data),
        datetime.fromisoformat(touched_at),
        touched_by,
        bool(seeded),
        datetime.fromisoformat(created_at),
        countermeasure,
        load_time(changed_at),
    )


def link_columns(link: Link) -> Row:
    """remote_id, version, base, gone"""
    return (link.remote_id, link.version, dump_item(link.base), link.gone)


def link_records(rows: Iterable[Row]) -> dict[str, dict[str, Link]]:
    """Links by target and item id from rows of item_id, target, remote_id, version, base,
    gone. A settled item's links hold one value (every tool agreed on it): each text is
    parsed once, and the links share the immutable `Item`."""
    result: dict[str, dict[str, Link]] = {}
    bases: dict[str, Item] = {}
    for item_id, target, remote_id, version, base, gone in rows:
        item = bases.get(base)
        if item is None:
            item = bases[base] = load_item(base)
        result.setdefault(target, {})[item_id] = Link(remote_id, version, item, bool(gone))
    return result


# -- runs ----------------------------------------------------------------------------------
def dump_summary(summary: RunJson) -> str:
    return json.dumps(summary)


def load_summary(text: str) -> RunJson:
    return cast(RunJson, json.loads(text))


def run_record(
    run_id: int,
    started: str,
    finished: str | None,
    summary: str | None,
    undid: int | None,
    changed: int,
) -> RunRecord:
    return RunRecord(
        run_id,
        datetime.fromisoformat(started),
        load_time(finished),
        load_summary(summary) if summary is not None else None,
        undid,
        int(changed),
    )


def run_columns(run: RunRecord) -> Row:
    """id, started_at, finished_at, summary (a run copied whole: `pairsync db import`)"""
    return (
        run.run_id,
        run.started_at.isoformat(),
        time_text(run.finished_at),
        dump_summary(run.summary) if run.summary is not None else None,
    )


def run_item_columns(before: Item | None, after: Item) -> Row:
    """before, after"""
    return (dump_item(before) if before else None, dump_item(after))


def run_item(before: str | None, after: str) -> tuple[Item | None, Item]:
    return (load_item(before) if before else None, load_item(after))


def history_row(at: str, item_id: str, before: str | None, after: str) -> HistoryRow:
    return (datetime.fromisoformat(at), item_id, *run_item(before, after))


def conflict_columns(
    run_id: int | None,
    item_id: str,
    field: str,
    winner: tuple[str, object],
    loser: tuple[str, object],
    at: datetime | None = None,
) -> Row:
    """run_id, at (None: now), item_id, field, winner, winner_value, loser, loser_value"""
    return (
        run_id,
        time_text(at) or now_text(),
        item_id,
        field,
        winner[0],
        json.dumps(winner[1], default=str),
        loser[0],
        json.dumps(loser[1], default=str),
    )


def conflict_record(
    run_id: int | None,
    at: str,
    item_id: str,
    field: str,
    winner: str,
    winner_value: str,
    loser: str,
    loser_value: str,
) -> ConflictRecord:
    return ConflictRecord(
        run_id,
        datetime.fromisoformat(at),
        item_id,
        field,
        winner,
        json.loads(winner_value),
        loser,
        json.loads(loser_value),
    )


# -- what went out -------------------------------------------------------------------------
def sent_columns(record: SentRecord) -> Row:
    """kind, remote_id, digest, substance, sent_at, closed"""
    return (
        record.kind,
        record.remote_id,
        record.digest,
        record.substance,
        record.sent_at.isoformat(),
        record.closed,
    )


def sent_record(
    kind: str, remote_id: str | None, digest: str, substance: str, at: str, closed: int | bool
) -> SentRecord:
    return SentRecord(kind, remote_id, digest, substance, datetime.fromisoformat(at), bool(closed))


def published_columns(record: PublishedRecord, keep: Callable[[list[list[Any]]], object]) -> Row:
    """remote_id, version, digest, marks (a JSON list, as the backend `keep`s JSON),
    published_at"""
    marks = [[p, e, mark.ticked, mark.answer] for (p, e), mark in sorted(record.marks.items())]
    return (
        record.remote_id,
        record.version,
        record.digest,
        keep(marks),
        record.published_at.isoformat(),
    )


def published_record(
    remote_id: str | None, version: str | None, digest: str, marks: list[list[Any]], at: str
) -> PublishedRecord:
    loaded: dict[EntryRef, Mark] = {
        (part, entry): Mark(ticked, answer) for part, entry, ticked, answer in marks
    }
    return PublishedRecord(remote_id, version, digest, loaded, datetime.fromisoformat(at))


def webhook_columns(record: WebhookRecord) -> Row:
    """secret, pending_key, handshake_until, pending_secret (the callback URLs are rows
    of their own)"""
    return (record.secret, record.pending_key, record.handshake_until, record.pending_secret)


def webhook_record(
    row: Sequence[Any] | None, urls: Sequence[Sequence[Any]]
) -> WebhookRecord | None:
    """`row`: the webhook's columns; `urls`: (callback_url,) rows; None if neither."""
    if row is None and not urls:
        return None
    return WebhookRecord(frozenset(url for (url,) in urls), *(row or ()))
