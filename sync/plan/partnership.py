"""The partnership rules on top of the board (DESIGN.md, Facilitation): wins and feedback,
decisions the assistant acknowledges, talking points that carry over, delegation and
growth. Pure functions of items, roles and times: the facilitation pass, the agenda, the
chat messages, `pairsync stale` and the status page all ask them, so each rule is written
once and property-tested without I/O.

Everything travels as ordinary labels/tags, so a person sees and changes it in any tool:
`Ack needed`, `discuss`, `growth`, `authority/decide|recommend|ask-first`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sync.model import Item, Kind, Owner

ACK_NEEDED = "Ack needed"
"""On a decision the executive closed, until the assistant acknowledges it."""
DISCUSS = "discuss"
"""A talking point: on every agenda until it is discussed."""
GROWTH = "growth"
"""A course, a conference, a stretch project: the agenda's "Growth" section."""
AUTHORITY_PREFIX = "authority/"
ASK_FIRST = "authority/ask-first"
AUTHORITY = {
    "authority/decide": "the assistant decides and tells afterwards",
    "authority/recommend": "the assistant prepares a recommendation; the executive decides",
    ASK_FIRST: 'the assistant asks before acting (the agenda\'s "Needs your call")',
}
"""The three levels of delegation an action may carry, as `init` and the README explain."""
OPTIONAL_KINDS = (Kind.WIN, Kind.FEEDBACK)
"""Kinds a pair turns on in `[board] kinds`; the first four are always on."""
GROWTH_KINDS = (Kind.GOAL, Kind.ACTION)


def needs_ack(before: Item | None, item: Item, closed_in: str | None) -> bool:
    """Whether this run's value of `item` asks for the assistant's acknowledgement: a
    decision closed now (it was open, or new and done) in a tool that is not the
    assistant's (`closed_in`: the role of the tool the change came from; a shared tool or
    a chat button counts as the executive's). An item already carrying the label, or one
    the assistant closed, needs nothing."""
    if item.kind is not Kind.DECISION or not item.done or item.archived:
        return False
    if ACK_NEEDED in item.labels or closed_in == "assistant":
        return False
    return before is None or not before.done or before.kind is not Kind.DECISION


def waiting_ack(item: Item) -> bool:
    """A decision still waiting for the assistant's acknowledgement."""
    return item.kind is Kind.DECISION and ACK_NEEDED in item.labels and not item.archived


def talking_point(item: Item) -> bool:
    return DISCUSS in item.labels and not item.archived


def asks_first(item: Item) -> bool:
    """An open action the assistant may not take without the executive: "Needs your call"."""
    return (
        item.kind is Kind.ACTION
        and ASK_FIRST in item.labels
        and not item.done
        and not item.archived
    )


def growth(item: Item) -> bool:
    return item.kind in GROWTH_KINDS and GROWTH in item.labels and not item.archived


def gave(item: Item, role: str | None) -> Owner | None:
    """Who gave a piece of feedback: its `owner/…` label, else the side of the tool it came
    from (`role` of that tool); None when a shared tool gives no side."""
    if item.owner is not None:
        return item.owner
    return Owner(role) if role in ("executive", "assistant") else None


def waited_words(count: int) -> str:
    if count <= 0:
        return "new"
    return f"waited {count} 1:1" + ("s" if count != 1 else "")


def raised_at(
    history: Iterable[tuple[datetime, str, Item | None, Item]], label: str
) -> dict[str, datetime]:
    """Item id -> when `label` last appeared on it, from the run history (run time, item id,
    value before, value after), oldest run first. Rows whose value after lacks the label
    may be left out: the answer for the items that carry it now stays the same."""
    found: dict[str, datetime] = {}
    for at, item_id, before, after in history:
        had = before is not None and label in before.labels
        if label in after.labels and not had:
            found[item_id] = at
        elif label not in after.labels:
            found.pop(item_id, None)
    return found


def thanks(item: Item, names: Mapping[Owner, str]) -> str:
    """ "thanks, Lee Park" for a win owned by one side; empty when nobody owns it."""
    return f"thanks, {names[item.owner]}" if item.owner is not None else ""


def kinds_off_in_use(kinds: Iterable[Kind], items: Iterable[Item]) -> list[str]:
    """The kinds a pair turned off while live items of them are on the board (their lists
    are no longer read: the items would look deleted)."""
    on = set(kinds)
    return sorted({i.kind.value for i in items if i.kind not in on and not i.archived})
