"""What people changed in each tool since the last clean sync, as the state machine
checks it after a sync (tests/test_engine_machine.py, tests/test_notion_machine.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sync.contract import RemoteItem
from sync.model import FIELDS, Item

Shown = dict[str | None, list[RemoteItem]]
"""A tool's items by link-back id (None: not linked yet), as `ThreeTools.shown` reads them."""


@dataclass
class Ledger:
    """What people changed since the last clean sync: per (item id, field) and tool, the
    value the tool showed first and the one it shows now."""

    changes: dict[tuple[str, str], dict[str, tuple[Any, Any]]] = field(default_factory=dict)

    def record(self, tool: str, item_id: str, name: str, old: object, new: object) -> None:
        by_tool = self.changes.setdefault((item_id, name), {})
        by_tool[tool] = (by_tool.get(tool, (old, None))[0], new)

    def note(self, tool: str, before: Shown, now: Shown, board: dict[str, Item]) -> None:
        """Record every field of a board item that the tool shows changed since `before`."""
        for item_id, old, new in edits_seen(before, now, board):
            for name in FIELDS:
                if getattr(old, name) != getattr(new, name):
                    self.record(tool, item_id, name, getattr(old, name), getattr(new, name))

    def check(self, board: dict[str, Item]) -> None:
        for (item_id, name), by_tool in self.changes.items():
            value = getattr(board[item_id], name)
            wanted = {new for _, new in by_tool.values()}
            where = (board[item_id].title, name, by_tool, value)
            if len(by_tool) == 1:
                assert value in wanted, where
            elif name == "labels":
                added = set().union(*(new - old for old, new in by_tool.values()))
                removed = set().union(*(old - new for old, new in by_tool.values()))
                assert added - removed <= value and not (removed - added) & value, where
            elif name != "steps":  # several tools' steps merge step by step
                assert value in wanted, where


def edits_seen(
    before: Shown, now: Shown, board: dict[str, Item]
) -> Iterator[tuple[str, Item, Item]]:
    """(item id, before, after) for every board item the tool showed before; fields the
    tool could not show take the board's value, and a deleted item reads as archived."""
    for item_id, copies in before.items():
        if item_id is None or item_id not in board:
            continue
        old = _full(copies[0], board[item_id])
        after = now.get(item_id)
        yield item_id, old, _full(after[0], old) if after else old.with_(archived=True)


def _full(remote: RemoteItem, known: Item) -> Item:
    return remote.item.with_(**{name: getattr(known, name) for name in remote.hidden})
