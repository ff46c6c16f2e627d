"""Pure conversions between one read of a Trello board and pairsync items, no HTTP.

| item | Trello |
|---|---|
| kind | the card's list (config `lists`: kind -> list name) |
| title, notes | `name`, `desc` (notes + link-back footer) |
| done, archived | `dueComplete`, `closed` |
| due | `due`: its day in the pair's time zone; a new due is noon there, a changed one
  keeps the time of day the card had (a person's 17:00 stays 17:00) |
| labels, owner | label names; the owner as label "owner/<role>" |
| steps | check items of the checklist "Five Whys" (else "Checklist": not a problem's) |

A closed card whose description is `TEMPLATE_DESC` holds a Five Whys checklist that
problem cards copy (one template per set of step names); it is pairsync's, never an item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from sync.contract import RemoteItem, split_footer
from sync.model import Item, Kind, Step, split_owner

CHECKLIST_NAME = "Five Whys"
OTHER_CHECKLIST_NAME = "Checklist"
"""The steps of an item that is not a problem (a person's own checklist), in Trello's
default checklist name: never called "Five Whys"."""
TEMPLATE_DESC = (
    "pairsync: template of the Five Whys checklist for new problem cards. Keep it archived."
)
LABEL_COLORS = (
    "green",
    "yellow",
    "orange",
    "red",
    "purple",
    "blue",
    "sky",
    "lime",
    "pink",
    "black",
)

BOARD_QUERY = {
    "fields": "name,dateLastActivity",
    "cards": "all",
    "card_fields": "name,desc,closed,due,dueComplete,idList,idLabels,idChecklists,"
    "dateLastActivity,pos",
    "lists": "all",
    "list_fields": "name,closed,pos",
    "labels": "all",
    "label_fields": "name,color",
    "labels_limit": "1000",
    "checklists": "all",
    "checklist_fields": "name,idCard,pos",
    "actions": "all",
    "actions_limit": "1",
    "action_fields": "id,date",
}
"""One `GET /boards/{id}` that returns the whole scope; the newest action is the cursor."""


@dataclass
class BoardView:
    """What one full read of the board says, indexed for reading and writing."""

    board_id: str
    kinds: dict[str, Kind]
    """Open list id -> kind, for the mapped lists: the list a kind is written to, and any
    other open list of the kind's configured name (a list a person closed, then reopened
    after pairsync had made a new one, is read again)."""
    list_ids: dict[Kind, str]
    """Kind -> the list its cards are written to."""
    label_ids: dict[str, str]
    """Label name -> id (the first label of a name)."""
    label_names: dict[str, str]
    cards: dict[str, dict[str, Any]]
    five_whys: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Card id -> the checklist of its steps, check items sorted by position."""
    templates: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)
    """Step texts -> (card id, checklist id) of the template card holding those steps."""
    open_lists: dict[str, str] = field(default_factory=dict)
    """Name -> id of every open list, mapped or not (the agenda has a list of its own)."""
    list_names: dict[str, str] = field(default_factory=dict)
    """Id -> name of every open list."""
    closed_lists: dict[str, str] = field(default_factory=dict)
    """Id -> name of every closed (archived) list: what a card there is out of reach for."""
    cursor: str | None = None
    zone: tzinfo = UTC
    """The pair's time zone: the day a `due` falls on."""


def parse_board(
    data: dict[str, Any],
    lists: dict[Kind, str],
    followed: Mapping[Kind, str] | None = None,
    zone: tzinfo = UTC,
) -> BoardView:
    """`followed`: kind -> id of the list it was found in before; an open list keeps
    its kind by id whatever its name is now (a person renamed it). Other kinds are
    found by their configured name. `zone`: the pair's, for the day of a due time."""
    by_name: dict[str, str] = {}
    list_names: dict[str, str] = {}
    closed_lists: dict[str, str] = {}
    for tlist in sorted(data.get("lists", []), key=lambda t: t.get("pos", 0)):
        if tlist.get("closed"):
            closed_lists[tlist["id"]] = tlist["name"]
        else:
            by_name.setdefault(tlist["name"], tlist["id"])
            list_names[tlist["id"]] = tlist["name"]
    list_ids = {k: i for k, i in (followed or {}).items() if k in lists and i in list_names}
    for kind, name in lists.items():
        found = by_name.get(name)
        if kind not in list_ids and found is not None and found not in list_ids.values():
            list_ids[kind] = found
    kinds = {list_id: kind for kind, list_id in list_ids.items()}
    named = {name: kind for kind, name in lists.items()}
    for list_id, name in list_names.items():
        if name in named:
            kinds.setdefault(list_id, named[name])
    labels = [x for x in data.get("labels", []) if x.get("name")]
    view = BoardView(
        board_id=data["id"],
        kinds=kinds,
        list_ids=list_ids,
        label_ids={x["name"]: x["id"] for x in reversed(labels)},
        label_names={x["id"]: x["name"] for x in labels},
        cards={c["id"]: c for c in data.get("cards", [])},
        open_lists=by_name,
        zone=zone,
        list_names=list_names,
        closed_lists=closed_lists,
    )
    names = [CHECKLIST_NAME, OTHER_CHECKLIST_NAME]  # a card's "Five Whys" one first
    steps = [c for c in data.get("checklists", []) if c["name"] in names]
    for checklist in sorted(steps, key=lambda c: (names.index(c["name"]), c.get("pos", 0))):
        if checklist["idCard"] not in view.five_whys:
            checklist["checkItems"] = sorted(
                checklist.get("checkItems", []), key=lambda i: i["pos"]
            )
            view.five_whys[checklist["idCard"]] = checklist
    for card in view.cards.values():
        checklist = view.five_whys.get(card["id"])
        if card["desc"] == TEMPLATE_DESC and checklist is not None:
            texts = tuple(i["name"] for i in checklist["checkItems"])
            view.templates.setdefault(texts, (card["id"], checklist["id"]))
    actions = data.get("actions") or []
    view.cursor = actions[0]["id"] if actions else None
    return view


