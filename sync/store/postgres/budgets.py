"""Rate budgets in PostgreSQL, so a Trello API key, an Asana token or a Notion
integration used by pairs on several machines stays under its published limit across all
of them (`sync.store.budgets`).

One row per request in the window, as in the SQLite budgets (`sync.store.sqlite.budgets`
says why a request counts until a window after its answer): `pairsync_take_slot` (a
migration of `sync.store.pgschema`) queues the takes of one limit on its row of
`pairsync_budgets` (`SELECT … FOR UPDATE`), drops the requests that left the window and
takes a slot, or answers how long until one frees; `pairsync_land_slot` starts the
window of a request whose answer came back. Two round trips per request; the clock is
the database's, so machines whose clocks differ still count one window.

Why not pyrate-limiter's `PostgresBucket`: it locks the whole table for every acquire (so
unrelated keys wait on each other) and, under contention, its `try_acquire` fails fast
instead of waiting (its issues say so); here only the requests of one key queue, on that
key's row, and they wait. Measured side by side in `bench/SCALE.md`.
"""

from __future__ import annotations

from psycopg_pool import ConnectionPool

from sync.store.budgets import POLL, STRANDED, Budgets


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
                "SELECT wait, slot FROM pairsync_take_slot(%s, %s, %s, %s)",
                (name, requests, seconds, STRANDED),
            ).fetchone()
        wait, slot = row if row else (None, None)
        if slot is not None:
            return 0.0, int(slot)
        return (POLL if wait is None else max(float(wait), POLL)), None

    def landed(self, slot: int) -> None:
        with self._pool.connection() as connection:
            connection.execute("SELECT pairsync_land_slot(%s)", (slot,))

    def close(self) -> None:
        self._pool.close()
