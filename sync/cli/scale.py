"""Commands for many machines: `pairsync worker` and `pairsync db migrate | import`.
They need the `postgres` extra (psycopg, procrastinate); without it, one line says so."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from sync.cli.app import DatabaseOption, app, guarded, report_pairs
from sync.errors import ConfigError
from sync.run.pairs import parse_interval
from sync.settings import process_settings, use_database, valid_database_url

EXTRA = "pip install 'pairsync[postgres]'"


def optional_database(given: str | None) -> str | None:
    """The database URL: the option (which then stands for PAIRSYNC_DATABASE_URL in this
    process: `use_database`), else PAIRSYNC_DATABASE_URL, else None; when there is one,
    the `postgres` extra must be installed."""
    if given:
        try:
            use_database(valid_database_url(given))
        except ValueError as exc:
            raise ConfigError([f"--database: {exc}"]) from None
    url = process_settings().database_url
    if url:
        for module in ("psycopg", "procrastinate"):
            if importlib.util.find_spec(module) is None:
                raise ConfigError([f"{module} is not installed; many machines need: {EXTRA}"])
    return url


def database(given: str | None) -> str:
    url = optional_database(given)
    if not url:
        raise ConfigError(["--database: give a PostgreSQL URL (or set PAIRSYNC_DATABASE_URL)"])
    return url


@app.command()
def worker(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    database_url: DatabaseOption = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=200, help="Syncs this process runs at once.")
    ] = 8,
    every: Annotated[str, typer.Option(help="Each pair syncs this often: 30s, 15m, 1h.")] = "15m",
) -> None:
    """Take the pairs' syncs from the job queue in PostgreSQL (run any number of these, on
    any number of machines, with the same pair files); SIGTERM lets running syncs finish."""

    def body() -> None:
        from sync.jobs.worker import run_worker

        url = database(database_url)
        run_worker(
            url,
            config_dir,
            concurrency=concurrency,
            every_seconds=parse_interval(every),
            every=every,
            report=lambda result: report_pairs([result], False),
            say=lambda line: typer.echo(line, err=True),
        )

    guarded(body)


db_app = typer.Typer(no_args_is_help=True, help="The PostgreSQL database of many machines.")
app.add_typer(db_app, name="db")


@db_app.command("migrate")
def db_migrate(database_url: DatabaseOption = None) -> None:
    """Create or upgrade pairsync's tables and the job queue's (safe to run again)."""

    def body() -> None:
        from sync.store import pgschema, queueschema

        url = database(database_url)
        done = pgschema.migrate(url)
        where = pgschema.where(url)
        if done.before == done.after:
            typer.echo(f"{where}: schema version {done.after}, up to date")
        else:
            typer.echo(f"{where}: schema version {done.before} -> {done.after}")
        procrastinate = f"procrastinate {queueschema.installed()}"
        if done.queue is None:
            typer.echo(f"{where}: job queue made ({procrastinate})")
        elif not done.queue:
            typer.echo(f"{where}: job queue up to date ({procrastinate})")
        for name in done.queue or []:
            typer.echo(f"{where}: job queue: applied {name} ({procrastinate})")

    guarded(body)


@db_app.command("import")
def db_import(
    config_dir: Annotated[Path, typer.Option("--config-dir", file_okay=False)],
    database_url: DatabaseOption = None,
) -> None:
    """Copy each pair's SQLite state into PostgreSQL; a pair already there is left as it
    is (running it again changes nothing)."""

    def body() -> None:
        from sync.config import load_config
        from sync.run.pairs import config_files
        from sync.store import pgschema
        from sync.store.postgres.importer import import_pair

        url = database(database_url)
        pgschema.require_current(url)
        for path in config_files(config_dir):
            typer.echo(import_pair(load_config(path), url))

    guarded(body)
