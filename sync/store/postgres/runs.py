"""Run history in PostgreSQL: runs and their summaries, what each changed, undos,
conflicts. Run ids count from 1 per pair, as in a pair's own SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sync.model import Item
from sync.store import columns
from sync.store.postgres.keyed import PairKeyed
from sync.store.rows import ConflictRecord, HistoryRow, RunJson, RunRecord


class RunTables(PairKeyed):
    def start_run(self, at: datetime | None = None) -> int:
        row = self.one(
            "INSERT INTO pairsync_runs (pair, id, started_at) VALUES (%s, "
            "(SELECT coalesce(max(id), 0) + 1 FROM pairsync_runs WHERE pair = %s), %s) "
            "RETURNING id",
            self.pair,
            at.astimezone(UTC).isoformat() if at is not None else columns.now_text(),
        )
        assert row is not None
        return int(row[0])

    def finish_run(self, run_id: int, summary: RunJson) -> None:
        self.db.execute(
            "UPDATE pairsync_runs SET finished_at = %s, summary = %s WHERE pair = %s AND id = %s",
            (columns.now_text(), columns.dump_summary(summary), self.pair, run_id),
        )

    def first_run_at(self) -> datetime | None:
        row = self.one("SELECT min(started_at) FROM pairsync_runs WHERE pair = %s")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def runs(self) -> list[RunRecord]:
        rows = self.run(
            "SELECT r.id, r.started_at, r.finished_at, r.summary, u.undid, "
            "(SELECT count(*) FROM pairsync_run_items i "
            " WHERE i.pair = r.pair AND i.run_id = r.id) "
            "FROM pairsync_runs r "
            "LEFT JOIN pairsync_undos u ON u.pair = r.pair AND u.run_id = r.id "
            "WHERE r.pair = %s ORDER BY r.id"
        )
        return [columns.run_record(*row) for row in rows]

    def last_run(self, *, clicks: bool = False) -> RunRecord | None:
        row = self.one(
            "SELECT id, started_at, finished_at, summary, NULL, 0 FROM pairsync_runs "
            "WHERE pair = %s AND summary IS NOT NULL "
            "AND (%s OR (summary::jsonb ->> 'click') IS NULL) "
            "ORDER BY id DESC LIMIT 1",
            clicks,
        )
        return columns.run_record(*row) if row else None

    def run_summaries(self, since: datetime) -> list[tuple[datetime, RunJson]]:
        rows = self.run(
            "SELECT started_at, summary FROM pairsync_runs WHERE pair = %s "
            "AND summary IS NOT NULL AND started_at >= %s ORDER BY id",
            since.astimezone(UTC).isoformat(),
        )
        return [(datetime.fromisoformat(at), columns.load_summary(s)) for at, s in rows]

    def history(
        self, since: datetime | None = None, labelled: str | None = None
    ) -> list[HistoryRow]:
        # strpos(after, '') is 1: without `labelled` every row is kept
        needle = json.dumps(labelled, ensure_ascii=False) if labelled is not None else ""
        rows = self.run(
            "SELECT r.started_at, i.item_id, i.before, i.after FROM pairsync_run_items i "
            "JOIN pairsync_runs r ON r.pair = i.pair AND r.id = i.run_id "
            "WHERE i.pair = %s AND r.started_at >= %s AND strpos(i.after, %s) > 0 "
            "ORDER BY r.id",
            (since or datetime.min.replace(tzinfo=UTC)).astimezone(UTC).isoformat(),
            needle,
        )
        return [columns.history_row(*row) for row in rows]

    def save_run_item(self, run_id: int, item_id: str, before: Item | None, after: Item) -> None:
        self.run(
            "INSERT INTO pairsync_run_items VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (pair, run_id, item_id) DO UPDATE SET before = excluded.before, "
            "after = excluded.after",
            run_id,
            item_id,
            *columns.run_item_columns(before, after),
        )

    def run_items(self, run_id: int) -> dict[str, tuple[Item | None, Item]]:
        rows = self.run(
            "SELECT item_id, before, after FROM pairsync_run_items WHERE pair = %s AND run_id = %s",
            run_id,
        )
        return {item_id: columns.run_item(before, after) for item_id, before, after in rows}

    def record_undo(self, run_id: int, undid: int) -> None:
        self.run("INSERT INTO pairsync_undos VALUES (%s, %s, %s)", run_id, undid)

    def add_conflict(
        self,
        run_id: int,
        item_id: str,
        field: str,
        winner: tuple[str, object],
        loser: tuple[str, object],
    ) -> None:
        self.run(
            "INSERT INTO pairsync_conflicts (pair, run_id, at, item_id, field, winner, "
            "winner_value, loser, loser_value) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            *columns.conflict_columns(run_id, item_id, field, winner, loser),
        )

    def conflicts(self) -> list[ConflictRecord]:
        rows = self.run(
            "SELECT run_id, at, item_id, field, winner, winner_value, loser, loser_value "
            "FROM pairsync_conflicts WHERE pair = %s ORDER BY id"
        )
        return [columns.conflict_record(*row) for row in rows]
