"""Where a pair's state lives, for every command that opens it: its SQLite file
(`[state] path`, the default), or PostgreSQL (`[state] url` or PAIRSYNC_DATABASE_URL,
keyed by the pair's name); and the lock that keeps two runs of one pair apart: the lock
file beside the SQLite file, or a PostgreSQL advisory lock that every machine sees."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sync.config import PairConfig
from sync.errors import ConfigError, LockHeld, StateError
from sync.run.lock import pair_lock
from sync.settings import process_settings
from sync.store.state import State

log = logging.getLogger("pairsync")


def open_state(config: PairConfig, *, reading: bool = False) -> State:
    """The pair's state; `reading`: for commands that only read (never migrated)."""
    if config.state_url is not None:
        from sync.store.postgres import PostgresState

        with naming_the_key(config):
            return PostgresState.connect(config.state_url, config.pair.name)
    if reading:
        return State.open_for_reading(config.state_path)
    return State.open(config.state_path)


def has_state(config: PairConfig) -> bool:
    """Whether the pair may have synced: its file exists, or its state is in a database."""
    return config.state_url is not None or config.state_path.exists()


@contextmanager
def naming_the_key(config: PairConfig) -> Iterator[None]:
    """A database that cannot be used says which setting named it (`[state] url` in the
    pair's file, or PAIRSYNC_DATABASE_URL): one line, the same exit code."""
    try:
        yield
    except (StateError, ConfigError) as exc:
        line = f"{config.state_url_key}: {str(exc).splitlines()[0]}"
        raise (ConfigError([line]) if isinstance(exc, ConfigError) else type(exc)(line)) from None


@contextmanager
def run_lock(config: PairConfig, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold the pair's run lock; wait up to `wait_seconds` (default $PAIRSYNC_LOCK_WAIT)
    for another run of the pair, on any machine, then give up (`LockHeld`)."""
    if config.state_url is None:
        with pair_lock(config.state_path, wait_seconds):
            yield
        return
    from sync.store import pgschema

    if wait_seconds is None:
        wait_seconds = process_settings().lock_wait
    key = f"pairsync run {config.pair.name}"
    with naming_the_key(config):
        connection = pgschema.checkout(config.state_url)
    try:
        deadline = time.monotonic() + wait_seconds
        waiting = False
        while True:
            row = connection.execute(
                "SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)
            ).fetchone()
            if row and row[0]:
                break
            if not waiting:
                log.info("%s: another run of this pair holds its lock; waiting", config.pair.name)
                waiting = True
            if time.monotonic() >= deadline:
                raise LockHeld(
                    f"{config.pair.name}: another pairsync run of this pair is still going "
                    f"(its lock is in {pgschema.where(config.state_url)}); this run gave up "
                    f"after waiting {wait_seconds:g} s (the next scheduled run will catch up)"
                )
            time.sleep(0.1)
        try:
            yield
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
    finally:
        pgschema.checkin(config.state_url, connection)
