"""Rate budgets in PostgreSQL, side by side: pairsync's row per limit under `SELECT … FOR
UPDATE` (`sync.store.postgres.budgets`) against pyrate-limiter's `PostgresBucket`, with 8
clients on two connection pools (two machines) asking for slots of one limit that is
never full, so every refusal is contention, not the limit.

    python -m bench.budgets DATABASE_URL      (a migrated database: pairsync db migrate)

Prints, per approach: slots taken a second, and how many asks were refused although the
limit had room (pyrate-limiter's bucket locks its table with NOWAIT and answers False
when another client holds it).
"""

from __future__ import annotations

import sys
import threading
import time

from psycopg_pool import ConnectionPool
from pyrate_limiter import Duration, Rate, RateItem
from pyrate_limiter.buckets.postgres import PostgresBucket

from sync.store.postgres.budgets import PostgresBudgets

CLIENTS = 8
SECONDS = 5.0
ROOMY = 1_000_000
"""A limit no test here reaches: every slot asked for is free."""


def run(ask: object) -> tuple[float, int]:
    taken = [0] * CLIENTS
    refused = [0] * CLIENTS
    deadline = time.monotonic() + SECONDS

    def client(n: int) -> None:
        while time.monotonic() < deadline:
            if ask(n):  # type: ignore[operator]
                taken[n] += 1
            else:
                refused[n] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(taken) / SECONDS, sum(refused)


def main() -> int:
    url = sys.argv[1]
    rows = ["| approach | slots / s | refused with room |", "|---|---|---|"]
    pools = [PostgresBudgets(url), PostgresBudgets(url)]

    def row_lock(n: int) -> bool:
        pools[n % 2].take("bench-key", ROOMY, 10.0)
        return True

    rate, refused = run(row_lock)
    rows.append(f"| row per limit, SELECT … FOR UPDATE (pairsync) | {rate:.0f} | {refused} |")
    for budgets in pools:
        budgets.close()
    connections = [ConnectionPool(url, min_size=2, max_size=CLIENTS) for _ in range(2)]
    buckets = [
        PostgresBucket(pool, "pyrate_bench", [Rate(ROOMY, Duration.SECOND * 10)])
        for pool in connections
    ]

    def table_lock(n: int) -> bool:
        item = RateItem("bench-key", int(time.time() * 1000))
        return bool(buckets[n % 2].put(item))

    rate, refused = run(table_lock)
    rows.append(f"| pyrate-limiter PostgresBucket (table lock, NOWAIT) | {rate:.0f} | {refused} |")
    for pool in connections:
        pool.close()
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
