"""The board's tables in SQLite: items, links, cursors, places and holds."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

from sync.contract import Link
from sync.model import Kind
from sync.store import columns
from sync.store.rows import ItemRecord


class BoardTables:
    db: sqlite3.Connection

    def items(self) -> dict[str, ItemRecord]:
        rows = self.db.execute(
            "SELECT item_id, data, touched_at, touched_by, five_whys_seeded, created_at, "
            "countermeasure_id, changed_at FROM items"
        )
        return {item_id: columns.item_record(*values) for item_id, *values in rows}

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
            (item_id, *columns.item_columns(record)),
        )

    def links(self) -> dict[str, dict[str, Link]]:
        rows = self.db.execute("SELECT item_id, target, remote_id, version, base, gone FROM links")
        return columns.link_records(rows)

    def save_link(self, item_id: str, target: str, link: Link) -> None:
        self.db.execute(
            "DELETE FROM links WHERE target = ? AND remote_id = ? AND item_id != ?",
            (target, link.remote_id, item_id),
        )
        self.db.execute(
            """INSERT INTO links (item_id, target, remote_id, version, base, gone)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT(item_id, target) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, base = excluded.base, gone = excluded.gone""",
            (item_id, target, *columns.link_columns(link)),
        )

    def cursor(self, target: str) -> str | None:
        row = self.db.execute("SELECT cursor FROM cursors WHERE target = ?", (target,)).fetchone()
        return row[0] if row else None

    def save_cursor(self, target: str, cursor: str | None) -> None:
        if cursor is None:
            self.db.execute("DELETE FROM cursors WHERE target = ?", (target,))
        else:
            self.db.execute(
                "INSERT INTO cursors VALUES (?, ?) ON CONFLICT(target) "
                "DO UPDATE SET cursor = excluded.cursor",
                (target, cursor),
            )

    def places(self, target: str) -> dict[Kind, tuple[str, str]]:
        rows = self.db.execute(
            "SELECT kind, remote_id, name FROM places WHERE target = ?", (target,)
        )
        return {Kind(kind): (remote_id, name) for kind, remote_id, name in rows}

    def recorded_places(self, targets: Collection[str]) -> dict[str, dict[Kind, tuple[str, str]]]:
        found: dict[str, dict[Kind, tuple[str, str]]] = {target: {} for target in targets}
        for target, kind, remote_id, name in self.db.execute(
            "SELECT target, kind, remote_id, name FROM places"
        ):
            if target in found:
                found[target][Kind(kind)] = (remote_id, name)
        return found

    def recorded_cursors(self, targets: Collection[str]) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(targets)
        for target, cursor in self.db.execute("SELECT target, cursor FROM cursors"):
            if target in found:
                found[target] = cursor
        return found

    def save_places(self, target: str, places: dict[Kind, tuple[str, str]]) -> None:
        self.db.execute("DELETE FROM places WHERE target = ?", (target,))
        self.db.executemany(
            "INSERT INTO places VALUES (?, ?, ?, ?)",
            [(target, kind.value, rid, name) for kind, (rid, name) in places.items()],
        )

    def holds(self) -> dict[str, frozenset[str]]:
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
