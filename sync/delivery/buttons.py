"""What a button pressed in a chat does to the board (`pairsync serve` receives the
click; see /slack/actions). Each acts on the pair's state under the pair's lock; the
tools follow on the next sync, which the click triggers:

- `stale_keep`: a person's touch (the stale clock restarts; the next sync clears the
  stale mark in every tool);
- `stale_park`: off the agenda's stale list for `PARK_DAYS`;
- `stale_kill`: archived everywhere by the next sync (restoring it in a tool restores it
  everywhere);
- `decision_decided`: done everywhere by the next sync;
- `decision_discuss`: on the next agenda, under "To discuss".

Every click is a run of its own in the pair's history ("slack: dana killed 'X'"), with
the item's value before and after and the mark or stale clock it replaced, so `pairsync
undo` puts any of them back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sync.errors import PairsyncError
from sync.store.state import ItemRecord, State

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


def press(state: State, action: str, item_id: str, now: datetime, by: str = "someone") -> str:
    """Apply one click (the caller holds the pair's lock) as a run of its own, with the
    item's value before and after (so `history` shows it and `undo` puts it back) and
    what else it changed (a mark, the stale clock) to restore; return what it did."""
    record = check_click(state, action, item_id)
    title = record.item.title
    after, did = record, ""
    put_back: dict[str, object] = {}
    with state.transaction():
        run_id = state.start_run()
        if action == "stale_keep":
            after = replace(record, touched_at=now, touched_by=TOUCHED_BY)
            put_back["touched"] = [record.touched_at.isoformat(), record.touched_by]
            did = f"kept {title!r}"
        elif action == "stale_kill":
            after = replace(record, item=record.item.with_(archived=True))
            did = f"killed {title!r}"
        elif action == "decision_decided":
            after = replace(record, item=record.item.with_(done=True))
            did = f"decided {title!r}"
        else:
            mark, until = (
                ("parked", (now + timedelta(days=PARK_DAYS)).isoformat())
                if action == "stale_park"
                else ("discuss", None)
            )
            put_back["mark"] = [mark, state.set_mark(item_id, mark, until)]
            did = f"parked {title!r}" if mark == "parked" else f"asked to discuss {title!r}"
        state.save_item(item_id, after)
        state.save_run_item(run_id, item_id, record.item, after.item)
        line = f"slack: {by} {did}"
        state.finish_run(run_id, {"click": line, "item_id": item_id, "put_back": put_back})
    return {
        "stale_keep": f"{did}: its stale clock restarts",
        "stale_kill": f"{did}: archived everywhere on the next sync",
        "decision_decided": f"{did}: done everywhere on the next sync",
        "stale_park": f"{did}: off the stale list for {PARK_DAYS} days",
    }.get(action, f"{title!r} goes on the next agenda")


def check_click(state: State, action: str, item_id: str) -> ItemRecord:
    """The clicked item, or `ButtonRefused` for an unknown button or item."""
    if action not in BUTTONS:
        raise ButtonRefused(f"unknown button '{action}'")
    record = state.items().get(item_id)
    if record is None:
        raise ButtonRefused(f"no item {item_id} on the board")
    return record


def unpress(state: State, summary: Mapping[str, object]) -> bool:
    """Undo what a click changed beside the item's value (its mark, the stale clock),
    from its run's summary; False when the run was no click or changed nothing else.
    Call inside a transaction."""
    item_id, put_back = summary.get("item_id"), summary.get("put_back")
    if not isinstance(item_id, str) or not isinstance(put_back, dict) or not put_back:
        return False
    record = state.items().get(item_id)
    if "touched" in put_back and record is not None:
        at, by = put_back["touched"]
        state.save_item(
            item_id, replace(record, touched_at=datetime.fromisoformat(at), touched_by=by)
        )
    if "mark" in put_back:
        mark, before = put_back["mark"]
        state.restore_mark(item_id, mark, before)
    return True


def marks(state: State, now: datetime) -> Marks:
    rows = state.marks()
    parked = {r.item_id for r in rows if r.mark == "parked" and (r.until or "") > now.isoformat()}
    discuss = {r.item_id for r in rows if r.mark == "discuss"}
    return Marks(frozenset(parked), frozenset(discuss))


def discussed(state: State) -> None:
    """An agenda went out: what was to discuss is on it (call inside a transaction)."""
    state.clear_marks("discuss")