def out_of_reach(card: dict[str, Any] | None, view: BoardView) -> str:
    """Why a card the state links is not one pairsync may write, as a person puts it
    right: its list closed (most often), moved to a list pairsync does not map, or gone."""
    if card is None:
        return "was deleted in Trello or moved to another board"
    list_id = card["idList"]
    if list_id in view.closed_lists:
        return (
            f'is in the list "{view.closed_lists[list_id]}", which is archived (closed) in '
            "Trello: reopen the list, or move the card to an open one"
        )
    if list_id in view.list_names and list_id not in view.kinds:
        return f'is in the list "{view.list_names[list_id]}", which pairsync does not map'
    return "is gone from the mapped lists"


def checklist_name(kind: Kind) -> str:
    return CHECKLIST_NAME if kind is Kind.PROBLEM else OTHER_CHECKLIST_NAME


def card_item(card: dict[str, Any], view: BoardView) -> tuple[Item, str | None] | None:
    """The item a card shows and the item id in its footer; None for a card out of scope."""
    kind = view.kinds.get(card["idList"])
    if kind is None or card["desc"] == TEMPLATE_DESC:
        return None
    notes, item_id = split_footer(card["desc"])
    names = {view.label_names[i] for i in card["idLabels"] if i in view.label_names}
    labels, owner = split_owner(names)
    checklist = view.five_whys.get(card["id"])
    steps = (
        tuple(Step(i["name"], i["state"] == "complete") for i in checklist["checkItems"])
        if checklist
        else ()
    )
    item = Item(
        kind=kind,
        title=card["name"],
        notes=notes,
        done=bool(card["dueComplete"]),
        archived=bool(card["closed"]),
        due=due_date(card.get("due"), view.zone),
        owner=owner,
        labels=labels,
        steps=steps,
    )
    return item, item_id


def remote_item(card: dict[str, Any], view: BoardView) -> RemoteItem | None:
    found = card_item(card, view)
    if found is None:
        return None
    item, item_id = found
    return RemoteItem(
        remote_id=card["id"],
        item=item,
        item_id=item_id,
        version=version(item, item_id),
        modified_at=parse_time(card["dateLastActivity"]),
    )


def version(item: Item, item_id: str | None) -> str:
    """A hash of what pairsync maps, so that a write's echo has the version the write
    returned, while a person's edit of a mapped field always changes it."""
    text = repr(
        (
            item.kind.value,
            item.title,
            item.notes,
            item.done,
            item.archived,
            item.due,
            sorted(item.tool_labels()),
            item.steps,
            item_id,
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def due_date(value: str | None, zone: tzinfo = UTC) -> date | None:
    return parse_time(value).astimezone(zone).date() if value else None


def due_value(due: date | None, zone: tzinfo = UTC, keep: str | None = None) -> str | None:
    """Trello's `due` for a day in `zone`: at the time of day of `keep` (the card's due
    before), else at noon."""
    if due is None:
        return None
    at = parse_time(keep).astimezone(zone).timetz() if keep else time(12, tzinfo=zone)
    moment = datetime.combine(due, at.replace(tzinfo=None), zone).astimezone(UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def label_color(name: str) -> str:
    """A stable colour per label name (Trello requires one to create a label)."""
    return LABEL_COLORS[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(LABEL_COLORS)]


def card_fields(
    item: Item, desc: str, list_id: str, label_ids: list[str], zone: tzinfo = UTC
) -> dict[str, Any]:
    """The card fields an item asks for, in Trello's names."""
    return {
        "name": item.title,
        "desc": desc,
        "idList": list_id,
        "closed": item.archived,
        "dueComplete": item.done,
        "due": due_value(item.due, zone),
        "idLabels": sorted(label_ids),
    }


def card_diff(card: dict[str, Any], wanted: dict[str, Any], zone: tzinfo = UTC) -> dict[str, Any]:
    """The fields of `wanted` that the card does not already show; idLabels as Trello
    takes them, comma-separated; a due on another day at the card's time of day."""
    diff: dict[str, Any] = {}
    for key, value in wanted.items():
        current = card.get(key)
        if key == "idLabels":
            if sorted(current or []) != value:
                diff[key] = ",".join(value)
        elif key == "due":
            day = due_date(value, zone)
            if due_date(current, zone) != day:
                diff[key] = due_value(day, zone, keep=current)
        elif current != value:
            diff[key] = value
    return diff
