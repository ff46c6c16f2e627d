"""pairsync's schema in PostgreSQL (many machines), as numbered migrations like the SQLite
state's (`sync.store.schema`), applied by `pairsync db migrate`; and the place every process
learns whether a database is ready for it.

The job queue's tables are procrastinate's own: `migrate` applies its schema once, to a
database that has none yet. Migrations take an advisory lock, so two machines running
`pairsync db migrate` at once apply each step once.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import psycopg

from sync.errors import ConfigError, StateError, StateUnavailable

LOCK_KEY = 0x70616972  # "pair": pg_advisory_xact_lock key of the migrations

MIGRATIONS: list[str] = [
    # 1: rate budgets shared by every machine: one row per (service, credential, limit),
    # named by a hash (never the credential), with the times its last requests went out.
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
]


def where(url: str) -> str:
    """The database a URL names, for messages: host, port and name, never a password."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{host}{port}{parts.path or '/'}"


def connect(url: str, **options: object) -> psycopg.Connection[tuple[object, ...]]:
    """A connection, or `StateUnavailable` naming the database (never the password)."""
    if urlsplit(url).scheme not in ("postgres", "postgresql"):
        raise ConfigError([f"{where(url)}: a database URL starts with postgresql://"])
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **options)  # type: ignore[arg-type]
    except psycopg.Error as exc:
        raise StateUnavailable(f"{where(url)}: cannot reach the database: {_reason(exc)}") from None


def _reason(exc: psycopg.Error) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(exc).__name__


def version(connection: psycopg.Connection[tuple[object, ...]]) -> int:
    row = connection.execute("SELECT to_regclass('pairsync_schema') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    found = connection.execute("SELECT version FROM pairsync_schema").fetchone()
    return int(str(found[0])) if found else 0


def require_current(url: str) -> None:
    """`StateError` (exit 2) unless `pairsync db migrate` has brought the database to this
    pairsync's version."""
    with connect(url) as connection:
        found = version(connection)
    if found > len(MIGRATIONS):
        raise StateError(
            f"{where(url)}: schema version {found} is newer than this pairsync understands"
        )
    if found < len(MIGRATIONS):
        raise StateError(
            f"{where(url)}: the database is at schema version {found}, this pairsync needs "
            f"{len(MIGRATIONS)}; run: pairsync db migrate --database URL"
        )


def migrate(url: str) -> tuple[int, int]:
    """Bring the database to the current version: (version before, version after)."""
    from procrastinate import schema as queue_schema

    with connect(url) as connection, connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        connection.execute("CREATE TABLE IF NOT EXISTS pairsync_schema (version INTEGER NOT NULL)")
        before = version(connection)
        if before > len(MIGRATIONS):
            raise StateError(
                f"{where(url)}: schema version {before} is newer than this pairsync understands"
            )
        has_queue = connection.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
        if not (has_queue.fetchone() or (False,))[0]:
            connection.execute(queue_schema.SchemaManager.get_schema())
        for script in MIGRATIONS[before:]:
            connection.execute(script)
        connection.execute("DELETE FROM pairsync_schema")
        connection.execute("INSERT INTO pairsync_schema VALUES (%s)", (len(MIGRATIONS),))
    return before, len(MIGRATIONS)
