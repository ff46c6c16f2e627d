"""What a button pressed in a chat does to the board (`pairsync serve` receives the
click; see /slack/actions). Each acts on the pair's state under the pair's lock; the
tools follow on the next sync, which the click triggers:

- `stale_keep`: a person's touch (the stale clock restarts; the next sync clears the
  stale mark in every tool);
- `stale_park`: off the agenda's stale list for `PARK_DAYS`;
- `stale_kill`: archived everywhere by the next sync, a run like any other (restoring it
  in a tool restores it everywhere; an undo of that run would put it back);
- `decision_decided`: done everywhere by the next sync (with `[decisions] acknowledge`,
  waiting for the assistant's acknowledgement: `Ack needed`);
- `decision_discuss`: a talking point (`discuss` in every tool), on every agenda until
  it is discussed;
- `talking_point_discussed` (*Discussed*): the `discuss` label comes off everywhere;
- `decision_ack` (*Got it*): the assistant acknowledged; `Ack needed` comes off everywhere;
- `win_add`: a done item becomes a win (with `win` in `[board] kinds`), made in every tool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sync.config import PairConfig
from sync.contract import new_item_id
from sync.errors import PairsyncError
from sync.model import Item, Kind
from sync.plan.partnership import ACK_NEEDED, DISCUSS, needs_ack, raised_at
from sync.store.state import ItemRecord, State

PARK_DAYS = 30
BUTTONS = (
    "stale_keep",
    "stale_park",
    "stale_kill",
    "decision_decided",
    "decision_discuss",
    "talking_point_discussed",
    "decision_ack",
    "win_add",
)
TOUCHED_BY = "slack"


class ButtonRefused(PairsyncError):
    """An unknown action or item: one line for the log and the person who clicked."""


@dataclass(frozen=True, slots=True)
class Marks:
    """What the agenda reads besides the items: parked items, when each talking point was
    raised and each acknowledgement asked for, and when the past agendas were made."""

    parked: frozenset[str] = frozenset()
    discuss_since: Mapping[str, datetime] = field(default_factory=dict)
    ack_since: Mapping[str, datetime] = field(default_factory=dict)
    agendas: tuple[datetime, ...] = ()


NO_MARKS = Marks()


def press(
    state: State, action: str, item_id: str, now: datetime, config: PairConfig | None = None
) -> str:
    """Apply one click (the caller holds the pair's lock); return what it did. `config`
    says whether decisions wait for an acknowledgement and whether wins are on."""
    if action not in BUTTONS:
        raise ButtonRefused(f"unknown button '{action}'")
    records = state.items()
    record = records.get(item_id)
    if record is None:
        raise ButtonRefused(f"no item {item_id} on the board")
    item, title = record.item, record.item.title
    with state.transaction():
        if action == "stale_keep":
            state.save_item(item_id, replace(record, touched_at=now, touched_by=TOUCHED_BY))
            return f"kept {title!r}: its stale clock restarts"
        if action == "stale_kill":
            state.save_item(item_id, replace(record, item=item.with_(archived=True)))
            return f"killed {title!r}: archived everywhere on the next sync"
        if action == "decision_decided":
            ack = config is not None and config.decisions.acknowledge
            decided = item.with_(done=True)
            if ack and needs_ack(item, decided, "executive"):
                decided = decided.with_(labels=decided.labels | {ACK_NEEDED})
            state.save_item(item_id, replace(record, item=decided))
            return f"decided {title!r}: done everywhere on the next sync" + (
                ", waiting for the assistant's acknowledgement"
                if ACK_NEEDED in decided.labels
                else ""
            )
        if action == "decision_ack":
            state.save_item(item_id, _relabel(record, item.labels - {ACK_NEEDED}, now))
            return f"acknowledged {title!r}: {ACK_NEEDED!r} comes off everywhere on the next sync"
        if action == "talking_point_discussed":
            state.save_item(item_id, _relabel(record, item.labels - {DISCUSS}, now))
            state.db.execute("DELETE FROM marks WHERE item_id = ? AND mark = 'discuss'", (item_id,))
            return f"discussed {title!r}: off the next agenda"
        if action == "win_add":
            return _add_win(state, records, item, now, config)
        mark, until = (
            ("parked", (now + timedelta(days=PARK_DAYS)).isoformat())
            if action == "stale_park"
            else ("discuss", now.isoformat())
        )
        state.db.execute(
            "INSERT INTO marks VALUES (?, ?, ?) ON CONFLICT(item_id, mark) "
            "DO UPDATE SET until = excluded.until",
            (item_id, mark, until),
        )
        if action == "decision_discuss":
            state.save_item(item_id, _relabel(record, item.labels | {DISCUSS}, now))
    if action == "stale_park":
        return f"parked {title!r}: off the stale list for {PARK_DAYS} days"
    return f"{title!r} goes on every agenda until it is discussed"


def _relabel(record: ItemRecord, labels: frozenset[str], now: datetime) -> ItemRecord:
    """A person's change of labels from chat: a touch, seen now."""
    return replace(
        record,
        item=record.item.with_(labels=labels),
        touched_at=now,
        touched_by=TOUCHED_BY,
        changed_at=now,
    )


def _add_win(
    state: State,
    records: Mapping[str, ItemRecord],
    done: Item,
    now: datetime,
    config: PairConfig | None,
) -> str:
    """A done item celebrated from chat: a new win of the same title and owner, made in
    every tool by the next sync (once: a second click finds it)."""
    if config is None or Kind.WIN not in config.board.kinds:
        raise ButtonRefused('wins are off for this pair: add "win" to [board] kinds')
    if not done.done:
        raise ButtonRefused(f"{done.title!r} is not done yet")
    if any(r.item.kind is Kind.WIN and r.item.title == done.title for r in records.values()):
        return f"{done.title!r} is a win already"
    win = Item(
        Kind.WIN, done.title, notes=f"Done: {done.kind.value} {done.title!r}", owner=done.owner
    )
    state.save_item(new_item_id(), ItemRecord(win, now, TOUCHED_BY, created_at=now, changed_at=now))
    return f"{done.title!r} is a win: on the next agenda and in every tool after the next sync"


def marks(state: State, now: datetime) -> Marks:
    rows = state.db.execute("SELECT item_id, mark, until FROM marks").fetchall()
    parked = {i for i, mark, until in rows if mark == "parked" and until > now.isoformat()}
    history = state.history()
    discuss = raised_at(history, DISCUSS)
    for item_id, mark, until in rows:  # a click: the sync after it records no change
        if mark == "discuss" and until:
            clicked = datetime.fromisoformat(until)
            discuss[item_id] = max(discuss.get(item_id, clicked), clicked)
    return Marks(
        frozenset(parked),
        discuss,
        raised_at(history, ACK_NEEDED),
        tuple(state.agenda_times()),
    )
