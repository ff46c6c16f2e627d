"""`pairsync db migrate` and the job queue's schema: a new database gets procrastinate's
whole schema; a queue made by an older procrastinate gets the migration files it lacks,
once, and ends as a new database's; a worker refuses a queue that lacks one."""

from __future__ import annotations

from pathlib import Path

import psycopg

from sync.store import queueschema
from tests.cli_run import pairsync
from tests.postgres import PAIR

OLD_QUEUE = Path(__file__).parent / "data" / "procrastinate-3.0.2-schema.sql"
SCHEMA = {
    "columns": "SELECT table_name, column_name, data_type, column_default, is_nullable "
    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "functions": "SELECT p.proname, pg_get_function_identity_arguments(p.oid), "
    "regexp_replace(pg_get_functiondef(p.oid), '\\s+', ' ', 'g') FROM pg_proc p "
    "WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1, 2",
    "enums": "SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) "
    "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY 1 ORDER BY 1",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "triggers": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal ORDER BY 1",
    "constraints": "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1",
}


def schema_of(url: str) -> dict[str, list[tuple[object, ...]]]:
    with psycopg.connect(url) as db:
        return {what: db.execute(query).fetchall() for what, query in SCHEMA.items()}


def migrate(url: str, cwd: Path) -> list[str]:
    result = pairsync("db", "migrate", "--database", url, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return [line.split(": ", 1)[1] for line in result.stdout.splitlines()]


def test_a_new_database_gets_the_whole_queue_and_a_second_migrate_does_nothing(
    database_url: str, tmp_path: Path
) -> None:
    version = queueschema.installed()
    assert migrate(database_url, tmp_path) == [
        "schema version 0 -> 4",
        f"job queue made (procrastinate {version})",
    ]
    before = schema_of(database_url)
    assert migrate(database_url, tmp_path) == [
        "schema version 4, up to date",
        f"job queue up to date (procrastinate {version})",
    ]
    assert schema_of(database_url) == before


def test_a_queue_of_an_older_procrastinate_gets_its_migrations_once_and_matches_a_new_one(
    database_url: str, second_database: str, tmp_path: Path
) -> None:
    with psycopg.connect(database_url, autocommit=True) as db:  # made with 3.0.2
        db.execute(OLD_QUEUE.read_text())
        db.execute(
            "CREATE TABLE pairsync_queue_migrations "
            "(name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        for name in queueschema.shipped():
            if name < "03.00.03":  # every file of 3.0.2 and before is in its schema.sql
                db.execute("INSERT INTO pairsync_queue_migrations (name) VALUES (%s)", (name,))
    version = queueschema.installed()
    applied = migrate(database_url, tmp_path)
    assert applied[0] == "schema version 0 -> 4"
    files = [line.split()[3] for line in applied[1:]]
    assert applied[1:] == [f"job queue: applied {name} (procrastinate {version})" for name in files]
    assert files == [name for name in queueschema.shipped() if name > "03.00.03"]
    assert "03.01.00_01_pre_add_heartbeat.sql" in files  # what the workers' heartbeats need
    assert migrate(database_url, tmp_path)[1] == f"job queue up to date (procrastinate {version})"
    assert schema_of(database_url) == schema_of(second_database)  # as a new database's

    with psycopg.connect(database_url, autocommit=True) as db:  # as if one had not run
        db.execute("DELETE FROM pairsync_queue_migrations WHERE name = %s", (files[-1],))
    (tmp_path / "pairs").mkdir()
    (tmp_path / "pairs" / "solo.toml").write_text(PAIR)
    refused = pairsync(
        "worker", "--database", database_url, "--config-dir", str(tmp_path / "pairs"), cwd=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr.endswith(
        f"the job queue lacks 1 of the installed procrastinate's migrations ({files[-1]}, …); "
        "run: pairsync db migrate --database URL\n"
    ), refused.stderr
