"""Rate budgets in a SQLite file, so the processes of one machine (`--processes N`) pace
a shared Trello API key or token, or an Asana token, as one (`sync.store.budgets`).

One row per request in the window. A take is one `BEGIN IMMEDIATE` transaction: SQLite's
own file lock makes every process of the machine queue for it, the rows of the window
are counted and one more is written, or the time until the oldest one leaves the window
is answered, and nothing is taken. The file holds nothing that must survive a crash
(`synchronous=OFF`).

A request counts from its take until a window after its answer came back (`landed`),
not a window after its take: the service counts it when it arrives, somewhere in
between, and on a loaded machine a thread that took a slot may send its request a
second later, after requests that took their slots after it (two processes on one
Trello key met its limit so, 1-2 times in 2 of 3 runs on a loaded machine). Counted so,
no window of arrivals holds more than the limit, however late each request goes: the
last of them to take its slot found every other one in flight or landed less than a
window before. The clock is `time.monotonic`, one for every process of the machine and
never set back. A request whose process died in flight stops counting `STRANDED`
seconds after its take.

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

from sync.store.budgets import POLL, STRANDED, Budgets

_SCHEMA = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=OFF",
    "CREATE TABLE IF NOT EXISTS taken "
    "(name TEXT NOT NULL, at REAL NOT NULL, flying INTEGER NOT NULL DEFAULT 1)",
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
            self._make_schema(time.monotonic() + 60)

    def _make_schema(self, deadline: float) -> None:
        """The table, waiting for the processes that open the new file at the same moment:
        SQLite answers a change of journal mode under another's lock at once, without its
        busy timeout (two forked workers starting together met it about one time in
        twelve, and the run's every pair failed with its pool)."""
        while True:
            try:
                for statement in _SCHEMA:
                    self._db.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", None) in (
                    sqlite3.SQLITE_BUSY,
                    sqlite3.SQLITE_LOCKED,
                )
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(POLL)

    def try_take(self, name: str, requests: int, seconds: float) -> tuple[float, int | None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            now = time.monotonic()  # once the file is ours: no later take was written before
            try:
                self._db.execute(
                    "DELETE FROM taken WHERE name = ? "
                    "AND at <= ? - CASE WHEN flying THEN ? ELSE ? END",
                    (name, now, STRANDED, seconds),
                )
                count, oldest = self._db.execute(
                    "SELECT COUNT(*), MIN(CASE WHEN flying THEN NULL ELSE at END) "
                    "FROM taken WHERE name = ?",
                    (name,),
                ).fetchone()
                taken = None
                if count < requests:
                    taken = self._db.execute("INSERT INTO taken VALUES (?, ?, 1)", (name, now))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if taken is not None:
            return 0.0, taken.lastrowid
        return (POLL if oldest is None else max(float(oldest) + seconds - now, POLL)), None

    def landed(self, slot: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE taken SET at = ?, flying = 0 WHERE rowid = ?", (time.monotonic(), slot)
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
