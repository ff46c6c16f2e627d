"""The board's tables in PostgreSQL: items, links, cursors, places and holds."""

from __future__ import annotations

from sync.contract import Link
from sync.model import Kind
from sync.store import columns
from sync.store.postgres.keyed import PairKeyed
from sync.store.rows import ItemRecord


class BoardTables(PairKeyed):
    def items(self) -> dict[str, ItemRecord]:
        rows = self.run(
            "SELECT item_id, data, touched_at, touched_by, five_whys_seeded, created_at, "
            "countermeasure_id, changed_at FROM pairsync_items WHERE pair = %s"
        )
        return {item_id: columns.item_record(*values) for item_id, *values in rows}

    def save_item(self, item_id: str, record: ItemRecord) -> None:
        self.run(
            """INSERT INTO pairsync_items
                   (pair, item_id, data, created_at, touched_at, touched_by, five_whys_seeded,
                    countermeasure_id, changed_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (pair, item_id) DO UPDATE SET data = excluded.data,
                   touched_at = excluded.touched_at, touched_by = excluded.touched_by,
                   five_whys_seeded = excluded.five_whys_seeded,
                   countermeasure_id = excluded.countermeasure_id,
                   changed_at = excluded.changed_at""",
            item_id,
            *columns.item_columns(record),
        )

    def links(self) -> dict[str, dict[str, Link]]:
        rows = self.run(
            "SELECT item_id, target, remote_id, version, base, gone FROM pairsync_links "
            "WHERE pair = %s"
        )
        return columns.link_records(rows)

    def save_link(self, item_id: str, target: str, link: Link) -> None:
        self.run(
            "DELETE FROM pairsync_links WHERE pair = %s AND target = %s AND remote_id = %s "
            "AND item_id != %s",
            target,
            link.remote_id,
            item_id,
        )
        self.run(
            """INSERT INTO pairsync_links (pair, item_id, target, remote_id, version, base, gone)
               VALUES (%s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (pair, item_id, target) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, base = excluded.base, gone = excluded.gone""",
            item_id,
            target,
            *columns.link_columns(link),
        )

    def cursor(self, target: str) -> str | None:
        row = self.one(
            "SELECT cursor FROM pairsync_cursors WHERE pair = %s AND target = %s", target
        )
        return str(row[0]) if row else None

    def save_cursor(self, target: str, cursor: str | None) -> None:
        if cursor is None:
            self.run("DELETE FROM pairsync_cursors WHERE pair = %s AND target = %s", target)
            return
        self.run(
            "INSERT INTO pairsync_cursors VALUES (%s, %s, %s) ON CONFLICT (pair, target) "
            "DO UPDATE SET cursor = excluded.cursor",
            target,
            cursor,
        )

    def places(self, target: str) -> dict[Kind, tuple[str, str]]:
        rows = self.run(
            "SELECT kind, remote_id, name FROM pairsync_places WHERE pair = %s AND target = %s",
            target,
        )
        return {Kind(kind): (remote_id, name) for kind, remote_id, name in rows}

    def save_places(self, target: str, places: dict[Kind, tuple[str, str]]) -> None:
        self.run("DELETE FROM pairsync_places WHERE pair = %s AND target = %s", target)
        self.many(
            "INSERT INTO pairsync_places VALUES (%s, %s, %s, %s, %s)",
            [(target, kind.value, rid, name) for kind, (rid, name) in places.items()],
        )

    def holds(self) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for target, item_id in self.run(
            "SELECT target, item_id FROM pairsync_holds WHERE pair = %s"
        ):
            found.setdefault(target, set()).add(item_id)
        return {target: frozenset(ids) for target, ids in found.items()}

    def save_holds(self, holds: dict[str, frozenset[str]]) -> None:
        self.run("DELETE FROM pairsync_holds WHERE pair = %s")
        self.many(
            "INSERT INTO pairsync_holds VALUES (%s, %s, %s)",
            [(target, item_id) for target, ids in holds.items() for item_id in sorted(ids)],
        )
