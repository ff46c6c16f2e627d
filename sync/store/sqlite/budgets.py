"""Rate budgets in a SQLite file, so the processes of one machine (`--processes N`) pace
a shared Trello API key or token, or an Asana token, as one (`sync.store.budgets`).

One row per request in the window. A take is one `BEGIN IMMEDIATE` transaction: SQLite's
own file lock makes every process of the machine queue for it, the rows of the window
are counted and one more is written, or the time until the oldest one leaves the window
is answered, and nothing is taken. The file holds nothing that must survive a crash
(`synchronous=OFF`).

Why not pyrate-limiter's `SQLiteBucket`: it makes a table per limit (60,000 tables for
20,000 pairs' credentials) and leaks each of them from a background thread every ten
seconds; here one indexed table serves every limit and a take removes only its own
limit's old rows.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from sync.store.budgets import Budgets

_SCHEMA = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=OFF",
    "CREATE TABLE IF NOT EXISTS taken (name TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS taken_by_name ON taken (name, at)",
)


class SqliteBudgets(Budgets):
    """The limits of every process that opened the same file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        """One connection per process: the file lock serialises the takes anyway."""
        with self._lock:
            for statement in _SCHEMA:
                self._db.execute(statement)

    def try_take(self, name: str, requests: int, seconds: float) -> float:
        """The clock is the machine's, which every process shares (a time a window ahead of
        it, from a clock set back, is dropped)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            now = time.time()  # once the file is ours: no later take was written before it
            try:
                self._db.execute(
                    "DELETE FROM taken WHERE name = ? AND (at <= ? OR at > ?)",
                    (name, now - seconds, now + seconds),
                )
                count, oldest = self._db.execute(
                    "SELECT COUNT(*), MIN(at) FROM taken WHERE name = ?", (name,)
                ).fetchone()
                if count < requests:
                    self._db.execute("INSERT INTO taken VALUES (?, ?)", (name, now))
                    wait = 0.0
                else:
                    wait = float(oldest) + seconds - now
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return wait

    def close(self) -> None:
        with self._lock:
            self._db.close()
