"""The store on PostgreSQL, for many machines: the same tables as the SQLite store, in one
database for every pair, each row keyed by its pair first, so a state opened for one
pair reads and writes that pair's rows only (`PostgresState(url, pair)`).

Writes happen in `transaction()`, which also takes the pair's advisory lock for the
transaction, so two writers of one pair queue as they do on SQLite's write lock; writers
of different pairs never wait for each other. Reads outside a transaction see what is
committed (autocommit), as SQLite's do. Schema: `sync.store.pgschema`, by `pairsync db
migrate`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg

from sync.errors import StateError, StateUnavailable
from sync.store import pgschema
from sync.store.postgres.board import BoardTables
from sync.store.postgres.outbox import OutboxTables
from sync.store.postgres.runs import RunTables
from sync.store.state import State


class PostgresState(BoardTables, RunTables, OutboxTables, State):
    def __init__(self, connection: psycopg.Connection[Any], url: str, pair: str) -> None:
        self.db = connection
        self.url = url
        self.pair = pair

    @classmethod
    def connect(cls, url: str, pair: str) -> PostgresState:
        """The state of `pair` in the database at `url` (migrated: `pairsync db migrate`)."""
        return cls(pgschema.checkout(url), url, pair)

    @classmethod
    def open(cls, path: Path) -> State:
        raise StateError(f"{path}: a PostgreSQL state is opened by its URL and pair")

    @classmethod
    def open_for_reading(cls, path: Path) -> State:
        return cls.open(path)

    @classmethod
    def in_memory(cls) -> State:
        return State.in_memory()

    def close(self) -> None:
        pgschema.checkin(self.url, self.db)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            self.db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (self.pair,))
            yield

    def unavailable(self, exc: BaseException) -> StateUnavailable | None:
        if isinstance(exc, psycopg.OperationalError):
            return StateUnavailable(
                f"{pgschema.where(self.url)}: cannot use the state database ({exc}); "
                "left as it is: run again when it answers"
            )
        return None

    def claim(self, pair: str, where: Path) -> None:
        row = self.one("SELECT value FROM pairsync_meta WHERE pair = %s AND key = 'pair'")
        if row is None:
            with self.transaction():
                self.run(
                    "INSERT INTO pairsync_meta VALUES (%s, 'pair', %s) ON CONFLICT DO NOTHING",
                    pair,
                )
        elif row[0] != pair:
            raise StateError(
                f"{where}: this state belongs to pair {row[0]!r}, not {pair!r}; "
                "give each pair its own name"
            )
