"""The trust tests' three tools (tests/three_tools.py: Markdown, Trello and Asana simulators
behind one pair) set up as a real pair is for facilitation: the two people's names,
`[stale]`, `[agenda]` and the Five Whys steps; plus what a person does to Five Whys steps
and to an item's age in each tool.

Ages come from the tools' own clocks, as in production: a Trello card's
`dateLastActivity`, an Asana task's `modified_at`, the Markdown file's mtime.
"""

from __future__ import annotations

import json
import os
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sync.model import Item, Step
from sync.store.state import ItemRecord, State
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools

EXECUTIVE, ASSISTANT = "Dana Smith", "Lee Park"
STEPS = ("What happened?", "Why 1?", "Why 2?", "Root cause agreed", "Countermeasure")
"""Five Whys steps named in `[five_whys] steps` (the default has eight)."""
DAY = 86400.0


@pytest.fixture
def tools(three_tools: ThreeTools) -> ThreeTools:
    configure(three_tools)
    return three_tools


def configure(
    tools: ThreeTools, *, steps: tuple[str, ...] | None = STEPS, **sections: dict[str, Any]
) -> None:
    """`pair.toml`: the trust tests' three targets, the executive's and assistant's names,
    the Five Whys `steps` (None: the default eight) and more `sections` ([stale], ...)."""
    tools.write_config()
    text = tools.config_path.read_text(encoding="utf-8")
    names = f'[pair]\nexecutive = "{EXECUTIVE}"\nassistant = "{ASSISTANT}"\n'
    text = text.replace("[pair]\n", names, 1)
    wanted = "" if steps is None else f"steps = {json.dumps(list(steps))}\n"
    text = re.sub(r"^steps = .*\n", wanted, text, count=1, flags=re.MULTILINE)
    for name, values in sections.items():
        text += f"\n[{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items())
    tools.config_path.write_text(text, encoding="utf-8")


def records(tools: ThreeTools) -> dict[str, ItemRecord]:
    state = State.open(tools.state_path)
    try:
        return state.items()
    finally:
        state.close()


def everywhere(tools: ThreeTools, item_id: str) -> dict[str, Item]:
    """The item as each tool shows it (a full read of each)."""
    return {tool: tools.shown(tool)[item_id][0].item for tool in (NOTES, TRELLO, ASANA)}


def writes(summary: Any) -> int:
    return sum(t.created + t.updated + t.archived for t in summary.targets.values())


# -- a person and the Five Whys ---------------------------------------------------------------
def answer(tools: ThreeTools, tool: str, item_id: str, index: int, text: str) -> None:
    """A person writes the answer into a step and ticks it, in one tool."""
    if tool == NOTES:

        def answered(item: Item) -> Item:
            steps = list(item.steps)
            steps[index] = Step(text, True)
            return item.with_(steps=tuple(steps))

        tools.md_replace(item_id, answered)
    elif tool == TRELLO:
        sim = tools.trello
        card = tools.card_of(item_id)
        with sim.app.lock:
            board = sim.board(tools.board_id)
            items = sorted(
                (i for c in card.idChecklists for i in board.checklists[c].items),
                key=lambda i: i.pos,
            )
            sim.backend.update_check_item(
                sim.member, card.id, items[index].id, name=text, state="complete"
            )
    else:
        subtask = tools.task_of(item_id).subtasks[index]
        tools.asana.person.edit(subtask.gid, name=text, completed=True)


def delete_steps(tools: ThreeTools, tool: str, item_id: str) -> None:
    """A person removes the Five Whys: the Trello checklist, the Asana subtasks, the
    Markdown step lines."""
    if tool == NOTES:
        tools.md_replace(item_id, lambda item: item.with_(steps=()))
    elif tool == TRELLO:
        tools.trello.person.delete_checklist(tools.card_of(item_id).id)
    else:
        for subtask in list(tools.task_of(item_id).subtasks):
            tools.asana.person.delete_subtask(subtask.gid)


# -- ages -------------------------------------------------------------------------------------
def age(tools: ThreeTools, tool: str, title: str, days: int) -> None:
    """Make a person's item look untouched for `days` and a half in its tool, by that tool's
    clock (the Markdown file has one clock for all its lines); the half day keeps the whole
    days the same however long the test runs."""
    days += 0.5  # type: ignore[assignment]
    if tool == NOTES:
        then = time.time() - days * DAY
        os.utime(tools.board_path, (then, then))
    elif tool == TRELLO:
        [card] = [c for c in tools.trello.cards(tools.board_id) if c.name == title]
        tools.trello.person.age_card(card.id, days)
    else:
        [task] = [t for t in tools.asana.person.tasks(tools.world.project_gid) if t.name == title]
        tools.asana.person.set_modified_at(task.gid, datetime.now(UTC) - timedelta(days=days))
