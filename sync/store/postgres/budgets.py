"""Rate budgets in PostgreSQL, so a Trello API key, an Asana token or a Notion
integration used by pairs on several machines stays under its published limit across all
of them (`sync.store.budgets`).

One row per limit, holding the times of the requests in its current window;
`pairsync_take_budget` (a migration of `sync.store.pgschema`) locks the row with
`SELECT … FOR UPDATE`, drops the times that left the window and takes a slot, or answers
how long until one frees. One statement, one round trip per request.

Why not pyrate-limiter's `PostgresBucket`: it locks the whole table for every acquire (so
unrelated keys wait on each other) and, under contention, its `try_acquire` fails fast
instead of waiting (its issues say so); here only the requests of one key queue, on that
key's row, and they wait. Measured side by side in `bench/SCALE.md`.
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from sync.store.budgets import Budgets


class PostgresBudgets(Budgets):
    """The limits of every machine on the database at `url`."""

    def __init__(self, url: str, max_connections: int = 4) -> None:
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_connections,
            kwargs={"autocommit": True},
            open=True,
            name="pairsync-budgets",
        )

    def try_take(self, name: str, requests: int, seconds: float) -> tuple[float, int | None]:
        with self._pool.connection() as connection:
            row = connection.execute(
                "SELECT pairsync_take_budget(%s, %s, %s)", (name, requests, seconds)
            ).fetchone()
        return (float(row[0]) if row else 0.0), None

    def close(self) -> None:
        self._pool.close()
