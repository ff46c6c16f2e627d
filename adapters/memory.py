"""An in-memory target: the reference implementation of the adapter contract, used by the
engine's property tests and run through the contract suite like every tool (vdirsyncer's
MemoryStorage plays the same role).

Items live on a `MemoryBoard` that the target's config carries, so every adapter made on
the config sees the same board: a new adapter on it is pairsync after a lost state. The
adapter's `put`, `place` and `delete` act as a person in the tool."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from adapters.base import Adapter
from sync.contract import (
    AdapterContext,
    Anchor,
    Change,
    Create,
    Outcome,
    Place,
    RemoteItem,
    Snapshot,
    TargetBase,
    written,
)
from sync.errors import TargetUnavailable
from sync.model import Item


@dataclass(eq=False)
class MemoryBoard:
    """The tool's store: the items in scope (top to bottom), the ones in lists the target
    does not map (never read nor written), and a fault a test can switch on."""

    items: dict[str, RemoteItem] = field(default_factory=dict)
    elsewhere: dict[str, str] = field(default_factory=dict)
    """Remote id -> title of an item in a list outside the target's lists."""
    down: str | None = None
    """Why the tool answers no request (a fault); None: it answers."""
    versions: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))


class MemoryTarget(TargetBase):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    type: Literal["memory"] = "memory"
    board: MemoryBoard = Field(default_factory=MemoryBoard, exclude=True, repr=False)


class MemoryAdapter(Adapter):
    type_name = "memory"
    config: MemoryTarget

    def __init__(self, config: MemoryTarget, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        self.board = config.board

    @property
    def items(self) -> dict[str, RemoteItem]:
        return self.board.items

    # -- acting as a person -----------------------------------------------------------------
    def put(self, remote_id: str, item: Item, item_id: str | None = None) -> None:
        """Create or edit an item as a person would (the footer id is kept on edits)."""
        previous = self.items.get(remote_id)
        keep_id = previous.item_id if previous is not None and item_id is None else item_id
        self.items[remote_id] = RemoteItem(
            remote_id, item, keep_id, str(next(self.board.versions)), datetime.now(UTC)
        )

    def place(self, remote_id: str, after: str | None) -> None:
        """Move an item, as a person drags it: right after `after`, or first if None."""
        moved = self.items.pop(remote_id)
        entries = list(self.items.items())
        at = 0 if after is None else [rid for rid, _ in entries].index(after) + 1
        entries.insert(at, (remote_id, moved))
        self.board.items = dict(entries)

    def delete(self, remote_id: str) -> None:
        del self.items[remote_id]

    def new_remote_id(self) -> str:
        return f"{self.name}-{next(self.board.ids)}"

    # -- the contract ------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        self._request()
        order = tuple(rid for rid, remote in self.items.items() if not remote.item.archived)
        return Snapshot(dict(self.items), order=order)

    def write_one(self, change: Change) -> Outcome:
        self._request()
        remote_id = self.new_remote_id() if isinstance(change, Create) else change.remote_id
        self.put(remote_id, change.item.with_(rank=""), change.item_id)  # order: its place
        if change.place is not None:
            self._put_at(remote_id, change.place)
        return written(change, remote_id, self.items[remote_id].version)

    def _request(self) -> None:
        self.requests += 1
        if self.board.down is not None:
            raise TargetUnavailable(self.name, self.board.down)

    def _put_at(self, remote_id: str, place: Place) -> None:
        def rid(anchor: Anchor) -> str:
            if anchor.remote_id is not None:
                return anchor.remote_id
            return next(r for r, i in self.items.items() if i.item_id == anchor.item_id)

        if place.after is not None:
            self.place(remote_id, rid(place.after))
        elif place.before is not None:
            ids = [other for other in self.items if other != remote_id]
            at = ids.index(rid(place.before))
            self.place(remote_id, ids[at - 1] if at else None)
