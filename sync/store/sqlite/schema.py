"""The state database's schema, as the numbered migrations that build it, so that every
database, however old, is brought to the current version the same way."""

from __future__ import annotations

import sqlite3

from sync.errors import StateError

MIGRATIONS: list[str] = [
    # 1: the initial schema
    """
    CREATE TABLE items (
        item_id TEXT PRIMARY KEY,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        touched_at TEXT NOT NULL,       -- last change a person made in any tool (stale clock)
        touched_by TEXT,                -- the target it was made in
        five_whys_seeded INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE links (
        item_id TEXT NOT NULL REFERENCES items(item_id),
        target TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        version TEXT NOT NULL,
        base TEXT NOT NULL,             -- the item as this target and the board last agreed
        gone INTEGER NOT NULL DEFAULT 0, -- deleted or moved out of scope in the tool
        PRIMARY KEY (item_id, target)
    );
    CREATE UNIQUE INDEX links_by_remote ON links(target, remote_id);
    CREATE TABLE cursors (target TEXT PRIMARY KEY, cursor TEXT NOT NULL);
    CREATE TABLE conflicts (
        id INTEGER PRIMARY KEY,
        run_id INTEGER,
        at TEXT NOT NULL,
        item_id TEXT NOT NULL,
        field TEXT NOT NULL,
        winner TEXT NOT NULL,
        winner_value TEXT NOT NULL,
        loser TEXT NOT NULL,
        loser_value TEXT NOT NULL
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT
    );
    CREATE TABLE agendas (id INTEGER PRIMARY KEY, at TEXT NOT NULL, remote TEXT);
    """,
    # 2: the action item made from a problem's countermeasure step, so it is made once, and
    # when pairsync saw a person's last change (its own clock; the agenda's "since" uses it)
    """
    ALTER TABLE items ADD COLUMN countermeasure_id TEXT;
    ALTER TABLE items ADD COLUMN changed_at TEXT;
    """,
    # 3: messages posted to the pair's channels (Slack, Teams): one row per channel and
    # message key; remote_id NULL means "about to post" (a crash may have posted it)
    """
    CREATE TABLE sent (
        channel TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        remote_id TEXT,
        digest TEXT NOT NULL,
        substance TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        closed INTEGER NOT NULL DEFAULT 0, -- a health incident's "resolved" went out
        PRIMARY KEY (channel, key)
    );
    """,
    # 4: safety (issue 13): the pair that owns the database, vanished items held instead of
    # archived, the list / section each kind was found in (followed when renamed), and what
    # every run changed on the board (for `pairsync undo`)
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE holds (
        target TEXT NOT NULL,
        item_id TEXT NOT NULL,
        PRIMARY KEY (target, item_id)
    );
    CREATE TABLE places (
        target TEXT NOT NULL,
        kind TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        name TEXT NOT NULL,
        PRIMARY KEY (target, kind)
    );
    CREATE TABLE run_items (
        run_id INTEGER NOT NULL,
        item_id TEXT NOT NULL,
        before TEXT,                    -- the item before the run (NULL: new in that run)
        after TEXT NOT NULL,
        PRIMARY KEY (run_id, item_id)
    );
    CREATE TABLE undos (run_id INTEGER PRIMARY KEY, undid INTEGER NOT NULL);
    """,
    # 5: `pairsync serve`'s webhooks per target: the callback URL as registered (Trello
    # signs over it), Asana's handshake secret, and until when a handshake is expected;
    # and the marks Slack buttons leave on items (parked until, to discuss)
    """
    CREATE TABLE webhooks (
        target TEXT PRIMARY KEY,
        callback_url TEXT,
        secret TEXT,
        handshake_until REAL
    );
    CREATE TABLE marks (
        item_id TEXT NOT NULL,
        mark TEXT NOT NULL,
        until TEXT,
        PRIMARY KEY (item_id, mark)
    );
    """,
    # 6: the pair's record in document tools (`[[documents]]`): per document entry and key,
    # the remote id (NULL: about to be published, a crash may have made it), its version,
    # the digest of what was published (all but the marks), and the marks (ticks, answers)
    # the document showed when last written or read; and each entry's `changed` cursor
    """
    CREATE TABLE published (
        document TEXT NOT NULL,
        key TEXT NOT NULL,
        remote_id TEXT,
        version TEXT,
        digest TEXT NOT NULL,
        marks TEXT NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (document, key)
    );
    CREATE TABLE publish_cursors (document TEXT PRIMARY KEY, cursor TEXT NOT NULL);
    """,
    # 7: webhooks made safe (issue 21): every callback URL a target's live webhooks call
    # (Trello signs over the one it calls), and a registration waiting for its handshake:
    # the unguessable last part of its URL, and the secret the handshake brought, kept
    # only once the webhook creation it belongs to succeeded
    """
    CREATE TABLE webhook_urls (
        target TEXT NOT NULL,
        callback_url TEXT NOT NULL,
        PRIMARY KEY (target, callback_url)
    );
    INSERT INTO webhook_urls SELECT target, callback_url FROM webhooks
        WHERE callback_url IS NOT NULL;
    ALTER TABLE webhooks ADD COLUMN pending_key TEXT;
    ALTER TABLE webhooks ADD COLUMN pending_secret TEXT;
    """,
]


def schema_version(connection: sqlite3.Connection) -> int:
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise StateError(f"state schema version {version} is newer than this pairsync understands")
    return version


def migrate(connection: sqlite3.Connection) -> None:
    """Apply the migrations the database lacks, each in its own transaction. The version
    is read again once the write lock is held: another connection (a sync, a webhook
    opening the state at the same moment) may have applied it meanwhile."""
    version = schema_version(connection)
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        connection.execute("BEGIN IMMEDIATE")
        if schema_version(connection) >= number:
            connection.execute("COMMIT")
            continue
        for statement in filter(str.strip, script.split(";")):
            connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {number}")
        connection.execute("COMMIT")
