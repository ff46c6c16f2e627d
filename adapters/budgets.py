"""Rate budgets kept in PostgreSQL, so a Trello API key, an Asana token or a Notion
integration used by pairs on several machines stays under its published limit across all
of them (`adapters.pacing` counts within one process otherwise).

One row per limit (its name is a hash: never the credential), holding the times of the
requests in its current window; `pairsync_take_budget` (a migration of `sync.store.pgschema`)
locks the row with `SELECT … FOR UPDATE`, drops the times that left the window and takes
a slot, or answers how long until one frees. One statement, one round trip per request.

Why not pyrate-limiter's `PostgresBucket`: it locks the whole table for every acquire (so
unrelated keys wait on each other) and, under contention, its `try_acquire` fails fast
instead of waiting (its issues say so); here only the requests of one key queue, on that
key's row, and they wait. Measured side by side in `bench/SCALE.md`.
"""

from __future__ import annotations

import threading
import time

from psycopg_pool import ConnectionPool

from adapters.pacing import share_budgets


class PostgresBudgets:
    """`take(name, requests, seconds)` blocks until the named limit has a free slot."""

    def __init__(self, url: str, max_connections: int = 4) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=True,
            name="pairsync-budgets",
        )
        self._closed = threading.Event()

    def take(self, name: str, requests: int, seconds: float) -> None:
        while True:
            with self._pool.connection() as connection:
                row = connection.execute(
                    "SELECT pairsync_take_budget(%s, %s, %s)", (name, requests, seconds)
                ).fetchone()
            wait = float(row[0]) if row else 0.0
            if wait <= 0:
                return
            time.sleep(min(wait, seconds))

    def close(self) -> None:
        self._pool.close()


_IN_DATABASE: list[PostgresBudgets] = []
_IN_DATABASE_LOCK = threading.Lock()


def pace_in_database(url: str) -> None:
    """From now on count every limit of this process in the database at `url`: a
    `pairsync worker`, and a cron `pairsync sync` or `run` whose pairs keep their state
    there, so that they and the workers of every machine share each key's limit. Once
    per process (the first database asked keeps the budgets)."""
    with _IN_DATABASE_LOCK:
        if not _IN_DATABASE:
            _IN_DATABASE.append(PostgresBudgets(url))
            share_budgets(_IN_DATABASE[0])


def stop_pacing_in_database() -> None:
    """Count in this process again, and close the budgets' connections."""
    with _IN_DATABASE_LOCK:
        share_budgets(None)
        for budgets in _IN_DATABASE:
            budgets.close()
        _IN_DATABASE.clear()
