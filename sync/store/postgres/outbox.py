"""What went out, in PostgreSQL: channel messages, agendas, published documents, the marks
chat buttons leave, and `pairsync serve`'s webhooks."""

from __future__ import annotations

from datetime import datetime

from psycopg.types.json import Jsonb

from sync.store import columns
from sync.store.postgres.keyed import PairKeyed
from sync.store.rows import MarkRecord, PublishedRecord, SentRecord, WebhookRecord


class OutboxTables(PairKeyed):
    def sent(self, channel: str) -> dict[str, SentRecord]:
        rows = self.run(
            "SELECT key, kind, remote_id, digest, substance, sent_at, closed FROM pairsync_sent "
            "WHERE pair = %s AND channel = %s",
            channel,
        )
        return {key: columns.sent_record(*values) for key, *values in rows}

    def save_sent(self, channel: str, key: str, record: SentRecord) -> None:
        self.run(
            """INSERT INTO pairsync_sent
                   (pair, channel, key, kind, remote_id, digest, substance, sent_at, closed)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (pair, channel, key) DO UPDATE SET remote_id = excluded.remote_id,
                   digest = excluded.digest, substance = excluded.substance,
                   sent_at = excluded.sent_at, closed = excluded.closed""",
            channel,
            key,
            *columns.sent_columns(record),
        )

    def forget_sent(self, channel: str, key: str) -> None:
        self.run(
            "DELETE FROM pairsync_sent WHERE pair = %s AND channel = %s AND key = %s",
            channel,
            key,
        )

    def last_agenda_at(self) -> datetime | None:
        row = self.one("SELECT max(at) FROM pairsync_agendas WHERE pair = %s")
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    def agenda_times(self) -> list[datetime]:
        rows = self.run("SELECT at FROM pairsync_agendas WHERE pair = %s ORDER BY at")
        return [datetime.fromisoformat(at) for (at,) in rows]

    def agendas(self) -> list[tuple[datetime, str | None]]:
        rows = self.run("SELECT at, remote FROM pairsync_agendas WHERE pair = %s ORDER BY id")
        return [(datetime.fromisoformat(at), remote) for at, remote in rows]

    def record_agenda(self, at: datetime, remote: str | None = None) -> None:
        self.run(
            "INSERT INTO pairsync_agendas (pair, at, remote) VALUES (%s, %s, %s)",
            at.isoformat(),
            remote,
        )

    def published(self, document: str) -> dict[str, PublishedRecord]:
        rows = self.run(
            "SELECT key, remote_id, version, digest, marks, published_at FROM pairsync_published "
            "WHERE pair = %s AND document = %s",
            document,
        )
        return {key: columns.published_record(*values) for key, *values in rows}

    def save_published(self, document: str, key: str, record: PublishedRecord) -> None:
        self.run(
            """INSERT INTO pairsync_published
                   (pair, document, key, remote_id, version, digest, marks, published_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (pair, document, key) DO UPDATE SET remote_id = excluded.remote_id,
                   version = excluded.version, digest = excluded.digest,
                   marks = excluded.marks, published_at = excluded.published_at""",
            document,
            key,
            *columns.published_columns(record, Jsonb),
        )

    def publish_cursor(self, document: str) -> str | None:
        row = self.one(
            "SELECT cursor FROM pairsync_publish_cursors WHERE pair = %s AND document = %s",
            document,
        )
        return str(row[0]) if row else None

    def save_publish_cursor(self, document: str, cursor: str | None) -> None:
        if cursor is None:
            self.run(
                "DELETE FROM pairsync_publish_cursors WHERE pair = %s AND document = %s", document
            )
            return
        self.run(
            "INSERT INTO pairsync_publish_cursors VALUES (%s, %s, %s) "
            "ON CONFLICT (pair, document) DO UPDATE SET cursor = excluded.cursor",
            document,
            cursor,
        )

    def marks(self) -> list[MarkRecord]:
        rows = self.run(
            "SELECT item_id, mark, until FROM pairsync_marks WHERE pair = %s ORDER BY item_id, mark"
        )
        return [MarkRecord(item_id, mark, until) for item_id, mark, until in rows]

    def set_mark(self, item_id: str, mark: str, until: str | None) -> list[str | None] | None:
        row = self.one(
            "SELECT until FROM pairsync_marks WHERE pair = %s AND item_id = %s AND mark = %s",
            item_id,
            mark,
        )
        self.run(
            "INSERT INTO pairsync_marks VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (pair, item_id, mark) DO UPDATE SET until = excluded.until",
            item_id,
            mark,
            until,
        )
        return None if row is None else [row[0]]

    def restore_mark(self, item_id: str, mark: str, before: list[str | None] | None) -> None:
        if before is None:
            self.run(
                "DELETE FROM pairsync_marks WHERE pair = %s AND item_id = %s AND mark = %s",
                item_id,
                mark,
            )
        else:
            self.set_mark(item_id, mark, before[0])

    def webhook(self, target: str) -> WebhookRecord | None:
        row = self.one(
            "SELECT secret, pending_key, handshake_until, pending_secret FROM pairsync_webhooks "
            "WHERE pair = %s AND target = %s",
            target,
        )
        urls = self.run(
            "SELECT callback_url FROM pairsync_webhook_urls WHERE pair = %s AND target = %s",
            target,
        ).fetchall()
        return columns.webhook_record(row, urls)

    def save_webhook(self, target: str, record: WebhookRecord) -> None:
        self.forget_webhook(target)
        self.run(
            "INSERT INTO pairsync_webhooks VALUES (%s, %s, %s, %s, %s, %s)",
            target,
            *columns.webhook_columns(record),
        )
        self.many(
            "INSERT INTO pairsync_webhook_urls VALUES (%s, %s, %s)",
            [(target, url) for url in sorted(record.callback_urls)],
        )

    def forget_webhook(self, target: str) -> None:
        self.run("DELETE FROM pairsync_webhook_urls WHERE pair = %s AND target = %s", target)
        self.run("DELETE FROM pairsync_webhooks WHERE pair = %s AND target = %s", target)
