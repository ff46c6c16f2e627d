"""An in-memory target: the reference implementation of the adapter contract, used by the
engine's property tests (vdirsyncer's MemoryStorage plays the same role)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Literal

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
from sync.model import Item


class MemoryTarget(TargetBase):
    type: Literal["memory"] = "memory"


class MemoryAdapter(Adapter):
    type_name = "memory"

    def __init__(self, config: MemoryTarget, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        self.items: dict[str, RemoteItem] = {}
        self._versions = itertools.count(1)
        self._ids = itertools.count(1)

    # -- acting as a person -----------------------------------------------------------------
    def put(self, remote_id: str, item: Item, item_id: str | None = None) -> None:
        """Create or edit an item as a person would (the footer id is kept on edits)."""
        previous = self.items.get(remote_id)
        keep_id = previous.item_id if previous is not None and item_id is None else item_id
        self.items[remote_id] = RemoteItem(
            remote_id, item, keep_id, str(next(self._versions)), datetime.now(UTC)
        )

    def place(self, remote_id: str, after: str | None) -> None:
        """Move an item, as a person drags it: right after `after`, or first if None."""
        moved = self.items.pop(remote_id)
        entries = list(self.items.items())
        at = 0 if after is None else [rid for rid, _ in entries].index(after) + 1
        entries.insert(at, (remote_id, moved))
        self.items = dict(entries)

    def delete(self, remote_id: str) -> None:
        del self.items[remote_id]

    def new_remote_id(self) -> str:
        return f"{self.name}-{next(self._ids)}"

    # -- the contract ------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        self.requests += 1
        order = tuple(rid for rid, remote in self.items.items() if not remote.item.archived)
        return Snapshot(dict(self.items), order=order)

    def write_one(self, change: Change) -> Outcome:
        self.requests += 1
        remote_id = self.new_remote_id() if isinstance(change, Create) else change.remote_id
        self.put(remote_id, change.item.with_(rank=""), change.item_id)  # order: its place
        if change.place is not None:
            self._put_at(remote_id, change.place)
        return written(change, remote_id, self.items[remote_id].version)

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
