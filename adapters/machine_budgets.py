"""The processes of one machine's run (`--processes N`) pace a shared Trello API key or
token, or an Asana token, as one: each counts every limit in one SQLite file
(`sync.store.sqlite.budgets`), as `adapters.pacing` counts across the threads of one
process, and takes a 1/N share of each cap on writes in flight. PostgreSQL does the same
across machines (`sync.store.postgres.budgets`, for `pairsync worker`)."""

from __future__ import annotations

from pathlib import Path

from adapters import pacing
from sync.store.sqlite.budgets import SqliteBudgets

_processes = [1]
"""Processes of this machine's run that share the budgets (`join`)."""


def join(path: Path, processes: int) -> None:
    """In one of the N processes of a run: count every limit in the file at `path`, and
    take a 1/N share of each cap on writes in flight (`writes_in_flight`)."""
    _processes[0] = processes
    pacing.share_budgets(SqliteBudgets(path))


def writes_in_flight(cap: int) -> int:
    """This process's share of a service's cap on concurrent writes per credential (Asana
    allows 15 per user, counted across every process that writes with the token)."""
    return max(1, cap // _processes[0])
