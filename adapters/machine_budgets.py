"""The processes of one machine's run (`--processes N`) pace a shared Trello API key or
token, or an Asana token, as one: each counts every limit in one SQLite file
(`sync.store.sqlite.budgets`), as `adapters.pacing` counts across the threads of one
process, and takes a 1/N share of each cap on writes in flight. PostgreSQL does the same
across machines (`sync.store.postgres.budgets`: `join_database`, for `pairsync worker` and
for a cron `pairsync sync` or `run` whose pairs keep their state there)."""

from __future__ import annotations

import threading
from pathlib import Path

from adapters import pacing
from sync.store.budgets import Budgets
from sync.store.sqlite.budgets import SqliteBudgets

_processes = [1]
"""Processes of this machine's run that share the budgets (`join`)."""


def join(path: Path, processes: int, shared: frozenset[int] | None = None) -> None:
    """In one of the N processes of a run: count the limits in the file at `path`, and
    take a 1/N share of each cap on writes in flight (`writes_in_flight`). `shared`: the
    credentials (`credential_key`) more than one of the run's pairs use, the only ones
    whose limits the file counts: a credential of one pair is used by one process."""
    _processes[0] = processes
    pacing.share_budgets(SqliteBudgets(path), shared)


def writes_in_flight(cap: int) -> int:
    """This process's share of a service's cap on concurrent writes per credential (Asana
    allows 15 per user, counted across every process that writes with the token)."""
    return max(1, cap // _processes[0])


_IN_DATABASE: list[Budgets] = []
_IN_DATABASE_LOCK = threading.Lock()


def join_database(url: str) -> None:
    """From now on count every limit of this process in the PostgreSQL database at `url`,
    with every machine: a `pairsync worker`, and a cron `pairsync sync` or `run` whose
    pairs keep their state there, so they and the workers share each key's limit. Once
    per process (the first database asked keeps the budgets)."""
    with _IN_DATABASE_LOCK:
        if not _IN_DATABASE:
            from sync.store.postgres.budgets import PostgresBudgets  # the `postgres` extra

            _IN_DATABASE.append(PostgresBudgets(url))
            pacing.share_budgets(_IN_DATABASE[0])


def leave_database() -> None:
    """Count in this process again, and close the database budgets' connections."""
    with _IN_DATABASE_LOCK:
        pacing.share_budgets(None)
        for budgets in _IN_DATABASE:
            budgets.close()
        _IN_DATABASE.clear()
