"""The simulated Trello's records and their JSON: members, boards, lists, labels, cards,
checklists, check items and actions, shaped as Trello's API answers them."""

from __future__ import annotations

import itertools
import secrets
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.simkit import ServiceError, iso

_counter = itertools.count(1)


def new_id(now: float) -> str:
    """24 hex digits, the first 8 the creation time, as Trello's (Mongo) ids are."""
    return f"{int(now):08x}{next(_counter):06x}{secrets.token_hex(5)}"


def parse_date(value: str | None) -> str | None:
    """Trello's `due`: an ISO date or date-time (or null); stored as an ISO date-time."""
    if value in (None, "", "null"):
        return None
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso(parsed.timestamp())


class TrelloError(ServiceError):
    """An answer Trello gives instead of the resource: status and its message."""


def not_found() -> TrelloError:
    return TrelloError(404, "The requested resource was not found.")


@dataclass
class Member:
    id: str
    username: str
    full_name: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "fullName": self.full_name,
            "initials": "".join(w[0] for w in self.full_name.split())[:3].upper(),
        }


@dataclass
class Label:
    id: str
    idBoard: str
    name: str
    color: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "idBoard": self.idBoard, "name": self.name, "color": self.color}


@dataclass
class CheckItem:
    id: str
    idChecklist: str
    name: str
    state: str = "incomplete"
    pos: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "idChecklist": self.idChecklist,
            "name": self.name,
            "nameData": None,
            "state": self.state,
            "pos": self.pos,
            "due": None,
            "dueReminder": None,
            "idMember": None,
        }


@dataclass
class Checklist:
    id: str
    idBoard: str
    idCard: str
    name: str
    pos: float
    items: list[CheckItem] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        items = sorted(self.items, key=lambda i: i.pos)
        return {
            "id": self.id,
            "idBoard": self.idBoard,
            "idCard": self.idCard,
            "name": self.name,
            "pos": self.pos,
            "checkItems": [i.to_json() for i in items],
        }


@dataclass
class TList:
    id: str
    idBoard: str
    name: str
    pos: float
    closed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "idBoard": self.idBoard,
            "name": self.name,
            "closed": self.closed,
            "pos": self.pos,
            "subscribed": False,
        }


@dataclass
class Card:
    id: str
    idBoard: str
    idList: str
    name: str
    idShort: int
    shortLink: str
    pos: float
    dateLastActivity: str
    desc: str = ""
    closed: bool = False
    due: str | None = None
    dueComplete: bool = False
    idLabels: list[str] = field(default_factory=list)
    idChecklists: list[str] = field(default_factory=list)


@dataclass
class Action:
    id: str
    seq: int
    type: str
    date: str
    member: Member
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "idMemberCreator": self.member.id,
            "type": self.type,
            "date": self.date,
            "data": self.data,
            "appCreator": None,
            "limits": {},
            "memberCreator": self.member.to_json(),
        }


@dataclass
class Board:
    id: str
    name: str
    shortLink: str
    dateLastActivity: str
    lists: dict[str, TList] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    checklists: dict[str, Checklist] = field(default_factory=dict)
    actions: list[Action] = field(default_factory=list)
    member_ids: set[str] = field(default_factory=set)

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "shortLink": self.shortLink}


def short_link() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def card_json(board: Board, card: Card) -> dict[str, Any]:
    items = [i for c in card.idChecklists for i in board.checklists[c].items]
    done = sum(1 for i in items if i.state == "complete")
    link = f"https://trello.com/c/{card.shortLink}"
    return {
        "id": card.id,
        "name": card.name,
        "desc": card.desc,
        "descData": {"emoji": {}},
        "closed": card.closed,
        "due": card.due,
        "dueComplete": card.dueComplete,
        "dueReminder": None,
        "start": None,
        "idBoard": card.idBoard,
        "idList": card.idList,
        "idLabels": list(card.idLabels),
        "labels": [board.labels[i].to_json() for i in card.idLabels],
        "idChecklists": list(card.idChecklists),
        "idMembers": [],
        "idMembersVoted": [],
        "idShort": card.idShort,
        "shortLink": card.shortLink,
        "shortUrl": link,
        "url": f"{link}/{card.idShort}",
        "pos": card.pos,
        "subscribed": False,
        "dateLastActivity": card.dateLastActivity,
        "manualCoverAttachment": False,
        "checkItemStates": [],
        "address": None,
        "locationName": None,
        "coordinates": None,
        "isTemplate": False,
        "badges": {
            "checkItems": len(items),
            "checkItemsChecked": done,
            "comments": 0,
            "attachments": 0,
            "description": bool(card.desc),
            "due": card.due,
            "dueComplete": card.dueComplete,
            "subscribed": False,
            "votes": 0,
            "viewingMemberVoted": False,
            "fogbugz": "",
            "location": False,
        },
    }
