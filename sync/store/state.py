"""One pair's SQLite state: the canonical items, the links to each target with the base
both last agreed on, incremental-read cursors, conflicts and run history.

Shaped like vdirsyncer's SqliteStatus, with one deliberate difference: vdirsyncer
commits once per run, pairsync commits after every step that follows a remote write
(WAL mode), because a run killed after a create must leave a database that the next run
can continue from. Identity also lives in the tools (the link-back footer), so a lost
database is rebuilt by re-linking. No token or key is stored here; the one secret kept is
the handshake secret Asana hands `pairsync serve` for signing its webhooks (the file is
mode 600), because nothing else can keep it across restarts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sync.contract import Link
from sync.documents.base import EntryRef, Mark
from sync.errors import StateError, StateReadOnly, StateUnavailable
from sync.model import Item, Kind, item_from_dict, item_to_dict
from sync.store.schema import MIGRATIONS, migrate, schema_version


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


HistoryRow = tuple[datetime, str, Item | None, Item]
"""One item a run changed: the run's start, the item id, its value before and after."""


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


def _now() -> str:
    return datetime.now(UTC).isoformat()


class State:
    """Open with `State.open(path)`; every write goes through `transaction()`."""

    def __init__(self, connection: sqlite3.Connection, read_only: bool = False) -> None:
        self.db = connection
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path) -> State:
        """Open or create the database. Only a file SQLite calls corrupt or not a database
        is moved aside (never overwritten); a full disk, an I/O or a permission error
        leaves it where it is (`StateUnavailable`)."""
        if path.exists() and not os.access(path, os.W_OK):
            raise StateReadOnly(
                f"{path}: the state database is read-only; a sync must write it "
                "(give the user running pairsync write access to it and its folder)"
            )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                path.touch(mode=0o600)
            connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise unavailable(path, exc) from None
        try:
            return cls._prepare(connection)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if is_unavailable(exc):
                raise unavailable(path, exc) from None
            if not is_corrupt(exc):
                raise
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            path.rename(aside)
            raise StateError(
                f"{path}: the state database is damaged ({exc}); moved it to {aside.name}. "
                "Run again to rebuild the state from the tools' link-back footers."
            ) from None

    @classmethod
    def open_for_reading(cls, path: Path) -> State:
        """Open an existing database for commands that only read (`stale`, `agenda`):
        read-only when the file may not be written, and then never migrated."""
        if os.access(path, os.W_OK):
            return cls.open(path)
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
            version = schema_version(connection)
        except sqlite3.Error as exc:
            raise StateError(f"{path}: cannot read the state database: {exc}") from None
        if version < len(MIGRATIONS):
            connection.close()
            raise StateReadOnly(
                f"{path}: the state database is read-only and needs an upgrade; "
                "run pairsync sync once with write access to it"
            )
        return cls(connection, read_only=True)

    @classmethod
    def in_memory(cls) -> State:
        """A throwaway state (used by `--dry-run` when no database exists yet)."""
        return cls._prepare(sqlite3.connect(":memory:", isolation_level=None))

    @classmethod
    def _prepare(cls, connection: sqlite3.Connection) -> State:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        migrate(connection)
        return cls(connection)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- reads ------------------------------------------------------------------------------
    def items(self) -> dict[str, ItemRecord]:
        rows = self.db.execute(
            "SELECT item_id, data, touched_at, touched_by, five_whys_seeded, created_at, "
            "countermeasure_id, changed_at FROM items"
        )
        return {
            item_id: ItemRecord(
                item_from_dict(json.loads(data)),
                datetime.fromisoformat(touched_at),
                touched_by,
                bool(seeded),
                datetime.fromisoformat(created_at),
                countermeasure,
                datetime.fromisoformat(changed) if changed else None,
            )
            for (
                item_id,
                data,
                touched_at,
                touched_by,
                seeded,
                created_at,
                countermeasure,
                changed,
            ) in rows
        }

    def links(self) -> dict[str, dict[str, Link]]:
        """target -> item id -> link."""
        result: dict[str, dict[str, Link]] = {}
        rows = self.db.execute("SELECT item_id, target, remote_id, version, base, gone FROM links")
        for item_id, target, remote_id, version, base, gone in rows:
            link = Link(remote_id, version, item_from_dict(json.loads(base)), bool(gone))
            result.setdefault(target, {})[item_id] = link
        return result

    def cursor(self, target: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM cursors WHERE target = ?", (target,)).fetchone()
        return row[0] if row else None

    def sent(self, channel: str) -> dict[str, SentRecord]:
        """Message key -> what was sent on `channel`."""
        rows = self.db.execute(
            "SELECT key, kind, remote_id, digest, substance, sent_at, closed FROM sent "
            "WHERE channel = ?",
            (channel,),
        )
        return {
            key: SentRecord(kind, remote, digest, substance, datetime.fromisoformat(at), bool(c))
            for key, kind, remote, digest, substance, at, c in rows
        }

    def published(self, document: str) -> dict[str, PublishedRecord]:
        """Document key -> what was published in the `[[documents]]` entry `document`."""
        rows = self.db.execute(
            "SELECT key, remote_id, version, digest, marks, published_at FROM published "
            "WHERE document = ?",
            (document,),
        )
        return {
            key: PublishedRecord(
                remote_id, version, digest, _load_marks(marks), datetime.fromisoformat(at)
            )
            for key, remote_id, version, digest, marks, at in rows
        }

    def publish_cursor(self, document: str) -> str | None:
        row = self.db.execute(
            "SELECT cursor FROM publish_cursors WHERE document = ?", (document,)
        ).fetchone()
        return row[0] if row else None

    def last_run(self) -> tuple[int, dict[str, object]] | None:
        """The id and summary of the last finished sync (the health notices' source; a chat
        click's run syncs nothing)."""
        row = self.db.execute(
            "SELECT id, summary FROM runs WHERE summary IS NOT NULL "
            "AND json_extract(summary, '$.click') IS NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    def agenda_times(self) -> list[datetime]:
        """When each `pairsync agenda` was made, oldest first."""
        rows = self.db.execute("SELECT at FROM agendas ORDER BY at")
        return [datetime.fromisoformat(at) for (at,) in rows]

    def history(self, since: datetime | None = None) -> list[HistoryRow]:
        """What each run since `since` (None: ever) changed on the board: (run time, item
        id, value before or None for a new item, value after), oldest run first."""
        rows = self.db.execute(
            "SELECT runs.started_at, item_id, before, after FROM run_items "
            "JOIN runs ON runs.id = run_items.run_id WHERE runs.started_at >= ? "
            "ORDER BY runs.id",
            ((since or datetime.min.replace(tzinfo=UTC)).astimezone(UTC).isoformat(),),
        )
        return [
            (
                datetime.fromisoformat(at),
                item_id,
                item_from_dict(json.loads(before)) if before else None,
                item_from_dict(json.loads(after)),
            )
            for at, item_id, before, after in rows
        ]

    def run_summaries(self, since: datetime) -> list[tuple[datetime, dict[str, Any]]]:
        """(start, summary) of every finished run since `since`, oldest first."""
        rows = self.db.execute(
            "SELECT started_at, summary FROM runs WHERE summary IS NOT NULL "
            "AND started_at >= ? ORDER BY id",
            (since.astimezone(UTC).isoformat(),),
        )
        return [(datetime.fromisoformat(at), json.loads(summary)) for at, summary in rows]

    def first_run_at(self) -> datetime | None:
        row = self.db.execute("SELECT min(started_at) FROM runs").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def last_agenda_at(self) -> datetime | None:
        row = self.db.execute("SELECT max(at) FROM agendas").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    # -- writes (call inside `transaction()`) ---------------------------------------------
    def save_item(self, item_id: str, record: ItemRecord) -> None:
        self.db.execute(
            """INSERT INTO items
                   (item_id, data, created_at, touched_at, touched_by, five_whys_seeded,
                    countermeasure_id, changed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(item_id) DO UPDATE SET data = excluded.data,
                   touched_at = excluded.touched_at, touched_by = excluded.touched_by,
                   five_whys_seeded = excluded.five_whys_seeded,
                   countermeasure_id = excluded.countermeasure_id,
                   changed_at = excluded.changed_at""",
            (
                item_id,
                _dump(record.item),
                (record.created_at or record.touched_at).isoformat(),
                record.touched_at.isoformat(),
                record.touched_by,
                int(record.five_whys_seeded),
                record.countermeasure_id,
                record.changed_at.isoformat() if record.changed_at else None,
            ),
        )

    def save_link(self, item_id: str, target: str, link: Link) -> None:
        # A remote id re-used by another item (a re-link after lost state) moves to this one.
        self.db.execute(
            "DELETE FROM links WHERE target = ? AND remote_id = ? AND item_id != ?",
            (target, link.remote_id, item_id),
        )
        self.db.execute(
            """INSERT INTO links (item_id, target, remote_id, version, base, gone)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(item_id, target) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, base = excluded.base, gone = excluded.gone""",
            (item_id, target, link.remote_id, link.version, _dump(link.base), int(link.gone)),
        )

    def save_cursor(self, target: str, cursor: str | None) -> None:
        if cursor is None:
            self.db.execute("DELETE FROM cursors WHERE target = ?", (target,))
        else:
            self.db.execute(
                "INSERT INTO cursors VALUES (?, ?) ON CONFLICT(target) "
                "DO UPDATE SET cursor = excluded.cursor",
                (target, cursor),
            )

    def add_conflict(
        self,
        run_id: int,
        item_id: str,
        field: str,
        winner: tuple[str, object],
        loser: tuple[str, object],
    ) -> None:
        self.db.execute(
            "INSERT INTO conflicts (run_id, at, item_id, field, winner, winner_value, loser, "
            "loser_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                _now(),
                item_id,
                field,
                winner[0],
                json.dumps(winner[1], default=str),
                loser[0],
                json.dumps(loser[1], default=str),
            ),
        )

    def start_run(self, at: datetime | None = None) -> int:
        """A new run, started `at` (the run's clock; default now)."""
        started = at.astimezone(UTC).isoformat() if at is not None else _now()
        cursor = self.db.execute("INSERT INTO runs (started_at) VALUES (?)", (started,))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict[str, object]) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
            (_now(), json.dumps(summary), run_id),
        )

    def save_sent(self, channel: str, key: str, record: SentRecord) -> None:
        self.db.execute(
            """INSERT INTO sent (channel, key, kind, remote_id, digest, substance, sent_at, closed)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(channel, key) DO UPDATE SET remote_id = excluded.remote_id,
                   digest = excluded.digest, substance = excluded.substance,
                   sent_at = excluded.sent_at, closed = excluded.closed""",
            (
                channel,
                key,
                record.kind,
                record.remote_id,
                record.digest,
                record.substance,
                record.sent_at.isoformat(),
                int(record.closed),
            ),
        )

    def forget_sent(self, channel: str, key: str) -> None:
        """Drop an "about to post" row whose post certainly failed."""
        self.db.execute("DELETE FROM sent WHERE channel = ? AND key = ?", (channel, key))

    def save_published(self, document: str, key: str, record: PublishedRecord) -> None:
        self.db.execute(
            """INSERT INTO published
                   (document, key, remote_id, version, digest, marks, published_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(document, key) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, digest = excluded.digest,
                   marks = excluded.marks, published_at = excluded.published_at""",
            (
                document,
                key,
                record.remote_id,
                record.version,
                record.digest,
                _dump_marks(record.marks),
                record.published_at.isoformat(),
            ),
        )

    def save_publish_cursor(self, document: str, cursor: str | None) -> None:
        if cursor is None:
            self.db.execute("DELETE FROM publish_cursors WHERE document = ?", (document,))
        else:
            self.db.execute(
                "INSERT INTO publish_cursors VALUES (?, ?) ON CONFLICT(document) "
                "DO UPDATE SET cursor = excluded.cursor",
                (document, cursor),
            )

    def record_agenda(self, at: datetime, remote: str | None = None) -> None:
        self.db.execute("INSERT INTO agendas (at, remote) VALUES (?, ?)", (at.isoformat(), remote))

    # -- safety: owner, holds, places --------------------------------------------------------
    def claim(self, pair: str, path: Path) -> None:
        """Make this database the pair's; another pair's database is refused (its items
        would leak into this pair's boards)."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pair'").fetchone()
        if row is None and not self.read_only:
            with self.transaction():
                self.db.execute("INSERT INTO meta VALUES ('pair', ?)", (pair,))
        elif row is not None and row[0] != pair:
            raise StateError(
                f"{path}: this state database belongs to pair {row[0]!r}, not {pair!r}; "
                "give each pair its own [state] path"
            )

    def holds(self) -> dict[str, frozenset[str]]:
        """target -> item ids held (vanished at once, archived nowhere yet)."""
        found: dict[str, set[str]] = {}
        for target, item_id in self.db.execute("SELECT target, item_id FROM holds"):
            found.setdefault(target, set()).add(item_id)
        return {target: frozenset(ids) for target, ids in found.items()}

    def save_holds(self, holds: dict[str, frozenset[str]]) -> None:
        self.db.execute("DELETE FROM holds")
        self.db.executemany(
            "INSERT INTO holds VALUES (?, ?)",
            [(target, item_id) for target, ids in holds.items() for item_id in sorted(ids)],
        )

    def places(self, target: str) -> dict[Kind, tuple[str, str]]:
        """kind -> (remote id, name) of the list / section the target keeps it in."""
        rows = self.db.execute(
            "SELECT kind, remote_id, name FROM places WHERE target = ?", (target,)
        )
        return {Kind(kind): (remote_id, name) for kind, remote_id, name in rows}

    # -- marks a chat button leaves on an item (parked until, to discuss) -------------------
    def set_mark(self, item_id: str, mark: str, until: str | None) -> list[str | None] | None:
        """Set the mark; return what it replaced (`[until]`, or None: no such mark)."""
        row = self.db.execute(
            "SELECT until FROM marks WHERE item_id = ? AND mark = ?", (item_id, mark)
        ).fetchone()
        self.db.execute(
            "INSERT INTO marks VALUES (?, ?, ?) ON CONFLICT(item_id, mark) "
            "DO UPDATE SET until = excluded.until",
            (item_id, mark, until),
        )
        return None if row is None else [row[0]]

    def restore_mark(self, item_id: str, mark: str, before: list[str | None] | None) -> None:
        """Put a mark back as `set_mark` found it."""
        if before is None:
            self.db.execute("DELETE FROM marks WHERE item_id = ? AND mark = ?", (item_id, mark))
        else:
            self.set_mark(item_id, mark, before[0])

    # -- history: what each run changed, for `pairsync history` and `pairsync undo` ---------
    def save_run_item(self, run_id: int, item_id: str, before: Item | None, after: Item) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO run_items VALUES (?, ?, ?, ?)",
            (run_id, item_id, _dump(before) if before else None, _dump(after)),
        )

    def save_places(self, target: str, places: dict[Kind, tuple[str, str]]) -> None:
        self.db.execute("DELETE FROM places WHERE target = ?", (target,))
        self.db.executemany(
            "INSERT INTO places VALUES (?, ?, ?, ?)",
            [(target, kind.value, rid, name) for kind, (rid, name) in places.items()],
        )


def is_corrupt(exc: sqlite3.Error) -> bool:
    """SQLite's own verdict: the file is damaged or not a database (not: full, I/O, locked)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


_UNAVAILABLE = {
    getattr(sqlite3, f"SQLITE_{name}")
    for name in ("FULL", "IOERR", "CANTOPEN", "READONLY", "PERM", "BUSY", "LOCKED", "NOMEM")
}


def is_unavailable(exc: sqlite3.Error) -> bool:
    """A healthy database that cannot be used now: disk full, I/O, permissions, locked."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _UNAVAILABLE


def unavailable(path: Path, exc: OSError | sqlite3.Error) -> StateUnavailable:
    """The one line for a state database that cannot be used right now."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StateUnavailable(
        f"{path}: cannot use the state database ({reason}); left as it is: free space or "
        "fix permissions, then run again"
    )


def _dump(item: Item) -> str:
    return json.dumps(item_to_dict(item), ensure_ascii=False, sort_keys=True)


def _dump_marks(marks: dict[EntryRef, Mark]) -> str:
    return json.dumps(
        [[part, entry, mark.ticked, mark.answer] for (part, entry), mark in sorted(marks.items())],
        ensure_ascii=False,
    )


def _load_marks(text: str) -> dict[EntryRef, Mark]:
    return {(part, entry): Mark(ticked, answer) for part, entry, ticked, answer in json.loads(text)}
