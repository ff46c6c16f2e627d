"""How the simulated Trello reads the values a request gives: a `pos`, a list of ids, a
text's length, and the action id or date a `since` / `before` names."""

from __future__ import annotations

import re
from typing import Any

from adapters.simkit import iso
from adapters.trello.sim.entities import Action, Board, TrelloError, parse_date


def is_after(action: Action, mark: str, board: Board) -> bool:
    """Whether `action` came after `mark`: an action id, or a date. An id of no action on
    the board compares by the creation time in its first 8 hex digits, as Trello's do."""
    by_id = next((a for a in board.actions if a.id == mark), None)
    if by_id is not None:
        return action.seq > by_id.seq
    if re.fullmatch(r"[0-9a-fA-F]{24}", mark):
        return action.date > iso(int(mark[:8], 16))
    try:
        return action.date > (parse_date(mark) or "")
    except ValueError:
        raise TrelloError(400, "invalid value for since/before") from None


def id_list(value: Any) -> list[str]:
    """Ids given as a list or as one comma-separated string (py-trello sends both)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    return [v for v in str(value).split(",") if v]


TEXT_LIMIT = 16384
"""The longest card name and description Trello stores."""


def position(pos: Any, siblings: Any) -> float:
    """Trello's `pos`: "top", "bottom" or a positive number."""
    existing = [s.pos for s in siblings]
    if pos in (None, "bottom", ""):
        return (max(existing) if existing else 0.0) + 16384.0
    if pos == "top":
        return (min(existing) if existing else 16384.0) / 2
    try:
        value = float(pos)
    except (TypeError, ValueError):
        value = -1.0
    if not value > 0:
        raise TrelloError(400, "invalid value for pos")
    return value
