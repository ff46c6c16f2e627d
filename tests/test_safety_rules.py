"""The hold rule of sync/plan/safety.py as a pure function: which vanished items are held."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sync.contract import Link, RemoteItem, Snapshot
from sync.model import Item, Kind
from sync.plan.observe import TargetView
from sync.plan.safety import Limits, decide_holds, hold_line

LIMITS = Limits(min_items=3, share=0.5)


def view(kinds: list[Kind], shown: set[int], unplaced: frozenset[Kind] = frozenset()) -> TargetView:
    """A target that linked one item per entry of `kinds` and now shows those in `shown`."""
    links = {f"i{n}": Link(f"r{n}", "v", Item(kind, f"Item {n}")) for n, kind in enumerate(kinds)}
    items = {f"r{n}": RemoteItem(f"r{n}", Item(kinds[n], f"Item {n}"), f"i{n}", "v") for n in shown}
    return TargetView("trello", "shared", Snapshot(items, unplaced=unplaced), links)


ACTIONS = [Kind.ACTION] * 7 + [Kind.GOAL] * 3


@pytest.mark.parametrize(
    ("kinds", "shown", "held"),
    [
        (ACTIONS, set(range(10)) - {0, 1}, set()),  # a person deletes two cards
        (ACTIONS, set(range(10)) - {0, 1, 7}, set()),  # three of ten, no kind emptied
        (ACTIONS, set(range(7)), {7, 8, 9}),  # every goal
        (ACTIONS[:5] + ACTIONS[7:9], set(range(5)), set()),  # every goal, but only two
        ([Kind.ACTION] * 5, {0, 1}, {2, 3, 4}),  # more than half
        ([Kind.ACTION] * 6, {0, 1, 2}, set()),  # exactly half
    ],
)
def test_what_is_held(kinds: list[Kind], shown: set[int], held: set[int]) -> None:
    holds = decide_holds([view(kinds, shown)], {}, LIMITS)
    assert (holds["trello"].item_ids if holds else set()) == {f"i{n}" for n in held}


def test_a_lost_list_holds_whatever_vanished_at_any_count() -> None:
    target = view(
        [Kind.GOAL, Kind.ACTION, Kind.ACTION, Kind.ACTION], {2, 3}, frozenset({Kind.GOAL})
    )
    [hold] = decide_holds([target], {}, LIMITS).values()
    assert hold.item_ids == {"i0", "i1"} and hold.emptied_kinds == (Kind.GOAL,)
    assert hold_line(hold, {Kind.GOAL: "Goals"}, "pair.toml") == (
        'trello: 2 items vanished at once (was "Goals" renamed, closed or deleted?); holding '
        "them, nothing archived. If they were deleted on purpose: pairsync sync --config "
        "pair.toml --accept-vanished trello"
    )


def test_a_list_that_never_had_items_missing_holds_nothing() -> None:
    target = view([Kind.ACTION] * 4, {1, 2, 3}, frozenset({Kind.GOAL}))
    assert decide_holds([target], {}, LIMITS) == {}


def test_an_empty_list_there_when_last_read_and_missing_now_holds_what_vanished() -> None:
    """A card moved into the empty Goals list, then the list renamed (a Markdown heading)
    or closed: the card vanished with a place the target had, not by a deletion."""
    target = replace(
        view([Kind.ACTION] * 4, {1, 2, 3}, frozenset({Kind.GOAL})),
        known_places=frozenset({Kind.GOAL, Kind.ACTION}),
    )
    [hold] = decide_holds([target], {}, LIMITS).values()
    assert hold.item_ids == {"i0"} and hold.emptied_kinds == (Kind.GOAL,)


def test_a_hold_lasts_until_the_items_are_back_or_accepted() -> None:
    before = {"trello": frozenset({"i2", "i3", "i4"})}
    one_more_gone = view([Kind.ACTION] * 6, {0})  # i1 vanished too: held with the others
    assert decide_holds([one_more_gone], before, LIMITS)["trello"].item_ids == {
        "i1",
        "i2",
        "i3",
        "i4",
        "i5",
    }
    assert decide_holds([view([Kind.ACTION] * 6, set(range(6)))], before, LIMITS) == {}
    assert decide_holds([one_more_gone], before, LIMITS, accepted={"trello"}) == {}
    unread = TargetView("trello", "shared", None, one_more_gone.links)
    assert decide_holds([unread], before, LIMITS)["trello"].item_ids == before["trello"]
