"""An in-memory target: the reference implementation of the adapter contract, used by the
engine's property tests (vdirsyncer's MemoryStorage plays the same role)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from adapters.base import Adapter
from sync.contract import Change, Create, Outcome, RemoteItem, Snapshot, TargetBase
from sync.model import Item


class MemoryTarget(TargetBase):
    type: Literal["memory"] = "memory"


class MemoryAdapter(Adapter):
    type_name = "memory"

    def __init__(self, config: MemoryTarget) -> None:
        super().__init__(config, base_dir=Path("."))
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

    def delete(self, remote_id: str) -> None:
        del self.items[remote_id]

    def new_remote_id(self) -> str:
        return f"{self.name}-{next(self._ids)}"

    # -- the contract ------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        self.requests += 1
        return Snapshot(dict(self.items))

    def write_one(self, change: Change) -> Outcome:
        self.requests += 1
        remote_id = self.new_remote_id() if isinstance(change, Create) else change.remote_id
        self.put(remote_id, change.item, change.item_id)
        return Outcome(change, remote_id, self.items[remote_id].version)
