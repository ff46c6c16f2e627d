"""The default store backend: one SQLite file per pair (WAL mode, mode 600, folder 700),
every statement in this package. A file SQLite calls damaged is moved aside, never
overwritten; a full disk or a permission problem leaves it where it is.

Commits do not wait for the disk (`synchronous=NORMAL`, WAL's recommended setting): a
commit survives the process being killed at any point, the crash safety a run relies
on; only a power loss may roll back the last commits, which leaves the state behind the
tools, and the next run re-links what it wrote through their footers. A settled pair's
commits cost about a millisecond of CPU less this way (two thirds of its state's cost)."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.errors import StateError, StateReadOnly, StateUnavailable
from sync.store.sqlite.board import BoardTables
from sync.store.sqlite.outbox import OutboxTables
from sync.store.sqlite.runs import RunTables
from sync.store.sqlite.schema import MIGRATIONS, migrate, schema_version
from sync.store.state import State


class SqliteState(BoardTables, RunTables, OutboxTables, State):
    def __init__(self, connection: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
        self.db = connection
        self.path = path
        self.read_only = read_only

    @classmethod
    def open(cls, path: Path) -> State:
        if path.exists() and not os.access(path, os.W_OK):
            raise StateReadOnly(
                f"{path}: the state database is read-only; a sync must write it "
                "(give the user running pairsync write access to it and its folder)"
            )
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not path.exists():
                path.touch(mode=0o600)
            connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        except (OSError, sqlite3.Error) as exc:
            raise unavailable(path, exc) from None
        try:
            return cls._prepare(connection, path)
        except sqlite3.DatabaseError as exc:
            connection.close()
            if is_unavailable(exc):
                raise unavailable(path, exc) from None
            if not is_corrupt(exc):
                raise
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            path.rename(aside)
            raise StateError(
                f"{path}: the state database is damaged ({exc}); moved it to {aside.name}. "
                "Run again to rebuild the state from the tools' link-back footers."
            ) from None

    @classmethod
    def open_for_reading(cls, path: Path) -> State:
        if os.access(path, os.W_OK):
            return cls.open(path)
        try:
            connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
            version = schema_version(connection)
        except sqlite3.Error as exc:
            raise StateError(f"{path}: cannot read the state database: {exc}") from None
        if version < len(MIGRATIONS):
            connection.close()
            raise StateReadOnly(
                f"{path}: the state database is read-only and needs an upgrade; "
                "run pairsync sync once with write access to it"
            )
        return cls(connection, path, read_only=True)

    @classmethod
    def in_memory(cls) -> State:
        return cls._prepare(sqlite3.connect(":memory:", isolation_level=None), Path(":memory:"))

    @classmethod
    def _prepare(cls, connection: sqlite3.Connection, path: Path) -> SqliteState:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        migrate(connection)
        return cls(connection, path)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def unavailable(self, exc: BaseException) -> StateUnavailable | None:
        if isinstance(exc, sqlite3.Error) and is_unavailable(exc):
            return unavailable(self.path, exc)
        return None

    def claim(self, pair: str, where: Path) -> None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'pair'").fetchone()
        if row is None and not self.read_only:
            with self.transaction():
                self.db.execute("INSERT INTO meta VALUES ('pair', ?)", (pair,))
        elif row is not None and row[0] != pair:
            raise StateError(
                f"{where}: this state database belongs to pair {row[0]!r}, not {pair!r}; "
                "give each pair its own [state] path"
            )


def is_corrupt(exc: sqlite3.Error) -> bool:
    """SQLite's own verdict: the file is damaged or not a database (not: full, I/O, locked)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


_UNAVAILABLE = {
    getattr(sqlite3, f"SQLITE_{name}")
    for name in ("FULL", "IOERR", "CANTOPEN", "READONLY", "PERM", "BUSY", "LOCKED", "NOMEM")
}


def is_unavailable(exc: sqlite3.Error) -> bool:
    """A healthy database that cannot be used now: disk full, I/O, permissions, locked."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _UNAVAILABLE


def unavailable(path: Path, exc: OSError | sqlite3.Error) -> StateUnavailable:
    """The one line for a state database that cannot be used right now."""
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StateUnavailable(
        f"{path}: cannot use the state database ({reason}); left as it is: free space or "
        "fix permissions, then run again"
    )
