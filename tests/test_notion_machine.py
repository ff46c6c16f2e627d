"""Random work in a Notion database and a Markdown board at once, with faults, through the
real engine and state: the state machine of tests/test_engine_machine.py with Notion as
the tool under test (its other tools are checked there; this one keeps a small budget).

People make items, edit fields, tick Five Whys steps, archive (`Kind` = "Archive") and
restore, move a page to the trash and bring it back, delete a Markdown line; and syncs,
some meeting 429, 409, 529, 5xx or dropped connections in Notion. Every edit here lands
in the same minute as the read before it (the suite runs in seconds), so every run
exercises the minute-rounded `last_edited_time`. After every sync without faults:

- both tools show the canonical board (each field the tool can show), no duplicates,
  nothing lost or doubled on the board;
- a field changed in one tool only has that tool's value;
- a second sync plans nothing.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from adapters.notion.sim.server import NotionSimulator
from adapters.simkit import Faults
from sync.model import BASE_KINDS, Item, Kind, Owner
from tests.conftest import PROFILE
from tests.ledger import Ledger, Shown
from tests.notion_pair import NOTES, NOTION, TOOLS, NotionPair
from tests.same_board import check_same_board

VALUES: dict[str, st.SearchStrategy[Any]] = {
    "title": st.sampled_from(["Plan Q3", "Hire a CFO", "Fix onboarding"]),
    "notes": st.sampled_from(["", "call the bank first", "two lines\nof notes"]),
    "done": st.booleans(),
    "due": st.none() | st.sampled_from([date(2026, 3, 31), date(2026, 12, 24)]),
    "labels": st.frozensets(st.sampled_from(["q4", "travel"])),
    "owner": st.none() | st.sampled_from(list(Owner)),
}
FAULTS = st.sampled_from(
    [
        ("rate_limit_next", 3),
        ("fail_next", 2),
        ("fail_next", 1000),  # Notion is down for the whole run
        ("fail_writes_next", 1000),
        ("drop_next", 2),
        ("drop_after_write_next", 1),
    ]
)
STATUSES = st.sampled_from([409, 503, 529])


class NotionMachine(RuleBasedStateMachine):
    sim: ClassVar[NotionSimulator]
    root: ClassVar[Path]
    examples = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        number = next(self.examples)
        folder = self.root / f"example-{number}"
        folder.mkdir()
        world = self.sim.seed(title=f"Board {number}")
        self.pair = NotionPair(folder, self.sim, world.data_source_id, world.token)
        self.pair.write_config()
        self.pair.set_up_database()
        ids = (f"{n:016x}" for n in itertools.count(1))
        self.new_id = lambda: next(ids)
        self.made = 0
        self.ledger = Ledger()
        self.seen: dict[str, Shown] = {}
        self.board: dict[str, Item] = {}
        self.touched: set[str] = set()
        self.archived_by_people: set[str] = set()

    @initialize()
    def first_push(self) -> None:
        self.create(NOTES, Kind.PROBLEM)
        self.create(NOTION, Kind.GOAL)
        self.sync()

    # -- people ----------------------------------------------------------------------------
    @rule(tool=st.sampled_from(TOOLS), kind=st.sampled_from(BASE_KINDS))
    def create(self, tool: str, kind: Kind) -> None:
        self.made += 1
        self.pair.create(tool, kind, f"Item {self.made}")
        self.touched.add(tool)

    @rule(tool=st.sampled_from(TOOLS), pick=st.integers(0, 99), data=st.data())
    def edit(self, tool: str, pick: int, data: st.DataObject) -> None:
        names = data.draw(st.sets(st.sampled_from(sorted(VALUES)), min_size=1, max_size=3))
        fields = {name: data.draw(VALUES[name], label=name) for name in sorted(names)}
        self._act(tool, pick, lambda item_id: self.pair.edit(tool, item_id, **fields))

    @rule(tool=st.sampled_from(TOOLS), pick=st.integers(0, 99), step=st.integers(0, 1))
    def tick(self, tool: str, pick: int, step: int) -> None:
        def tick(item_id: str) -> None:
            with contextlib.suppress(IndexError):  # the item has no such step here
                self.pair.tick(tool, item_id, step, done=pick % 2 == 0)

        self._act(tool, pick, tick)

    @rule(tool=st.sampled_from(TOOLS), pick=st.integers(0, 99))
    def archive(self, tool: str, pick: int) -> None:
        def archive(item_id: str) -> None:
            self.pair.archive(tool, item_id)
            self.archived_by_people.add(item_id)

        self._act(tool, pick, archive)

    @rule(tool=st.sampled_from(TOOLS), pick=st.integers(0, 99), kind=st.sampled_from(BASE_KINDS))
    def restore(self, tool: str, pick: int, kind: Kind) -> None:
        self._act(tool, pick, lambda item_id: self.pair.restore(tool, item_id, kind))

    @rule(pick=st.integers(0, 99))
    def trash(self, pick: int) -> None:
        def trash(item_id: str) -> None:
            self.pair.trash(item_id)
            self.archived_by_people.add(item_id)

        self._act(NOTION, pick, trash, live=True)

    @rule(pick=st.integers(0, 99))
    def untrash(self, pick: int) -> None:
        trashed = self.pair.trashed()
        if trashed:
            self.pair.untrash(trashed[pick % len(trashed)])
            self.touched.add(NOTION)

    @rule(pick=st.integers(0, 99))
    def delete_line(self, pick: int) -> None:
        def delete(item_id: str) -> None:
            self.pair.delete(item_id)
            self.archived_by_people.add(item_id)

        self._act(NOTES, pick, delete)

    def _act(self, tool: str, pick: int, action: Any, live: bool = False) -> None:
        here = sorted(set(self.pair.footers(tool)) & self.board.keys())
        if tool == NOTION:
            here = [i for i in here if i not in self.pair.trashed()]
        if live:
            here = [i for i in here if not self.board[i].archived]
        if here:
            action(here[pick % len(here)])
            self.touched.add(tool)

    # -- syncs -----------------------------------------------------------------------------
    @rule()
    def sync(self) -> None:
        self._note_edits()
        summary = self.pair.sync(new_id=self.new_id)
        if summary.held:  # a person trashed or deleted most items at once: the user accepts
            summary = self.pair.sync(new_id=self.new_id, accept_vanished=list(summary.held))
        assert not summary.failed, summary.to_json()
        board = self.pair.canonical()
        newly = {
            i for i, item in board.items() if item.archived and not self.board.get(i, item).archived
        }
        assert newly <= self.archived_by_people, [board[i].title for i in newly]
        self.seen = {tool: self.pair.shown(tool) for tool in TOOLS}
        check_same_board(board, self.seen)
        for tool in TOOLS:
            copies = {i: n for i, n in self.pair.footers(tool).items() if n > 1}
            assert not copies, f"{tool} shows duplicates: {copies}"
        assert len(board) == self.made, "items lost or doubled on the board"
        self.ledger.check(board)
        self.ledger = Ledger()
        self.board = board
        self.archived_by_people.clear()
        again = self.pair.sync(new_id=self.new_id)
        assert again.plan.is_empty, again.plan

    @rule(fault=FAULTS, status=STATUSES)
    def sync_with_faults(self, fault: tuple[str, int], status: int) -> None:
        self._note_edits()
        setattr(self.sim.app.faults, *fault)
        self.sim.app.faults.fail_status = status
        try:
            self.pair.sync(new_id=self.new_id)
        finally:
            self.sim.app.faults = Faults()
        self.seen = {tool: self.pair.shown(tool) for tool in TOOLS}
        self.board = self.pair.canonical()

    def _note_edits(self) -> None:
        for tool in sorted(self.touched):
            self.ledger.note(tool, self.seen.get(tool, {}), self.pair.shown(tool), self.board)
        self.touched.clear()


@pytest.fixture(scope="module")
def simulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One Notion for every example (a database each); its OpenAPI checks are off, as in
    the three-tool machine: the adapter and simulator tests check every shape."""
    sim = NotionSimulator(speed=300).start()
    sim.app.validate = False
    NotionMachine.sim = sim
    NotionMachine.root = tmp_path_factory.mktemp("notion-machine")
    yield
    sim.stop()


EXAMPLES = {"dev": 15, "ci": 20}.get(PROFILE, settings.default.max_examples)
"""A small budget: an example costs about a second; the three-tool machine has the rest."""


def test_notion_and_markdown_stay_one_board_through_random_edits_and_faults(
    simulator: None,
) -> None:
    run_state_machine_as_test(
        NotionMachine,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
