"""A person's hands in the Trello and Asana simulators and in a Markdown board file: the
card, task or lines of an item found by its link-back id (as a person finds a card by its
title), and edits typed there the way each tool's UI would make them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.asana.sim.entities import Task
from adapters.asana.sim.server import AsanaSimulator
from adapters.trello.mapping import due_value
from adapters.trello.sim.entities import Card
from adapters.trello.sim.server import TrelloSimulator
from sync.contract import add_footer, split_footer
from sync.model import Item, Kind, split_owner


def find_card(trello: TrelloSimulator, board_id: str, item_id: str) -> Card:
    """The item's one card on the board (archived or not)."""
    cards = [c for c in trello.cards(board_id) if split_footer(c.desc)[1] == item_id]
    assert len(cards) == 1, f"Trello: {len(cards)} cards for {item_id}"
    return cards[0]


def edit_card(trello: TrelloSimulator, board_id: str, item_id: str, fields: dict[str, Any]) -> None:
    """Change title, notes, done, due, labels or owner of the item's card."""
    card = find_card(trello, board_id, item_id)
    board = trello.board(board_id)
    names = {"title": "name", "notes": "desc", "done": "dueComplete", "due": "due"}
    changes = _typed(fields, item_id, names, due_value)
    if "labels" in fields or "owner" in fields:
        changes["labels"] = sorted(_labels(fields, {board.labels[i].name for i in card.idLabels}))
    trello.person.edit_card(card.id, **changes)


def find_task(asana: AsanaSimulator, project_gid: str, item_id: str) -> Task:
    """The item's one task in the project (in any section)."""
    tasks = [t for t in asana.person.tasks(project_gid) if split_footer(t.notes)[1] == item_id]
    assert len(tasks) == 1, f"Asana: {len(tasks)} tasks for {item_id}"
    return tasks[0]


def edit_task(
    asana: AsanaSimulator, project_gid: str, item_id: str, fields: dict[str, Any]
) -> None:
    """Change title, notes, done, due, labels or owner of the item's task."""
    person = asana.person
    task = find_task(asana, project_gid, item_id)
    names = {"title": "name", "notes": "notes", "done": "completed", "due": "due_on"}
    changes = _typed(fields, item_id, names, lambda day: day.isoformat() if day else None)
    if changes:
        person.edit(task.gid, **changes)
    if "labels" in fields or "owner" in fields:
        current = {t.name for t in task.tags}
        wanted = _labels(fields, current)
        for name in sorted(wanted - current):
            person.tag(task.gid, name)
        for name in sorted(current - wanted):
            person.untag(task.gid, name)


def _typed(
    fields: dict[str, Any], item_id: str, names: dict[str, str], due: Callable[[Any], Any]
) -> dict[str, Any]:
    """The tool's own fields (`names`) for a typed title, notes (the footer kept), done, due."""
    shown = {"notes": lambda notes: add_footer(notes, item_id), "due": due}
    return {
        names[name]: shown.get(name, lambda value: value)(value)
        for name, value in fields.items()
        if name in names
    }


def _labels(fields: dict[str, Any], current: set[str]) -> frozenset[str]:
    """The tool's labels / tags once the typed labels or owner replace the current ones."""
    labels, owner = split_owner(current)
    item = Item(Kind.GOAL, "", labels=fields.get("labels", labels))
    return item.with_(owner=fields.get("owner", owner)).tool_labels()


def insert_card(lines: list[str], heading: str, card: str) -> None:
    """Put a card's lines right under `## heading` (added before the settings if missing)."""
    at = next((i + 1 for i, line in enumerate(lines) if line == f"## {heading}\n"), None)
    if at is None:
        at = next((i for i, line in enumerate(lines) if line.startswith("%%")), len(lines))
        lines[at:at] = [f"## {heading}\n", "\n"]
        at += 1
    lines[at:at] = [card]


def md_span(lines: list[str], item_id: str) -> tuple[int, int]:
    """The lines of the card with this marker: its title line and the indented ones."""
    start = next(i for i, line in enumerate(lines) if line.startswith("- ") and item_id in line)
    end = start + 1
    while end < len(lines) and lines[end][:1] in ("\t", " "):
        end += 1
    return start, end
