"""Run history in SQLite: runs and their summaries, what each changed, undos, conflicts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from sync.model import Item
from sync.store import columns
from sync.store.rows import ConflictRecord, HistoryRow, RunJson, RunRecord


class RunTables:
    db: sqlite3.Connection

    def start_run(self, at: datetime | None = None) -> int:
        started = at.astimezone(UTC).isoformat() if at is not None else columns.now_text()
        cursor = self.db.execute("INSERT INTO runs (started_at) VALUES (?)", (started,))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, summary: RunJson) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
            (columns.now_text(), columns.dump_summary(summary), run_id),
        )

    def first_run_at(self) -> datetime | None:
        row = self.db.execute("SELECT min(started_at) FROM runs").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def runs(self) -> list[RunRecord]:
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, summary, undid, "
            "(SELECT count(*) FROM run_items WHERE run_id = runs.id) "
            "FROM runs LEFT JOIN undos ON undos.run_id = runs.id ORDER BY id"
        )
        return [columns.run_record(*row) for row in rows]

    def last_run(self, *, clicks: bool = False) -> RunRecord | None:
        row = self.db.execute(
            "SELECT id, started_at, finished_at, summary, NULL, 0 FROM runs "
            "WHERE summary IS NOT NULL AND (? OR json_extract(summary, '$.click') IS NULL) "
            "ORDER BY id DESC LIMIT 1",
            (clicks,),
        ).fetchone()
        return columns.run_record(*row) if row else None

    def run_summaries(self, since: datetime) -> list[tuple[datetime, RunJson]]:
        rows = self.db.execute(
            "SELECT started_at, summary FROM runs WHERE summary IS NOT NULL "
            "AND started_at >= ? ORDER BY id",
            (since.astimezone(UTC).isoformat(),),
        )
        return [(datetime.fromisoformat(at), columns.load_summary(s)) for at, s in rows]

    def history(
        self, since: datetime | None = None, labelled: str | None = None
    ) -> list[HistoryRow]:
        query = (
            "SELECT runs.started_at, item_id, before, after FROM run_items "
            "JOIN runs ON runs.id = run_items.run_id WHERE runs.started_at >= ?"
        )
        start = (since or datetime.min.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
        params: tuple[str, ...] = (start,)
        if labelled is not None:  # the label as the stored JSON spells it
            query += " AND instr(after, ?) > 0"
            params += (json.dumps(labelled, ensure_ascii=False),)
        rows = self.db.execute(query + " ORDER BY runs.id", params)
        return [columns.history_row(*row) for row in rows]

    def save_run_item(self, run_id: int, item_id: str, before: Item | None, after: Item) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO run_items VALUES (?, ?, ?, ?)",
            (run_id, item_id, *columns.run_item_columns(before, after)),
        )

    def run_items(self, run_id: int) -> dict[str, tuple[Item | None, Item]]:
        rows = self.db.execute(
            "SELECT item_id, before, after FROM run_items WHERE run_id = ?", (run_id,)
        )
        return {item_id: columns.run_item(before, after) for item_id, before, after in rows}

    def record_undo(self, run_id: int, undid: int) -> None:
        self.db.execute("INSERT INTO undos VALUES (?, ?)", (run_id, undid))

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
            columns.conflict_columns(run_id, item_id, field, winner, loser),
        )

    def conflicts(self) -> list[ConflictRecord]:
        rows = self.db.execute(
            "SELECT run_id, at, item_id, field, winner, winner_value, loser, loser_value "
            "FROM conflicts ORDER BY id"
        )
        return [columns.conflict_record(*row) for row in rows]
