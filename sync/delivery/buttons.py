"""What a button pressed in a chat does to the board (`pairsync serve` receives the
click; see /slack/actions). Each acts on the pair's state under the pair's lock; the
tools follow on the next sync, which the click triggers:

- `stale_keep`: a person's touch (the stale clock restarts; the next sync clears the
  stale mark in every tool);
- `stale_park`: off the agenda's stale list for `PARK_DAYS`;
- `stale_kill`: archived everywhere by the next sync, a run like any other (restoring it
  in a tool restores it everywhere; an undo of that run would put it back);
- `decision_decided`: done everywhere by the next sync;
- `decision_discuss`: on the next agenda, under "To discuss".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sync.errors import PairsyncError
from sync.store.state import State

PARK_DAYS = 30
BUTTONS = ("stale_keep", "stale_park", "stale_kill", "decision_decided", "decision_discuss")
TOUCHED_BY = "slack"


class ButtonRefused(PairsyncError):
    """An unknown action or item: one line for the log and the person who clicked."""


@dataclass(frozen=True, slots=True)
class Marks:
    parked: frozenset[str] = frozenset()
    discuss: frozenset[str] = frozenset()


NO_MARKS = Marks()


def press(state: State, action: str, item_id: str, now: datetime) -> str:
    """Apply one click (the caller holds the pair's lock); return what it did."""
    if action not in BUTTONS:
        raise ButtonRefused(f"unknown button '{action}'")
    record = state.items().get(item_id)
    if record is None:
        raise ButtonRefused(f"no item {item_id} on the board")
    title = record.item.title
    with state.transaction():
        if action == "stale_keep":
            state.save_item(item_id, replace(record, touched_at=now, touched_by=TOUCHED_BY))
            return f"kept {title!r}: its stale clock restarts"
        if action == "stale_kill":
            state.save_item(item_id, replace(record, item=record.item.with_(archived=True)))
            return f"killed {title!r}: archived everywhere on the next sync"
        if action == "decision_decided":
            state.save_item(item_id, replace(record, item=record.item.with_(done=True)))
            return f"decided {title!r}: done everywhere on the next sync"
        mark, until = (
            ("parked", (now + timedelta(days=PARK_DAYS)).isoformat())
            if action == "stale_park"
            else ("discuss", None)
        )
        state.db.execute(
            "INSERT INTO marks VALUES (?, ?, ?) ON CONFLICT(item_id, mark) "
            "DO UPDATE SET until = excluded.until",
            (item_id, mark, until),
        )
    if action == "stale_park":
        return f"parked {title!r}: off the stale list for {PARK_DAYS} days"
    return f"{title!r} goes on the next agenda"


def marks(state: State, now: datetime) -> Marks:
    rows = state.db.execute("SELECT item_id, mark, until FROM marks").fetchall()
    parked = {i for i, mark, until in rows if mark == "parked" and until > now.isoformat()}
    discuss = {i for i, mark, _ in rows if mark == "discuss"}
    return Marks(frozenset(parked), frozenset(discuss))


def discussed(state: State) -> None:
    """An agenda went out: what was to discuss is on it (call inside a transaction)."""
    state.db.execute("DELETE FROM marks WHERE mark = 'discuss'")
