"""Rate budgets kept by the store (`sync.store.budgets`), one contract for both backends:
two processes' (SQLite, one file) or two machines' (PostgreSQL, two pools) clients of one
limit never exceed it in any window, and one limit's queue does not hold up another's."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sync.store.budgets import Budgets
from sync.store.sqlite.budgets import SqliteBudgets


def _postgres(folder: Path, request: pytest.FixtureRequest) -> Budgets:
    from sync.store.postgres.budgets import PostgresBudgets

    return PostgresBudgets(request.getfixturevalue("migrated_database"))


BUDGETS: dict[str, Callable[[Path, pytest.FixtureRequest], Budgets]] = {
    "sqlite": lambda folder, _: SqliteBudgets(folder / "budgets.sqlite"),
    "postgres": _postgres,
}
"""Backend name -> how one process or machine opens the budgets a test's folder shares."""


@pytest.mark.parametrize("backend", sorted(BUDGETS))
def test_clients_of_one_limit_in_two_places_stay_within_it(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    places = [BUDGETS[backend](tmp_path, request) for _ in range(2)]
    sent: list[float] = []
    lock = threading.Lock()

    def client(budgets: Budgets) -> None:
        for _ in range(6):
            budgets.take("key-a", 5, 1.0)
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(p,)) for p in places for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # times taken here, a little after the store's: a window slightly shorter than 1 s
    busiest = max(sum(1 for t in sent if start <= t < start + 0.9) for start in sent)
    assert len(sent) == 24
    assert busiest <= 5, sorted(sent)
    started = time.monotonic()
    places[0].take("key-b", 5, 1.0)  # another limit: free at once, whatever key-a owes
    assert time.monotonic() - started < 0.5
    for budgets in places:
        budgets.close()


@pytest.mark.parametrize("backend", sorted(BUDGETS))
def test_requests_that_arrive_late_never_put_more_than_the_limit_in_a_window(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A loaded machine holds up a thread between its slot and its request, so requests
    arrive out of order: every 4th here spends 0.7 s of a 1 s window on its way. Counted
    from their answers (`landed`), the arrivals of two processes' clients still fit the
    limit in every window; counted from their takes, one window held 6 of 5."""
    places = [BUDGETS[backend](tmp_path, request) for _ in range(2)]
    arrived: list[float] = []
    lock = threading.Lock()

    def client(budgets: Budgets, late: bool) -> None:
        for n in range(8):
            with budgets.slot("key-a", 5, 1.0):
                time.sleep(0.7 if late and n % 2 else 0.01)  # on its way
                with lock:
                    arrived.append(time.monotonic())

    threads = [threading.Thread(target=client, args=(places[n % 2], n < 2)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    busiest = max(sum(1 for t in arrived if start <= t < start + 1.0) for start in arrived)
    assert len(arrived) == 32
    assert busiest <= 5, sorted(arrived)
    for budgets in places:
        budgets.close()


def test_a_process_that_opens_new_budgets_while_another_creates_them_joins(
    tmp_path: Path,
) -> None:
    """Workers forked together open the run's new budgets file at the same moment; one
    that finds the other's lock on it waits for it, where it used to fail and take the
    whole pool of workers (every pair of the run) down with it."""
    path = tmp_path / "budgets.sqlite"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE being_made (at REAL)")
    joined: list[SqliteBudgets] = []
    failed: list[Exception] = []

    def join() -> None:
        try:
            joined.append(SqliteBudgets(path))
        except Exception as exc:
            failed.append(exc)

    opener = threading.Thread(target=join)
    opener.start()
    time.sleep(0.3)
    other.execute("COMMIT")
    other.close()
    opener.join(10)
    assert not failed, failed
    (budgets,) = joined
    try:
        assert budgets.try_take("token", 1, 10.0)[1] is not None
    finally:
        budgets.close()
