"""What the three-tool state machine found, replayed step by step: each was a real bug
(the machine's own invariants are the assertions, checked after every sync)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sync.model import Kind
from tests.test_engine_machine import ThreeToolMachine, simulators
from tests.three_tools import ASANA, NOTES, TRELLO

__all__ = ["simulators"]  # the module's simulators, shared with the machine's fixture

Step = Callable[[ThreeToolMachine], None]


def replay(*steps: Step) -> None:
    machine = ThreeToolMachine()
    try:
        machine.first_push(service=TRELLO, fault=None)
        for step in steps:
            step(machine)
    finally:
        machine.teardown()


@pytest.mark.usefixtures("simulators")
def test_a_new_task_in_a_renamed_asana_section_reaches_the_board() -> None:
    """The Decisions section, still empty when pairsync made the project's first tasks,
    was renamed; a decision added there was out of scope (lost)."""
    replay(
        lambda m: m.sync(),
        lambda m: m.rename_place(kind=Kind.DECISION, tool=ASANA),
        lambda m: m.create(kind=Kind.GOAL, tool=NOTES),
        lambda m: m.create(kind=Kind.DECISION, tool=ASANA),
        lambda m: m.sync(),
    )


@pytest.mark.usefixtures("simulators")
def test_a_task_moved_into_a_renamed_asana_section_is_not_archived() -> None:
    """A task dragged into the renamed (never used) Decisions section read as moved out
    of scope, and was archived in every tool."""
    replay(
        lambda m: m.rename_place(kind=Kind.DECISION, tool=ASANA),
        lambda m: m.sync(),
        lambda m: m.move(kind=Kind.DECISION, pick=17, tool=ASANA),
        lambda m: m.rename_heading(kind=Kind.ACTION),
    )


@pytest.mark.usefixtures("simulators")
def test_a_restore_while_every_list_is_closed_makes_no_second_card() -> None:
    """Every Trello card archived, every list closed: the archived cards read as gone, so
    a goal restored in the file got a new card, and a duplicate once the lists reopened."""
    replay(
        lambda m: m.delete_most(tool=NOTES),
        lambda m: m.archive(pick=0, tool=NOTES),
        lambda m: m.close_lists(),
        lambda m: m.move(kind=Kind.GOAL, pick=0, tool=NOTES),
        lambda m: m.close_lists(),
    )


@pytest.mark.usefixtures("simulators")
def test_a_restore_while_the_lists_are_closed_is_not_undone_on_reopening() -> None:
    """An item archived in Trello, restored in the file while Trello's lists are closed:
    the closed card reopened as a person's archive, and archived the item again."""
    replay(
        lambda m: m.archive(pick=0, tool=NOTES),
        lambda m: m.close_lists(),
        lambda m: m.move(kind=Kind.GOAL, pick=0, tool=NOTES),
        lambda m: m.close_lists(),
    )


@pytest.mark.usefixtures("simulators")
def test_a_card_placed_between_two_cards_that_share_a_position() -> None:
    """A card a person moves to another list keeps its `pos`, so two cards can tie:
    nothing fits between them until the list is re-spaced (Trello showed another order)."""
    replay(
        lambda m: m.sync(),
        lambda m: m.delete(pick=94, tool=NOTES),
        lambda m: m.move(kind=Kind.GOAL, pick=79, tool=TRELLO),
        lambda m: m.restore(kind=Kind.GOAL, pick=75, tool=NOTES),
        lambda m: m.lose_board_file(delete=False),
    )


@pytest.mark.usefixtures("simulators")
def test_a_problem_made_and_moved_in_trello_then_every_list_closed_keeps_one_order() -> None:
    """A card moved into a list right below its last card, and a new card made at the
    bottom, reach the file in one write: the new card went in above the moved one (the
    file's edit put cards appended to a heading before cards placed at the same line)."""
    replay(
        lambda m: m.create(kind=Kind.PROBLEM, tool=TRELLO),
        lambda m: m.move(kind=Kind.PROBLEM, pick=0, tool=TRELLO),
        lambda m: m.close_lists(),
    )


@pytest.mark.usefixtures("simulators")
def test_two_moves_of_one_decision_in_asana_then_every_list_closed() -> None:
    """Reported on 2026-12-07: after these steps the notes file showed 'Item 3' as a goal."""
    replay(
        lambda m: m.move(kind=Kind.DECISION, pick=47, tool=ASANA),
        lambda m: m.move(kind=Kind.DECISION, pick=0, tool=ASANA),
        lambda m: m.close_lists(),
    )


@pytest.mark.usefixtures("simulators")
def test_an_item_moved_under_a_heading_then_renamed_is_held_not_archived() -> None:
    """A goal moved under the file's (empty) Decisions heading, then that heading renamed:
    the item vanished with a heading that had no items when last synced, read as deleted
    and archived everywhere. A place the target had when last read counts as lost."""
    replay(
        lambda m: m.move(kind=Kind.DECISION, pick=0, tool=NOTES),
        lambda m: m.rename_heading(kind=Kind.DECISION),
    )
