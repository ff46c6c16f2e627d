"""pairsync's schema in PostgreSQL (many machines), as numbered migrations like the SQLite
state's (`sync.store.schema`), applied by `pairsync db migrate`; and the place every process
learns whether a database is ready for it.

The job queue's tables are procrastinate's own: `migrate` applies its schema to a database
that has none yet, and its migration files when its version moves
(`sync.store.queueschema`). Migrations take an advisory lock, so two machines running
`pairsync db migrate` at once apply each step once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sync.contract import CheckLine
from sync.errors import ConfigError, StateError, StateUnavailable
from sync.settings import database_where, valid_database_url

try:
    import psycopg
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError:  # the `postgres` extra: one line, not a traceback
    raise ConfigError(
        ["psycopg is not installed; many machines need: pip install 'pairsync[postgres]'"]
    ) from None

LOCK_KEY = 0x70616972  # "pair": pg_advisory_xact_lock key of the migrations

MIGRATIONS: list[str] = [
    # 1: rate budgets shared by every machine: one row per (service, credential, limit),
    # named by a hash (never the credential), with the times its last requests went out
    # (replaced by 4).
    # pairsync_take_budget takes a slot under the row's lock (SELECT ... FOR UPDATE) and
    # answers 0, or how many seconds until the oldest request leaves the window. The clock
    # is the database's, so machines whose clocks differ still count one window.
    """
    CREATE TABLE pairsync_budgets (
        key TEXT PRIMARY KEY,
        sent DOUBLE PRECISION[] NOT NULL DEFAULT '{}'
    );
    CREATE FUNCTION pairsync_take_budget(_key TEXT, _limit INTEGER, _window DOUBLE PRECISION)
    RETURNS DOUBLE PRECISION LANGUAGE plpgsql AS $$
    DECLARE
        _sent DOUBLE PRECISION[];
        _now DOUBLE PRECISION;
    BEGIN
        INSERT INTO pairsync_budgets (key) VALUES (_key) ON CONFLICT (key) DO NOTHING;
        SELECT sent INTO _sent FROM pairsync_budgets WHERE key = _key FOR UPDATE;
        _now := extract(epoch FROM clock_timestamp());
        _sent := ARRAY(SELECT s FROM unnest(_sent) AS s WHERE s > _now - _window ORDER BY s);
        IF cardinality(_sent) < _limit THEN
            UPDATE pairsync_budgets SET sent = _sent || _now WHERE key = _key;
            RETURN 0;
        END IF;
        RETURN _sent[cardinality(_sent) - _limit + 1] + _window - _now;
    END $$;
    """,
    # 2: the pairs' state (`sync.store.postgres`): the SQLite state's tables, every row
    # keyed by its pair (the pair's name) first, so one pair never reads another's rows;
    # texts and times as the SQLite store keeps them, run summaries as jsonb
    """
    CREATE TABLE pairsync_meta (
        pair TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (pair, key)
    );
    CREATE TABLE pairsync_items (
        pair TEXT NOT NULL,
        item_id TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        touched_at TEXT NOT NULL,
        touched_by TEXT,
        five_whys_seeded BOOLEAN NOT NULL DEFAULT false,
        countermeasure_id TEXT,
        changed_at TEXT,
        PRIMARY KEY (pair, item_id)
    );
    CREATE TABLE pairsync_links (
        pair TEXT NOT NULL,
        item_id TEXT NOT NULL,
        target TEXT NOT NULL,
        remote_id TEXT NOT NULL,
        version TEXT NOT NULL,
        base TEXT NOT NULL,
        gone BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (pair, item_id, target),
        UNIQUE (pair, target, remote_id)
    );
    CREATE TABLE pairsync_cursors (
        pair TEXT NOT NULL, target TEXT NOT NULL, cursor TEXT NOT NULL,
        PRIMARY KEY (pair, target)
    );
    CREATE TABLE pairsync_places (
        pair TEXT NOT NULL, target TEXT NOT NULL, kind TEXT NOT NULL,
        remote_id TEXT NOT NULL, name TEXT NOT NULL,
        PRIMARY KEY (pair, target, kind)
    );
    CREATE TABLE pairsync_holds (
        pair TEXT NOT NULL, target TEXT NOT NULL, item_id TEXT NOT NULL,
        PRIMARY KEY (pair, target, item_id)
    );
    CREATE TABLE pairsync_runs (
        pair TEXT NOT NULL,
        id INTEGER NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        summary JSONB,
        PRIMARY KEY (pair, id)
    );
    CREATE TABLE pairsync_run_items (
        pair TEXT NOT NULL, run_id INTEGER NOT NULL, item_id TEXT NOT NULL,
        before TEXT, after TEXT NOT NULL,
        PRIMARY KEY (pair, run_id, item_id)
    );
    CREATE TABLE pairsync_undos (
        pair TEXT NOT NULL, run_id INTEGER NOT NULL, undid INTEGER NOT NULL,
        PRIMARY KEY (pair, run_id)
    );
    CREATE TABLE pairsync_conflicts (
        id BIGSERIAL PRIMARY KEY,
        pair TEXT NOT NULL,
        run_id INTEGER,
        at TEXT NOT NULL,
        item_id TEXT NOT NULL,
        field TEXT NOT NULL,
        winner TEXT NOT NULL,
        winner_value TEXT NOT NULL,
        loser TEXT NOT NULL,
        loser_value TEXT NOT NULL
    );
    CREATE INDEX pairsync_conflicts_by_pair ON pairsync_conflicts (pair, id);
    CREATE TABLE pairsync_agendas (
        id BIGSERIAL PRIMARY KEY, pair TEXT NOT NULL, at TEXT NOT NULL, remote TEXT
    );
    CREATE INDEX pairsync_agendas_by_pair ON pairsync_agendas (pair, id);
    CREATE TABLE pairsync_sent (
        pair TEXT NOT NULL,
        channel TEXT NOT NULL,
        key TEXT NOT NULL,
        kind TEXT NOT NULL,
        remote_id TEXT,
        digest TEXT NOT NULL,
        substance TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        closed BOOLEAN NOT NULL DEFAULT false,
        PRIMARY KEY (pair, channel, key)
    );
    CREATE TABLE pairsync_published (
        pair TEXT NOT NULL,
        document TEXT NOT NULL,
        key TEXT NOT NULL,
        remote_id TEXT,
        version TEXT,
        digest TEXT NOT NULL,
        marks JSONB NOT NULL,
        published_at TEXT NOT NULL,
        PRIMARY KEY (pair, document, key)
    );
    CREATE TABLE pairsync_publish_cursors (
        pair TEXT NOT NULL, document TEXT NOT NULL, cursor TEXT NOT NULL,
        PRIMARY KEY (pair, document)
    );
    CREATE TABLE pairsync_marks (
        pair TEXT NOT NULL, item_id TEXT NOT NULL, mark TEXT NOT NULL, until TEXT,
        PRIMARY KEY (pair, item_id, mark)
    );
    CREATE TABLE pairsync_webhooks (
        pair TEXT NOT NULL,
        target TEXT NOT NULL,
        secret TEXT,
        pending_key TEXT,
        handshake_until DOUBLE PRECISION,
        pending_secret TEXT,
        PRIMARY KEY (pair, target)
    );
    CREATE TABLE pairsync_webhook_urls (
        pair TEXT NOT NULL, target TEXT NOT NULL, callback_url TEXT NOT NULL,
        PRIMARY KEY (pair, target, callback_url)
    );
    """,
    # 3: run summaries as the text pairsync wrote: jsonb orders an object's keys its own
    # way, and a summary's targets are shown in the order the pair's file lists them
    """
    ALTER TABLE pairsync_runs ALTER COLUMN summary TYPE TEXT USING summary::text;
    """,
    # 4: a budget's request counts from its take until a window after its answer came
    # back (`sync.store.budgets`), as the SQLite budgets count: one row per request in the
    # window, still queued on its limit's row (FOR UPDATE); the array of take times goes
    """
    CREATE TABLE pairsync_budget_slots (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL,
        flying BOOLEAN NOT NULL DEFAULT true
    );
    CREATE INDEX pairsync_budget_slots_by_key ON pairsync_budget_slots (key, at);
    CREATE FUNCTION pairsync_take_slot(
        _key TEXT, _limit INTEGER, _window DOUBLE PRECISION, _stranded DOUBLE PRECISION,
        OUT wait DOUBLE PRECISION, OUT slot BIGINT
    ) LANGUAGE plpgsql AS $$
    DECLARE
        _now DOUBLE PRECISION;
        _count INTEGER;
        _oldest DOUBLE PRECISION;
    BEGIN
        INSERT INTO pairsync_budgets (key) VALUES (_key) ON CONFLICT (key) DO NOTHING;
        PERFORM 1 FROM pairsync_budgets WHERE key = _key FOR UPDATE;
        _now := extract(epoch FROM clock_timestamp());
        DELETE FROM pairsync_budget_slots WHERE key = _key
            AND at <= _now - CASE WHEN flying THEN _stranded ELSE _window END;
        SELECT count(*), min(CASE WHEN flying THEN NULL ELSE at END) INTO _count, _oldest
            FROM pairsync_budget_slots WHERE key = _key;
        IF _count < _limit THEN
            INSERT INTO pairsync_budget_slots (key, at) VALUES (_key, _now) RETURNING id INTO slot;
            wait := 0;
        ELSE
            wait := _oldest + _window - _now;
        END IF;
    END $$;
    CREATE FUNCTION pairsync_land_slot(_slot BIGINT) RETURNS VOID LANGUAGE sql AS $$
        UPDATE pairsync_budget_slots SET at = extract(epoch FROM clock_timestamp()), flying = false
        WHERE id = _slot;
    $$;
    DROP FUNCTION pairsync_take_budget(TEXT, INTEGER, DOUBLE PRECISION);
    ALTER TABLE pairsync_budgets DROP COLUMN sent;
    """,
]


def where(url: str) -> str:
    """The database a URL names, for messages: host, port and name, never a password."""
    return database_where(url)


def connect(url: str, **options: object) -> psycopg.Connection[tuple[object, ...]]:
    """A connection, or `StateUnavailable` naming the database (never the password)."""
    try:
        valid_database_url(url)
    except ValueError as exc:
        raise ConfigError([f"the database URL: {exc}"]) from None
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **options)  # type: ignore[arg-type]
    except psycopg.Error as exc:
        raise StateUnavailable(f"{where(url)}: cannot reach the database: {_reason(exc)}") from None


_POOLS: dict[str, ConnectionPool] = {}
_CURRENT: set[tuple[str, bool]] = set()
_POOLS_LOCK = threading.Lock()
POOL_SIZE = 64
"""Connections one process keeps to one database at most: its pairs' states and run
locks share them (a connection per sync would make PostgreSQL start a backend for each)."""


def checkout(url: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection from this process's pool for `url`; give it back with `checkin`."""
    require_current(url)
    with _POOLS_LOCK:
        pool = _POOLS.get(url)
        if pool is None:
            pool = ConnectionPool(
                url, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True}, open=True
            )
            _POOLS[url] = pool
    try:
        return pool.getconn(timeout=60)
    except (psycopg.Error, PoolTimeout) as exc:
        raise StateUnavailable(f"{where(url)}: cannot reach the database: {exc}") from None


