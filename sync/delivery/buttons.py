"""What a button pressed in a chat does to the board (`pairsync serve` receives the
click; see /slack/actions). Each acts on the pair's state under the pair's lock; the
tools follow on the next sync, which the click triggers:

- `stale_keep`: a person's touch (the stale clock restarts; the next sync clears the
  stale mark in every tool);
- `stale_park`: off the agenda's stale list for `PARK_DAYS`;
- `stale_kill`: archived everywhere by the next sync (restoring it in a tool restores it
  everywhere);
- `decision_decided`: done everywhere by the next sync (with `[decisions] acknowledge`,
  it waits for the assistant's acknowledgement: `Ack needed` everywhere);
- `decision_discuss`: a talking point (`discuss` in every tool), on every agenda under
  "To discuss" until it is discussed;
- `talking_point_discussed` (*Discussed*): the `discuss` label comes off everywhere;
- `decision_ack` (*Got it*): the assistant acknowledged; `Ack needed` comes off everywhere;
- `win_add` (*A win!*): a done item becomes a win (with `win` in `[board] kinds`), made
  in every tool by the next sync.

Every click is a run of its own in the pair's history ("slack: dana killed 'X'"), with
the item's value before and after and the mark or stale clock it replaced, so `pairsync
undo` puts any of them back.
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
    raised and each acknowledgement asked for (the run history), and when the past
    agendas were made."""

    parked: frozenset[str] = frozenset()
    discuss_since: Mapping[str, datetime] = field(default_factory=dict)
    ack_since: Mapping[str, datetime] = field(default_factory=dict)
    agendas: tuple[datetime, ...] = ()


NO_MARKS = Marks()


def press(
    state: State,
    action: str,
    item_id: str,
    now: datetime,
    by: str = "someone",
    config: PairConfig | None = None,
) -> str:
    """Apply one click (the caller holds the pair's lock) as a run of its own, with the
    item's value before and after (so `history` shows it and `undo` puts it back) and
    what else it changed (a mark, the stale clock) to restore; return what it did.
    `config` says whether decisions wait for an acknowledgement and whether wins are on."""
    record = check_click(state, action, item_id)
    item, title = record.item, record.item.title
    after, did = record, ""
    put_back: dict[str, object] = {}
    with state.transaction():
        run_id = state.start_run()
        if action == "stale_keep":
            after = replace(record, touched_at=now, touched_by=TOUCHED_BY)
            put_back["touched"] = [record.touched_at.isoformat(), record.touched_by]
            did = f"kept {title!r}"
        elif action == "stale_kill":
            after = replace(record, item=item.with_(archived=True))
            did = f"killed {title!r}"
        elif action == "decision_decided":
            decided = item.with_(done=True)
            ack = config is not None and config.decisions.acknowledge
            if ack and needs_ack(item, decided, "executive"):  # a chat click: the executive's
                decided = decided.with_(labels=decided.labels | {ACK_NEEDED})
            after = replace(record, item=decided)
            did = f"decided {title!r}"
        elif action == "decision_ack":
            after = _relabel(record, item.labels - {ACK_NEEDED}, now)
            did = f"acknowledged {title!r}"
        elif action == "talking_point_discussed":
            after = _relabel(record, item.labels - {DISCUSS}, now)
            did = f"discussed {title!r}"
        elif action == "win_add":
            win_id, win = _win_of(state.items(), item, config)
            if win is not None:
                state.save_item(
                    win_id, ItemRecord(win, now, TOUCHED_BY, created_at=now, changed_at=now)
                )
                state.save_run_item(run_id, win_id, None, win)
            did = f"celebrated {title!r} as a win"
        else:
            mark, until = (
                ("parked", (now + timedelta(days=PARK_DAYS)).isoformat())
                if action == "stale_park"
                else ("discuss", None)
            )
            put_back["mark"] = [mark, state.set_mark(item_id, mark, until)]
            if mark == "discuss":  # a talking point in every tool until discussed
                after = _relabel(record, item.labels | {DISCUSS}, now)
            did = f"parked {title!r}" if mark == "parked" else f"asked to discuss {title!r}"
        if after != record:
            state.save_item(item_id, after)
            state.save_run_item(run_id, item_id, record.item, after.item)
        line = f"slack: {by} {did}"
        state.finish_run(run_id, {"click": line, "item_id": item_id, "put_back": put_back})
    waits = (
        ", waiting for the assistant's acknowledgement" if ACK_NEEDED in after.item.labels else ""
    )
    return {
        "stale_keep": f"{did}: its stale clock restarts",
        "stale_kill": f"{did}: archived everywhere on the next sync",
        "decision_decided": f"{did}: done everywhere on the next sync{waits}",
        "stale_park": f"{did}: off the stale list for {PARK_DAYS} days",
        "decision_ack": f"{did}: {ACK_NEEDED!r} comes off everywhere on the next sync",
        "talking_point_discussed": f"{did}: off the next agenda",
        "win_add": f"{did}: on the next agenda, and in every tool after the next sync",
    }.get(action, f"{title!r} goes on every agenda until it is discussed")


def _relabel(record: ItemRecord, labels: frozenset[str], now: datetime) -> ItemRecord:
    """A person's change of labels from chat: a touch, seen now."""
    item = record.item.with_(labels=labels)
    return replace(record, item=item, touched_at=now, touched_by=TOUCHED_BY, changed_at=now)


def _win_of(
    records: Mapping[str, ItemRecord], done: Item, config: PairConfig | None
) -> tuple[str, Item | None]:
    """The new win a done item becomes (None: it is one already: a second click)."""
    if config is None or Kind.WIN not in config.board.kinds:
        raise ButtonRefused('wins are off for this pair: add "win" to [board] kinds')
    if not done.done:
        raise ButtonRefused(f"{done.title!r} is not done yet")
    for item_id, record in records.items():
        if record.item.kind is Kind.WIN and record.item.title == done.title:
            return item_id, None
    notes = f"Done: {done.kind.value} {done.title!r}"
    return new_item_id(), Item(Kind.WIN, done.title, notes=notes, owner=done.owner)


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
    # Clicks are runs too: a click's label is in the history. Only the rows that carry a
    # label are read: for an item that has it now, the last of them that added it counts.
    return Marks(
        frozenset(parked),
        raised_at(state.history(labelled=DISCUSS), DISCUSS),
        raised_at(state.history(labelled=ACK_NEEDED), ACK_NEEDED),
        tuple(state.agenda_times()),
    )
