"""The shared board's item: the one shape every tool's card, task or line is mapped to.

Terminology used across pairsync:
- item: one goal, decision, problem or action on the shared board (`Item`).
- item id: pairsync's own stable id of an item, kept in the state and in the link-back
  footer (Trello/Asana description) or block marker (Markdown line).
- target: one configured tool (a Trello board, an Asana project, a Markdown file).
- remote id: the target's own id of the item (card id, task gid, Markdown marker).
- version: an opaque string that changes whenever the remote item changes.
- base: what a target and the shared board last agreed on for an item.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    GOAL = "goal"
    DECISION = "decision"
    PROBLEM = "problem"
    ACTION = "action"
    WIN = "win"
    """A contribution recognised (only where the pair turns it on: `[board] kinds`)."""
    FEEDBACK = "feedback"
    """Feedback either way (only where the pair turns it on)."""


BASE_KINDS: tuple[Kind, ...] = (Kind.GOAL, Kind.DECISION, Kind.PROBLEM, Kind.ACTION)
"""The kinds every board has; `win` and `feedback` are the pair's choice."""


class Owner(StrEnum):
    EXECUTIVE = "executive"
    ASSISTANT = "assistant"


# The owner travels as an ordinary label/tag in every tool, so a person can set it
# with the tool's own UI: "owner/executive" (a valid Obsidian tag, Trello label and Asana tag).
OWNER_LABEL_PREFIX = "owner/"


@dataclass(frozen=True, slots=True)
class Step:
    """One Five Whys step: its text (a person may write the answer into it) and whether ticked."""

    text: str
    done: bool = False


@dataclass(frozen=True, slots=True)
class Item:
    """One entry on the shared board. Immutable; edits make a new Item (`dataclasses.replace`)."""

    kind: Kind
    title: str
    notes: str = ""
    done: bool = False
    archived: bool = False
    due: date | None = None
    owner: Owner | None = None
    labels: frozenset[str] = field(default_factory=frozenset)
    steps: tuple[Step, ...] = ()
    rank: str = ""
    """The item's place in its list: items sort by (rank, item id). Tools show only the
    order; `sync.plan.order` turns each tool's order into ranks and back. "" is not yet placed."""

    def with_(self, **changes: Any) -> Item:
        """This item with `changes`: itself when they change nothing (the planner asks for
        a settled item's own rank many times a run; an Item is immutable, so sharing is safe)."""
        for name, value in changes.items():  # a loop, not all(): 400,000 calls plan 100,000 items
            if getattr(self, name) != value:
                return dataclasses.replace(self, **changes)
        return self

    def tool_labels(self) -> frozenset[str]:
        """Labels as a tool shows them: the item's labels plus its owner label."""
        if self.owner is None:
            return self.labels
        return self.labels | {OWNER_LABEL_PREFIX + self.owner.value}


FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Item))


_OWNERS = {owner.value: owner for owner in Owner}


def split_owner(tool_labels: frozenset[str] | set[str]) -> tuple[frozenset[str], Owner | None]:
    """Separate the owner label from the other labels a tool shows (inverse of `tool_labels`)."""
    owner: Owner | None = None
    labels: set[str] = set()
    for label in sorted(tool_labels):
        role = _OWNERS.get(label.removeprefix(OWNER_LABEL_PREFIX))
        if label.startswith(OWNER_LABEL_PREFIX) and role is not None and owner is None:
            owner = role
        else:
            labels.add(label)
    return frozenset(labels), owner


def item_to_dict(item: Item) -> dict[str, object]:
    """A JSON-ready form for the state database (sorted labels: stable hashes and diffs)."""
    return {
        "kind": item.kind.value,
        "title": item.title,
        "notes": item.notes,
        "done": item.done,
        "archived": item.archived,
        "due": item.due.isoformat() if item.due else None,
        "owner": item.owner.value if item.owner else None,
        "labels": sorted(item.labels),
        "steps": [[step.text, step.done] for step in item.steps],
        "rank": item.rank,
    }


def item_from_dict(data: dict[str, Any]) -> Item:
    return Item(
        kind=Kind(data["kind"]),
        title=data["title"],
        notes=data["notes"],
        done=data["done"],
        archived=data["archived"],
        due=date.fromisoformat(data["due"]) if data["due"] else None,
        owner=Owner(data["owner"]) if data["owner"] else None,
        labels=frozenset(data["labels"]),
        steps=tuple(Step(text, done) for text, done in data["steps"]),
        rank=data.get("rank", ""),  # states written before order was mirrored have none
    )
