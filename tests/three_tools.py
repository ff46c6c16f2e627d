"""One pair mirrored into all three tools at once, for the trust tests: a Markdown board
file, a board on the Trello simulator and a project on the Asana simulator.

- `ThreeTools.write_config()` writes the pair's `pair.toml` (what `pairsync sync --config`
  reads); `sync()` runs `sync.run.engine.sync_pair` on it, as `run_pair` would.
- `create/edit/move/archive/restore/delete/tick` act as a person in one tool: Trello and
  Asana through their simulators' person (the backend, as the web UI would), Markdown by
  rewriting the file's lines. Items are found by their link-back id, the way a person
  finds a card by its title.
- `shown(tool)` is the board as that tool shows it (its adapter's full read), `footers(tool)`
  counts every copy in the tool by link-back id, and `assert_same_board` checks that every
  tool shows the canonical board of the state database.

What a rig with a board file shares with tests/notion_pair.py is in tests/board_pair.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from adapters.asana.adapter import AsanaAdapter
from adapters.asana.sim.entities import Task
from adapters.asana.sim.server import AsanaSimulator, World
from adapters.base import Adapter
from adapters.trello.mapping import TEMPLATE_DESC
from adapters.trello.sim.entities import Card
from adapters.trello.sim.server import TrelloSimulator
from sync.config import PairConfig
from sync.contract import DEFAULT_LISTS, OPTIONAL_LISTS, split_footer
from sync.model import Item, Kind
from sync.store.state import State
from tests.board_pair import ARCHIVE, FIVE_WHYS, BoardPair
from tests.same_board import check_same_board
from tests.tool_hands import edit_card, edit_task, find_card, find_task

NOTES, TRELLO, ASANA = "notes", "trello", "asana"
TOOLS = (NOTES, TRELLO, ASANA)

SEED = (
    (NOTES, Kind.GOAL, "Grow EMEA revenue"),
    (TRELLO, Kind.PROBLEM, "Invoices paid late"),
    (ASANA, Kind.ACTION, "Book flights to Lisbon"),
    (NOTES, Kind.DECISION, "Approve the offsite budget"),
    (TRELLO, Kind.ACTION, "Renew the passport"),
)
"""A small board made by people in all three tools before the first sync."""


def new_asana_project(sim: AsanaSimulator, world: World, name: str = "Exec board") -> World:
    """An empty project in the seeded workspace: a fresh board without a new simulator."""
    with sim.app.lock:
        workspace = sim.backend.workspaces[world.workspace_gid]
        project = sim.backend.create_project(workspace, name)
    return replace(world, project_gid=project.gid)


@dataclass
class ThreeTools(BoardPair):
    trello: TrelloSimulator
    board_id: str
    asana: AsanaSimulator
    world: World
    renamed: dict[tuple[str, Kind], str] = field(default_factory=dict)
    """(tool, kind) -> the name a person gave that kind's list or section (`rename`)."""

    def place(self, tool: str, kind: Kind) -> str:
        """The name of the list / section / heading a person drops items of `kind` in."""
        return self.renamed.get((tool, kind), {**DEFAULT_LISTS, **OPTIONAL_LISTS}[kind])

    def rename(self, tool: str, kind: Kind, name: str) -> None:
        """Rename the kind's list (Trello) or section (Asana), as a person would."""
        if tool == TRELLO:
            board = self.trello.board(self.board_id)
            old = self.place(tool, kind)
            tlist = next(t for t in board.lists.values() if t.name == old and not t.closed)
            with self.trello.app.lock:
                self.trello.backend.update_list(self.trello.member, tlist.id, name=name)
        else:
            self.asana.person.rename_section(self.world.project_gid, self.place(tool, kind), name)
        self.renamed[(tool, kind)] = name

    # -- the pair --------------------------------------------------------------------------
    @property
    def state_path(self) -> Path:
        return self.folder / "state" / "trust.sqlite"

    def write_config(
        self,
        policy: str = "latest",
        order: tuple[str, ...] = TOOLS,
        retry_seconds: float = 5.0,
        timeout_seconds: float = 30.0,
        timezone: str = "UTC",
    ) -> Path:
        """`pair.toml` with the three targets in `order` (the order of writes in a run);
        the Asana project is the executive's tool and the Trello board the assistant's,
        for the role-based conflict policies."""
        keys: dict[str, dict[str, object]] = {
            NOTES: {"type": "markdown", "path": self.board_path.name},
            TRELLO: {
                "type": "trello",
                "role": "assistant",
                "board_id": self.board_id,
                "api_key": self.trello.key,
                "token": self.trello.token,
                "api_secret": self.trello.api_secret,
                "base_url": self.trello.base_url,
                "retry_seconds": retry_seconds,
                "timeout_seconds": timeout_seconds,
                **self.trello.pacing(),
            },
            ASANA: {
                "type": "asana",
                "role": "executive",
                "project_gid": self.world.project_gid,
                "token": self.world.token,
                "base_url": self.asana.base_url,
                "retry_seconds": retry_seconds,
                **self.asana.pacing(),
            },
        }
        targets = "".join(
            f'\n[[targets]]\nname = "{name}"\n'
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys[name].items())
            for name in order
        )
        steps = ", ".join(json.dumps(step) for step in FIVE_WHYS)
        self.config_path.write_text(
            f"""\
[pair]
name = "trust"
conflict_policy = "{policy}"
timezone = "{timezone}"

[state]
path = "state/{self.state_path.name}"

[five_whys]
steps = [{steps}]
"""
            + targets,
            encoding="utf-8",
        )
        return self.config_path

    def config(self) -> PairConfig:
        if not self.config_path.exists():
            self.write_config()
        return super().config()

    def quicken(self, adapter: Adapter) -> None:
        """Asana's 5xx backoff in hundredths of a second, as in tests/conftest_asana.py."""
        if isinstance(adapter, AsanaAdapter):
            adapter.client.backoff = 0.01

    def seed(self) -> dict[str, str]:
        """People make the `SEED` items in their tools; a first sync mirrors them, a second
        reads the echo of its writes and finds nothing to do. Returns item id by title."""
        for tool, kind, title in SEED:
            self.create(tool, kind, title)
        summary = self.sync()
        assert not summary.failed, summary.to_json()
        assert self.sync().plan.is_empty
        return self.ids()

    def ids(self) -> dict[str, str]:
        return {item.title: item_id for item_id, item in self.canonical().items()}

    def conflict_rows(self) -> list[tuple[str, str, str, Any, str, Any]]:
        """(item id, field, winner, winner value, loser, loser value) per recorded loss."""
        state = State.open(self.state_path)
        try:
            rows = state.conflicts()
        finally:
            state.close()
        return [
            (r.item_id, r.field, r.winner, r.winner_value, r.loser, r.loser_value) for r in rows
        ]

    # -- what each tool shows --------------------------------------------------------------
    def footers(self, tool: str) -> Counter[str]:
        """Every copy of an item anywhere in the tool (other lists, archived cards, tasks in
        other sections), counted by link-back id: a count above 1 is a duplicate."""
        if tool == NOTES:
            return self.md_footers()
        if tool == TRELLO:
            descs = [c.desc for c in self.trello.cards(self.board_id) if c.desc != TEMPLATE_DESC]
        else:
            descs = [t.notes for t in self.asana.person.tasks(self.world.project_gid)]
        return Counter(i for i in (split_footer(d)[1] for d in descs) if i is not None)

    def assert_no_duplicates(self) -> None:
        for tool in TOOLS:
            copies = {i: n for i, n in self.footers(tool).items() if n > 1}
            assert not copies, f"{tool} shows duplicates: {copies}"

    def assert_same_board(self) -> dict[str, Item]:
        """Every tool shows the canonical board (see `check_same_board`); returns it."""
        board = self.canonical()
        check_same_board(board, {tool: self.shown(tool) for tool in TOOLS})
        return board

    # -- a person at work --------------------------------------------------------------------
    def create(self, tool: str, kind: Kind, title: str, notes: str = "") -> None:
        """A new card, task or line, typed by a person (no link-back id yet)."""
        section = self.place(tool, kind)
        if tool == NOTES:
            card = f"- [ ] {title}\n" + "".join(f"\t{line}\n" for line in notes.splitlines())
            self.md_insert(section, card)
        elif tool == TRELLO:
            self.trello.person.create_card(self.board_id, section, title, desc=notes)
        else:
            self.asana.person.create_task(self.world.project_gid, section, title, notes=notes)

    def edit(self, tool: str, item_id: str, **fields: Any) -> None:
        """Change title, notes, done, due, labels or owner as typed in the tool."""
        if tool == NOTES:
            self.md_edit(item_id, **fields)
        elif tool == TRELLO:
            edit_card(self.trello, self.board_id, item_id, fields)
        else:
            edit_task(self.asana, self.world.project_gid, item_id, fields)

    def move(self, tool: str, item_id: str, kind: Kind) -> None:
        """Drag the item to the list / section / heading of another kind."""
        self._place(tool, item_id, self.place(tool, kind))

    def archive(self, tool: str, item_id: str) -> None:
        if tool == TRELLO:
            self.trello.person.archive_card(self.card_of(item_id).id)
        elif tool == ASANA:
            self.asana.person.complete(self.task_of(item_id).gid)
            self._place(tool, item_id, ARCHIVE)
        else:
            self._place(tool, item_id, ARCHIVE)

    def restore(self, tool: str, item_id: str, kind: Kind) -> None:
        """Un-archive into the kind's list (Asana: out of the Archive section, unticked)."""
        if tool == TRELLO:
            card = self.card_of(item_id)
            self.trello.person.archive_card(card.id, archived=False)
        self._place(tool, item_id, self.place(tool, kind))
        if tool == ASANA:
            self.asana.person.complete(self.task_of(item_id).gid, done=False)

    def delete(self, tool: str, item_id: str) -> None:
        if tool == TRELLO:
            self.trello.person.delete_card(self.card_of(item_id).id)
        elif tool == ASANA:
            self.asana.person.delete(self.task_of(item_id).gid)
        else:
            self.md_delete(item_id)

    def tick(self, tool: str, item_id: str, index: int, done: bool = True) -> None:
        """Tick (or untick) the item's Five Whys step at `index`."""
        if tool == NOTES:
            self.md_tick(item_id, index, done)
        elif tool == TRELLO:
            card = self.card_of(item_id)
            board = self.trello.board(self.board_id)
            items = sorted(
                (i for c in card.idChecklists for i in board.checklists[c].items),
                key=lambda i: i.pos,
            )
            self.trello.person.tick(card.id, items[index].name, done)
        else:
            subtask = self.task_of(item_id).subtasks[index]
            self.asana.person.tick_subtask(subtask.gid, done)

    # -- the item's card, task or lines -----------------------------------------------------
    def card_of(self, item_id: str) -> Card:
        return find_card(self.trello, self.board_id, item_id)

    def task_of(self, item_id: str) -> Task:
        return find_task(self.asana, self.world.project_gid, item_id)

    def _place(self, tool: str, item_id: str, section: str) -> None:
        if tool == TRELLO:
            self.trello.person.move_card(self.card_of(item_id).id, section)
        elif tool == ASANA:
            self.asana.person.move(self.task_of(item_id).gid, section, self.world.project_gid)
        else:
            self.md_move(item_id, section)
