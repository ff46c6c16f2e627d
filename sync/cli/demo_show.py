"""What the demo shows of each tool, as a person reads it there (and how it finds the card
or page a person edits): the board rendered as plain lines from each simulator's state."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the demo reaches the simulators through the registries
    from adapters.asana.sim.server import AsanaSimulator
    from adapters.notion.sim.server import NotionSimulator
    from adapters.trello.sim.server import TrelloSimulator

KINDS_SHOWN = ("1:1", "Goals", "Decisions", "Problems", "Actions", "Wins", "Feedback", "Archive")
"""The lists, sections and Kind options in the order the demo prints them."""


def trello_card(trello: TrelloSimulator, board_id: str, title_start: str) -> str:
    return next(c.id for c in trello.cards(board_id) if c.name.startswith(title_start))


def trello_lines(trello: TrelloSimulator, board_id: str) -> list[str]:
    board = trello.board(board_id)
    lines = []
    for trello_list in board.lists.values():
        cards = [c for c in trello.cards(board_id, trello_list.name) if not c.closed]
        if not cards:
            continue
        lines.append(f"[{trello_list.name}]")
        for card in cards:
            labels = ", ".join(board.labels[i].name for i in card.idLabels)
            done = "done" if card.dueComplete else "open"
            lines.append(f"  {card.name}  ({done}; labels: {labels or '-'})")
            for checklist_id in card.idChecklists:
                checklist = board.checklists[checklist_id]
                ticked = sum(i.state == "complete" for i in checklist.items)
                lines.append(
                    f"    checklist '{checklist.name}': {ticked}/{len(checklist.items)} ticked"
                )
    return lines


def asana_lines(asana: AsanaSimulator, project_gid: str) -> list[str]:
    lines = []
    for section in KINDS_SHOWN:
        tasks = asana.person.tasks(project_gid, section)
        if not tasks:
            continue
        lines.append(f"[{section}]")
        for task in tasks:
            tags = ", ".join(t.name for t in task.tags)
            done = "completed" if task.completed else "open"
            lines.append(f"  {task.name}  ({done}; tags: {tags or '-'})")
            if task.subtasks:
                ticked = sum(sub.completed for sub in task.subtasks)
                lines.append(f"    subtasks: {ticked}/{len(task.subtasks)} completed")
    return lines


def notion_page(notion: NotionSimulator, source_id: str, title_start: str) -> str:
    return next(p.id for p in notion.person.pages(source_id) if p.title.startswith(title_start))


def notion_lines(notion: NotionSimulator, source_id: str) -> list[str]:
    lines = []
    pages = notion.person.pages(source_id)
    for kind in KINDS_SHOWN:
        shown = [p for p in pages if p.kind == kind]
        if not shown:
            continue
        lines.append(f"[Kind: {kind}]")
        for page in shown:
            done = "done" if page.done else "open"
            lines.append(f"  {page.title}  ({done}; tags: {', '.join(page.tags) or '-'})")
            if page.steps:
                ticked = sum(page.steps)
                lines.append(f"    to-dos under 'Five Whys': {ticked}/{len(page.steps)} ticked")
    trashed = [p.title for p in notion.person.pages(source_id, in_trash=True)]
    if trashed:
        lines.append(f"[in the trash] {', '.join(trashed)}")
    return lines
