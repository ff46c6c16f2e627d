"""Run history in SQLite: runs and their summaries, what each changed, undos, conflicts."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import cast

from sync.model import Item
from sync.store.rows import ConflictRecord, HistoryRow, RunJson, RunRecord
from sync.store.sqlite.board import dump_item, load_item


def now_text() -> str:
    return datetime.now(UTC).isoformat()


class RunTables:
    db: sqlite3.Connection

    def start_run(self, at: datetime | None = None) -> int:
        started = at.astimezone(UTC).isoformat() if at is not None else now_text()
        cursor = self.db.execute("INSERT INTO runs (started_at) VALUES (?)", (started,))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, summary: RunJson) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
            (now_text(), json.dumps(summary), run_id),
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
        return [_run(*row) for row in rows]

    def last_run(self, *, clicks: bool = False) -> RunRecord | None:
        row = self.db.execute(
            "SELECT id, started_at, finished_at, summary, NULL, 0 FROM runs "
            "WHERE summary IS NOT NULL AND (? OR json_extract(summary, '$.click') IS NULL) "
            "ORDER BY id DESC LIMIT 1",
            (clicks,),
        ).fetchone()
        return _run(*row) if row else None

    def run_summaries(self, since: datetime) -> list[tuple[datetime, RunJson]]:
        rows = self.db.execute(
            "SELECT started_at, summary FROM runs WHERE summary IS NOT NULL "
            "AND started_at >= ? ORDER BY id",
            (since.astimezone(UTC).isoformat(),),
        )
        return [(datetime.fromisoformat(at), cast(RunJson, json.loads(s))) for at, s in rows]

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
        return [
            (
                datetime.fromisoformat(at),
                item_id,
                load_item(before) if before else None,
                load_item(after),
            )
            for at, item_id, before, after in rows
        ]

    def save_run_item(self, run_id: int, item_id: str, before: Item | None, after: Item) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO run_items VALUES (?, ?, ?, ?)",
            (run_id, item_id, dump_item(before) if before else None, dump_item(after)),
        )

    def run_items(self, run_id: int) -> dict[str, tuple[Item | None, Item]]:
        rows = self.db.execute(
            "SELECT item_id, before, after FROM run_items WHERE run_id = ?", (run_id,)
        )
        return {
            item_id: (load_item(before) if before else None, load_item(after))
            for item_id, before, after in rows
        }

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
            (
                run_id,
                now_text(),
                item_id,
                field,
                winner[0],
                json.dumps(winner[1], default=str),
                loser[0],
                json.dumps(loser[1], default=str),
            ),
        )

    def conflicts(self) -> list[ConflictRecord]:
        rows = self.db.execute(
            "SELECT run_id, at, item_id, field, winner, winner_value, loser, loser_value "
            "FROM conflicts ORDER BY id"
        )
        return [
            ConflictRecord(
                run_id,
                datetime.fromisoformat(at),
                item_id,
                field,
                w,
                json.loads(wv),
                lo,
                json.loads(lv),
            )
            for run_id, at, item_id, field, w, wv, lo, lv in rows
        ]


def _run(
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
        datetime.fromisoformat(finished) if finished else None,
        cast(RunJson, json.loads(summary)) if summary else None,
        undid,
        changed,
    )
