"""One pair's state: the interface every store backend implements (SQLite by default,
`sync.store.sqlite`), so that no caller knows which one holds its rows, or any SQL.

What it keeps: the canonical items, the links to each target with the base both last
agreed on, incremental-read cursors and places, holds, conflicts and run history (with
what each run changed, for undo), the messages sent to channels, the documents
published, chat marks and `pairsync serve`'s webhooks. Reads return typed rows
(`sync.store.rows`); writes happen inside `transaction()`.

Shaped like vdirsyncer's SqliteStatus, with one deliberate difference: vdirsyncer
commits once per run, pairsync commits after every step that follows a remote write,
because a run killed after a create must leave state that the next run can continue
from. Identity also lives in the tools (the link-back footer), so lost state is rebuilt
by re-linking. No token or key is stored; the one secret kept is the handshake secret
Asana hands `pairsync serve` for signing its webhooks, because nothing else can keep it
across restarts. The contract tests every backend passes: `tests/store_contract.py`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from sync.contract import Link
from sync.errors import StateUnavailable
from sync.lazy import load_object
from sync.model import Item, Kind
from sync.store.rows import (
    ConflictRecord,
    HistoryRow,
    ItemRecord,
    MarkRecord,
    PublishedRecord,
    RunJson,
    RunRecord,
    SentRecord,
    WebhookRecord,
)

__all__ = ["ItemRecord", "PublishedRecord", "SentRecord", "State"]


class State(ABC):
    """Open with `State.open(path)`; every write goes through `transaction()`."""

    BACKEND: ClassVar[str] = "sync.store.sqlite:SqliteState"
    """The backend `open` builds (lazy, like the adapter registry)."""

    read_only: bool = False
    """Opened by `open_for_reading` on a file this user may not write: writes fail."""

    @classmethod
    def open(cls, path: Path) -> State:
        """Open or create the pair's state at `path`.

        :raises sync.errors.StateError: damaged (moved aside), unusable or read-only."""
        backend: type[State] = load_object(cls.BACKEND)
        return backend.open(path)

    @classmethod
    def open_for_reading(cls, path: Path) -> State:
        """Open existing state for commands that only read (`stale`, `agenda`): read-only
        when it may not be written, and then never migrated."""
        backend: type[State] = load_object(cls.BACKEND)
        return backend.open_for_reading(path)

    @classmethod
    def in_memory(cls) -> State:
        """A throwaway state (`--dry-run` when none exists yet)."""
        backend: type[State] = load_object(cls.BACKEND)
        return backend.in_memory()

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All writes inside commit together or not at all; waits for another writer."""

    @abstractmethod
    def unavailable(self, exc: BaseException) -> StateUnavailable | None:
        """The one line for a backend error meaning the state cannot be used right now
        (disk full, I/O, permissions, connection lost); None for any other error."""

    @abstractmethod
    def claim(self, pair: str, where: Path) -> None:
        """Make this state the pair's; another pair's is refused (`StateError` naming
        `where`), since its items would leak into this pair's boards."""

    # -- the board: items, links, cursors, places, holds ------------------------------------
    @abstractmethod
    def items(self) -> dict[str, ItemRecord]: ...

    @abstractmethod
    def save_item(self, item_id: str, record: ItemRecord) -> None: ...

    @abstractmethod
    def links(self) -> dict[str, dict[str, Link]]:
        """target -> item id -> link."""

    @abstractmethod
    def save_link(self, item_id: str, target: str, link: Link) -> None:
        """A remote id another item had in that target (a re-link after lost state) moves
        to this item."""

    @abstractmethod
    def cursor(self, target: str) -> str | None: ...

    @abstractmethod
    def save_cursor(self, target: str, cursor: str | None) -> None: ...

    @abstractmethod
    def places(self, target: str) -> dict[Kind, tuple[str, str]]:
        """kind -> (remote id, name) of the list / section the target keeps it in."""

    def recorded_places(self, targets: Collection[str]) -> dict[str, dict[Kind, tuple[str, str]]]:
        """`places` of each of `targets`, in one read where the backend can (a run asks
        for all of them at its start)."""
        return {target: self.places(target) for target in targets}

    def recorded_cursors(self, targets: Collection[str]) -> dict[str, str | None]:
        """`cursor` of each of `targets`, in one read where the backend can."""
        return {target: self.cursor(target) for target in targets}

    @abstractmethod
    def save_places(self, target: str, places: dict[Kind, tuple[str, str]]) -> None: ...

    @abstractmethod
    def holds(self) -> dict[str, frozenset[str]]:
        """target -> item ids held (vanished at once, archived nowhere yet)."""

    @abstractmethod
    def save_holds(self, holds: dict[str, frozenset[str]]) -> None:
        """Replace every hold."""

    # -- runs: history, conflicts, undo -----------------------------------------------------
    @abstractmethod
    def start_run(self, at: datetime | None = None) -> int:
        """A new run, started `at` (the run's clock; default now)."""

    @abstractmethod
    def finish_run(self, run_id: int, summary: RunJson) -> None: ...

    @abstractmethod
    def first_run_at(self) -> datetime | None: ...

    @abstractmethod
    def runs(self) -> list[RunRecord]:
        """Every run, oldest first (`pairsync history`)."""

    @abstractmethod
    def last_run(self, *, clicks: bool = False) -> RunRecord | None:
        """The last finished run: a sync (the health notices' source), or with `clicks`
        also a chat click's (the status page)."""

    @abstractmethod
    def run_summaries(self, since: datetime) -> list[tuple[datetime, RunJson]]:
        """(start, summary) of every finished run since `since`, oldest first."""

    @abstractmethod
    def history(
        self, since: datetime | None = None, labelled: str | None = None
    ) -> list[HistoryRow]:
        """What each run since `since` (None: ever) changed on the board, oldest run
        first. With `labelled`, at least the rows whose value after carries that label
        (a cheap filter: the rows without it may be left out)."""

    @abstractmethod
    def save_run_item(self, run_id: int, item_id: str, before: Item | None, after: Item) -> None:
        """What a run changed on the board, for `pairsync undo`."""

    @abstractmethod
    def run_items(self, run_id: int) -> dict[str, tuple[Item | None, Item]]:
        """item id -> (before, after) of the items run `run_id` changed."""

    @abstractmethod
    def record_undo(self, run_id: int, undid: int) -> None: ...

    @abstractmethod
    def add_conflict(
        self,
        run_id: int,
        item_id: str,
        field: str,
        winner: tuple[str, object],
        loser: tuple[str, object],
    ) -> None: ...

    @abstractmethod
    def conflicts(self) -> list[ConflictRecord]:
        """Every losing value kept, oldest first."""

    # -- what went out: channel messages, agendas, documents, chat marks --------------------
    @abstractmethod
    def sent(self, channel: str) -> dict[str, SentRecord]:
        """Message key -> what was sent on `channel`."""

    @abstractmethod
    def save_sent(self, channel: str, key: str, record: SentRecord) -> None: ...

    @abstractmethod
    def forget_sent(self, channel: str, key: str) -> None:
        """Drop an "about to post" row whose post certainly failed."""

    @abstractmethod
    def last_agenda_at(self) -> datetime | None: ...

    @abstractmethod
    def agenda_times(self) -> list[datetime]:
        """When each `pairsync agenda` was made, oldest first."""

    @abstractmethod
    def agendas(self) -> list[tuple[datetime, str | None]]:
        """(when, where it was published as JSON or None) per agenda, oldest first."""

    @abstractmethod
    def record_agenda(self, at: datetime, remote: str | None = None) -> None: ...

    @abstractmethod
    def published(self, document: str) -> dict[str, PublishedRecord]:
        """Document key -> what was published in the `[[documents]]` entry `document`."""

    @abstractmethod
    def save_published(self, document: str, key: str, record: PublishedRecord) -> None: ...

    @abstractmethod
    def publish_cursor(self, document: str) -> str | None: ...

    @abstractmethod
    def save_publish_cursor(self, document: str, cursor: str | None) -> None: ...

    @abstractmethod
    def marks(self) -> list[MarkRecord]: ...

    @abstractmethod
    def set_mark(self, item_id: str, mark: str, until: str | None) -> list[str | None] | None:
        """Set the mark; return what it replaced (`[until]`, or None: no such mark)."""

    @abstractmethod
    def restore_mark(self, item_id: str, mark: str, before: list[str | None] | None) -> None:
        """Put a mark back as `set_mark` found it."""

    # -- `pairsync serve`'s webhooks --------------------------------------------------------
    @abstractmethod
    def webhook(self, target: str) -> WebhookRecord | None: ...

    @abstractmethod
    def save_webhook(self, target: str, record: WebhookRecord) -> None: ...

    @abstractmethod
    def forget_webhook(self, target: str) -> None: ...
