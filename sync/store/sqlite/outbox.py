"""What went out, in SQLite: channel messages, agendas, published documents, the marks
chat buttons leave, and `pairsync serve`'s webhooks."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from sync.store import columns
from sync.store.rows import MarkRecord, PublishedRecord, SentRecord, WebhookRecord


class OutboxTables:
    db: sqlite3.Connection

    def sent(self, channel: str) -> dict[str, SentRecord]:
        rows = self.db.execute(
            "SELECT key, kind, remote_id, digest, substance, sent_at, closed FROM sent "
            "WHERE channel = ?",
            (channel,),
        )
        return {key: columns.sent_record(*values) for key, *values in rows}

    def save_sent(self, channel: str, key: str, record: SentRecord) -> None:
        self.db.execute(
            """INSERT INTO sent (channel, key, kind, remote_id, digest, substance, sent_at, closed)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(channel, key) DO UPDATE SET remote_id = excluded.remote_id,
                   digest = excluded.digest, substance = excluded.substance,
                   sent_at = excluded.sent_at, closed = excluded.closed""",
            (channel, key, *columns.sent_columns(record)),
        )

    def forget_sent(self, channel: str, key: str) -> None:
        self.db.execute("DELETE FROM sent WHERE channel = ? AND key = ?", (channel, key))

    def last_agenda_at(self) -> datetime | None:
        row = self.db.execute("SELECT max(at) FROM agendas").fetchone()
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def agenda_times(self) -> list[datetime]:
        rows = self.db.execute("SELECT at FROM agendas ORDER BY at")
        return [datetime.fromisoformat(at) for (at,) in rows]

    def agendas(self) -> list[tuple[datetime, str | None]]:
        rows = self.db.execute("SELECT at, remote FROM agendas ORDER BY id")
        return [(datetime.fromisoformat(at), remote) for at, remote in rows]

    def record_agenda(self, at: datetime, remote: str | None = None) -> None:
        self.db.execute("INSERT INTO agendas (at, remote) VALUES (?, ?)", (at.isoformat(), remote))

    def published(self, document: str) -> dict[str, PublishedRecord]:
        rows = self.db.execute(
            "SELECT key, remote_id, version, digest, marks, published_at FROM published "
            "WHERE document = ?",
            (document,),
        )
        return {
            key: columns.published_record(remote_id, version, digest, json.loads(marks), at)
            for key, remote_id, version, digest, marks, at in rows
        }

    def save_published(self, document: str, key: str, record: PublishedRecord) -> None:
        self.db.execute(
            """INSERT INTO published
                   (document, key, remote_id, version, digest, marks, published_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(document, key) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, digest = excluded.digest,
                   marks = excluded.marks, published_at = excluded.published_at""",
            (document, key, *columns.published_columns(record, _json_text)),
        )

    def publish_cursor(self, document: str) -> str | None:
        row = self.db.execute(
            "SELECT cursor FROM publish_cursors WHERE document = ?", (document,)
        ).fetchone()
        return row[0] if row else None

    def save_publish_cursor(self, document: str, cursor: str | None) -> None:
        if cursor is None:
            self.db.execute("DELETE FROM publish_cursors WHERE document = ?", (document,))
        else:
            self.db.execute(
                "INSERT INTO publish_cursors VALUES (?, ?) ON CONFLICT(document) "
                "DO UPDATE SET cursor = excluded.cursor",
                (document, cursor),
            )

    def marks(self) -> list[MarkRecord]:
        rows = self.db.execute("SELECT item_id, mark, until FROM marks ORDER BY item_id, mark")
        return [MarkRecord(item_id, mark, until) for item_id, mark, until in rows]

    def set_mark(self, item_id: str, mark: str, until: str | None) -> list[str | None] | None:
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
        if before is None:
            self.db.execute("DELETE FROM marks WHERE item_id = ? AND mark = ?", (item_id, mark))
        else:
            self.set_mark(item_id, mark, before[0])

    def webhook(self, target: str) -> WebhookRecord | None:
        row = self.db.execute(
            "SELECT secret, pending_key, handshake_until, pending_secret FROM webhooks "
            "WHERE target = ?",
            (target,),
        ).fetchone()
        urls = self.db.execute(
            "SELECT callback_url FROM webhook_urls WHERE target = ?", (target,)
        ).fetchall()
        return columns.webhook_record(row, urls)

    def save_webhook(self, target: str, record: WebhookRecord) -> None:
        self.forget_webhook(target)
        self.db.execute(
            "INSERT INTO webhooks (target, secret, pending_key, handshake_until, "
            "pending_secret) VALUES (?, ?, ?, ?, ?)",
            (target, *columns.webhook_columns(record)),
        )
        self.db.executemany(
            "INSERT INTO webhook_urls VALUES (?, ?)",
            [(target, url) for url in sorted(record.callback_urls)],
        )

    def forget_webhook(self, target: str) -> None:
        self.db.execute("DELETE FROM webhook_urls WHERE target = ?", (target,))
        self.db.execute("DELETE FROM webhooks WHERE target = ?", (target,))


def _json_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
