"""Rate budgets in PostgreSQL: two processes' worth of clients sharing one limit never
exceed it in any window, and one limit's queue does not hold up another's."""

from __future__ import annotations

import threading
import time

from adapters.budgets import PostgresBudgets
from tests.cli_run import ROOT, pairsync


def test_clients_of_one_limit_on_two_pools_stay_within_it(database_url: str) -> None:
    assert pairsync("db", "migrate", "--database", database_url, cwd=ROOT).returncode == 0
    machines = [PostgresBudgets(database_url), PostgresBudgets(database_url)]
    sent: list[float] = []
    lock = threading.Lock()

    def client(budgets: PostgresBudgets) -> None:
        for _ in range(6):
            budgets.take("key-a", 5, 1.0)
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(m,)) for m in machines for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # times taken here, a little after the database's: a window slightly shorter than 1 s
    busiest = max(sum(1 for t in sent if start <= t < start + 0.9) for start in sent)
    assert len(sent) == 24
    assert busiest <= 5, sorted(sent)
    started = time.monotonic()
    machines[0].take("key-b", 5, 1.0)  # another limit: free at once, whatever key-a owes
    assert time.monotonic() - started < 0.5
    for budgets in machines:
        budgets.close()
