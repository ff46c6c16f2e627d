"""The run after a run that wrote: pairsync's own writes come back from Trello's actions and
Asana's events and cost no reads, while an edit a person makes with the same account in
between (the token is theirs too) is still seen and carried to the other board."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters import adapter_for
from adapters.asana.config import AsanaTarget
from adapters.asana.sim.server import AsanaSimulator, World
from adapters.memory import MemoryAdapter, MemoryTarget
from adapters.trello.config import TrelloTarget
from adapters.trello.sim.server import TrelloSimulator
from sync.config import PairConfig
from sync.contract import TargetBase
from sync.model import Item, Kind
from sync.run.engine import sync_pair
from sync.run.summary import TargetSummary
from sync.store.state import State

BOARD = [
    Item(kind=Kind.GOAL, title="Grow EMEA revenue", notes="by Q3"),
    Item(kind=Kind.PROBLEM, title="Invoices paid late"),
    Item(kind=Kind.ACTION, title="Book flights", labels=frozenset({"travel"})),
]


class Pair:
    """A person's in-memory board synced with one tool; every sync builds a fresh adapter,
    as each cron run is a new process."""

    def __init__(self, tmp: Path, target: TargetBase) -> None:
        self.board = MemoryAdapter(MemoryTarget(name="typed", role="executive"))
        self.target = target
        self.tmp = tmp
        self.config = PairConfig.model_validate(
            {
                "pair": {"name": "echoes"},
                "state": {"path": "state.sqlite"},
                "five_whys": {"steps": ["Why?", "Countermeasure"]},
                "targets": [target],
                "config_dir": tmp,
            }
        )
        self.state = State.open(tmp / "state.sqlite")
        for index, item in enumerate(BOARD):
            self.board.put(f"typed-{index}", item)

    def sync(self) -> TargetSummary:
        adapter = adapter_for(self.target)
        summary = sync_pair(self.config, self.state, adapters=[self.board, adapter])
        assert not summary.failed, summary.targets
        return summary.targets[self.target.name]

    def titles(self) -> set[str]:
        return {remote.item.title for remote in self.board.items.values()}

    def item(self, title: str) -> Item:
        return next(r.item for r in self.board.items.values() if r.item.title == title)


@pytest.fixture(params=["card", "each"])
def trello(
    trello_sim: TrelloSimulator, trello_board: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Pair]:
    """A board whose actions report the Five Whys checklist pairsync copies as the card's
    `copyCard` alone, or also as an action per checklist and check item: the proof takes
    both."""
    trello_sim.backend.copy_actions = request.param
    target = TrelloTarget.model_validate(
        {
            "name": "trello",
            "type": "trello",
            "board_id": trello_board,
            "api_key": SecretStr(trello_sim.key),
            "token": SecretStr(trello_sim.token),
            "base_url": trello_sim.base_url,
            **trello_sim.pacing(),
        }
    )
    pair = Pair(tmp_path, target)
    yield pair
    pair.state.close()


@pytest.fixture(params=["added", "parent"])
def asana(
    make_asana_sim: Callable[..., AsanaSimulator], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Pair]:
    """An Asana project whose feed reports a subtask's creation as the subtask's own
    `added` event, or as its parent's `changed`/`subtasks` event: the proof takes both."""
    sim = make_asana_sim()
    sim.backend.subtask_events = request.param
    world = sim.seed()
    target = AsanaTarget.model_validate(
        {
            "name": "asana",
            "type": "asana",
            "project_gid": world.project_gid,
            "token": SecretStr(world.token),
            "base_url": sim.base_url,
            **sim.pacing(),
        }
    )
    pair = Pair(tmp_path, target)
    pair.sim, pair.world = sim, world  # type: ignore[attr-defined]
    yield pair
    pair.state.close()


def card_id(sim: TrelloSimulator, board_id: str, title: str) -> str:
    return next(c.id for c in sim.cards(board_id) if c.name == title)


def test_trello_rerun_after_a_push_reads_nothing_but_the_actions(trello: Pair) -> None:
    assert trello.sync().created == 3
    rerun = trello.sync()
    assert (rerun.created, rerun.updated, rerun.requests) == (0, 0, 1)
    trello.board.put("typed-0", BOARD[0].with_(title="Grow EMEA revenue 20%"))
    assert trello.sync().updated == 1
    assert trello.sync().requests == 1  # the rename's echo too


def test_trello_edits_by_the_same_account_between_two_syncs_are_seen(
    trello: Pair, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    trello.sync()
    trello.board.put("typed-0", BOARD[0].with_(title="Grow EMEA revenue 20%"))
    trello.sync()  # pairsync renames the card: its echo is recorded
    # the token's own member (the assistant) edits by hand, before the next sync
    person = trello_sim.person
    assert person.member is trello_sim.member
    person.edit_card(card_id(trello_sim, trello_board, "Grow EMEA revenue 20%"), name="Grow 25%")
    person.edit_card(card_id(trello_sim, trello_board, "Book flights"), dueComplete=True)
    person.tick(card_id(trello_sim, trello_board, "Invoices paid late"), "Why?")

    seen = trello.sync()
    assert seen.requests > 1  # not taken for an echo: the board was read
    assert "Grow 25%" in trello.titles()
    assert trello.item("Book flights").done
    assert trello.item("Invoices paid late").steps[0].done


def test_trello_a_step_a_person_adds_right_after_the_push_is_read(
    trello: Pair, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    """Named like a step pairsync copied, into the very checklist: still a person's."""
    trello.sync()
    trello_sim.person.add_check_item(
        card_id(trello_sim, trello_board, "Invoices paid late"), "Why?"
    )
    assert trello.sync().requests > 1
    steps = [step.text for step in trello.item("Invoices paid late").steps]
    assert steps == ["Why?", "Countermeasure", "Why?"]


def test_asana_rerun_after_a_push_reads_nothing_but_the_events(asana: Pair) -> None:
    assert asana.sync().created == 3
    rerun = asana.sync()
    assert (rerun.created, rerun.updated, rerun.requests) == (0, 0, 1)
    asana.board.put("typed-2", BOARD[2].with_(title="Book flights to Lisbon", done=True))
    assert asana.sync().updated == 1
    assert asana.sync().requests == 1  # the update's echo too


def test_asana_edits_by_the_same_account_between_two_syncs_are_seen(asana: Pair) -> None:
    asana.sync()
    asana.board.put("typed-0", BOARD[0].with_(title="Grow EMEA revenue 20%"))
    asana.sync()  # pairsync renames the task: its echo is recorded
    sim: AsanaSimulator = asana.sim  # type: ignore[attr-defined]
    world: World = asana.world  # type: ignore[attr-defined]
    person = sim.person_of(world.token)  # the same user as pairsync's writes
    tasks = {task.name: task for task in person.tasks(world.project_gid)}
    person.edit(tasks["Grow EMEA revenue 20%"].gid, name="Grow 25%")
    person.complete(tasks["Book flights"].gid)
    person.tick_subtask(tasks["Invoices paid late"].subtasks[0].gid)
    person.add_subtask(tasks["Invoices paid late"].gid, "Ask finance")

    asana.sync()
    assert "Grow 25%" in asana.titles()
    assert asana.item("Book flights").done
    steps = asana.item("Invoices paid late").steps
    assert steps[0].done and [step.text for step in steps][-1] == "Ask finance"