def checkin(url: str, connection: psycopg.Connection[tuple[object, ...]]) -> None:
    _POOLS[url].putconn(connection)


def _reason(exc: psycopg.Error) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def version(connection: psycopg.Connection[tuple[object, ...]]) -> int:
    row = connection.execute("SELECT to_regclass('pairsync_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = connection.execute("SELECT version FROM pairsync_schema").fetchone()
    return int(str(found[0])) if found else 0


def check(url: str) -> CheckLine:
    """`pairsync check`'s line for the database: reached, and at this pairsync's version."""
    try:
        require_current(url)
    except (StateError, ConfigError) as exc:
        return CheckLine("reach", False, str(exc).splitlines()[0])
    return CheckLine("reach", True, f"{where(url)}: schema version {len(MIGRATIONS)}")


def require_current(url: str, *, queue: bool = False) -> None:
    """`StateError` (exit 2) unless `pairsync db migrate` has brought the database to this
    pairsync's version, and with `queue` the job queue to the installed procrastinate's
    (asked once per process)."""
    if (url, queue) in _CURRENT:
        return
    with connect(url) as connection:
        found = version(connection)
        behind = _queue_behind(connection) if queue else []
    if found > len(MIGRATIONS):
        raise StateError(
            f"{where(url)}: schema version {found} is newer than this pairsync understands"
        )
    if found < len(MIGRATIONS):
        raise StateError(
            f"{where(url)}: the database is at schema version {found}, this pairsync needs "
            f"{len(MIGRATIONS)}; run: pairsync db migrate --database URL"
        )
    if behind:
        raise StateError(
            f"{where(url)}: the job queue lacks {len(behind)} of the installed procrastinate's "
            f"migrations ({behind[0]}, …); run: pairsync db migrate --database URL"
        )
    _CURRENT.add((url, queue))


def _queue_behind(connection: psycopg.Connection[tuple[object, ...]]) -> list[str]:
    from sync.store import queueschema

    return queueschema.missing(connection)


@dataclass(frozen=True)
class Migrated:
    before: int
    after: int
    queue: list[str] | None
    """The job queue's migration files applied (procrastinate's, `sync.store.queueschema`);
    None: the queue was made."""


def migrate(url: str) -> Migrated:
    """Bring pairsync's tables to the current version and the job queue to the installed
    procrastinate's; safe to run again, and on two machines at once (one waits)."""
    from sync.store import queueschema

    with connect(url) as connection:
        connection.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))  # over every step
        try:
            queue = queueschema.upgrade(connection)
            with connection.transaction():
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS pairsync_schema (version INTEGER NOT NULL)"
                )
                before = version(connection)
                if before > len(MIGRATIONS):
                    raise StateError(
                        f"{where(url)}: schema version {before} is newer than this pairsync "
                        "understands"
                    )
                for script in MIGRATIONS[before:]:
                    connection.execute(script)
                connection.execute("DELETE FROM pairsync_schema")
                connection.execute("INSERT INTO pairsync_schema VALUES (%s)", (len(MIGRATIONS),))
        finally:
            connection.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))
    return Migrated(before, len(MIGRATIONS), queue)
