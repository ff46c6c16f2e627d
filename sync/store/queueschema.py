"""The job queue's schema (procrastinate's own tables), kept at the installed
procrastinate's version by `pairsync db migrate`.

procrastinate ships its whole schema (`schema.sql`) and, for each release that changes
it, SQL files named `xx.yy.zz_nn_[pre|post_]what.sql` (the release they belong to, then
their order); which of them a database has had is left to its user (its documentation,
"Migrate the Procrastinate schema"). pairsync keeps their names in
`pairsync_queue_migrations`: a new queue gets `schema.sql` and every shipped name as done;
afterwards each shipped file without its row is applied in name order (release, then
serial: `pre` before `post`), each in a transaction of its own with its row, since some
add enum values that a later statement of the same transaction may not use.

Pre and post migrations are applied together: procrastinate's way "with service
interruption" (stop the workers and serve, upgrade pairsync, `pairsync db migrate`,
start them again). A queue made before this table existed was made by a pairsync whose
procrastinate shipped the same files (none has come since 3.4; pairsync asks for 3.5 or
newer), so its names are recorded as they are, and nothing is applied to it.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import psycopg
from procrastinate.schema import SchemaManager

TRACKING = "pairsync_queue_migrations"
Connection = psycopg.Connection[tuple[object, ...]]


def shipped(folder: Path | None = None) -> list[str]:
    """The migration files the installed procrastinate ships, in the order they apply."""
    return sorted(path.name for path in (folder or _folder()).glob("*.sql"))


def upgrade(connection: Connection, folder: Path | None = None) -> list[str] | None:
    """Bring the queue to the installed procrastinate's schema (the caller holds the
    migrations' lock); the names of the files applied, or None: a new queue, made with the
    whole schema."""
    folder = folder or _folder()
    with connection.transaction():
        tracked = _exists(connection, TRACKING)
        queue = _exists(connection, "procrastinate_jobs")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS pairsync_queue_migrations ("
            "name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        if not queue:
            connection.execute(SchemaManager.get_schema())
        if not (queue and tracked):
            _record(connection, shipped(folder))
            return None if not queue else []
    applied = []
    for name in missing(connection, folder):
        with connection.transaction():
            # procrastinate's own SQL, as its schema.sql is run: vouched for by the library
            connection.execute((folder / name).read_text(encoding="utf-8"))
            _record(connection, [name])
        applied.append(name)
    return applied


def missing(connection: Connection, folder: Path | None = None) -> list[str]:
    """The shipped files this queue has not had (all of them: no queue yet)."""
    if not _exists(connection, TRACKING):
        return shipped(folder) if not _exists(connection, "procrastinate_jobs") else []
    done = {str(row[0]) for row in connection.execute("SELECT name FROM pairsync_queue_migrations")}
    return [name for name in shipped(folder) if name not in done]


def _record(connection: Connection, names: list[str]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO pairsync_queue_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
            [(name,) for name in names],
        )


def _exists(connection: Connection, table: str) -> bool:
    row = connection.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    return bool(row and row[0])


def installed() -> str:
    """The installed procrastinate's version, for messages."""
    return metadata.version("procrastinate")


def _folder() -> Path:
    return Path(SchemaManager.get_migrations_path())
