"""The order of items within a list, as ranks that merge like any other field. Pure.

Tools show an order, never a rank. Reading, `observed_ranks` keeps the last agreed rank
of every item whose place among the others is unchanged (the longest run of them in
rank order) and gives the others, the ones a person moved or added, new ranks between
their neighbours'. So a move changes the rank of the moved item alone, and the three-way
merge settles concurrent moves of one item by the conflict policy. Writing,
`placements` names the fewest items to move so that a tool shows the board's order: a
move in one tool costs one placed write in each other tool.

Ranks are fractional-index strings (`fractional_indexing`): there is always room
between two of them. Items sort by `sort_key`: rank, then item id; an item not placed
yet (rank "") goes last. Two items placed at one spot in two tools at once, or an item
moved into another list, may share a rank: `untie` gives the later one a rank of its own
(a change of the board alone; every tool already shows that order).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from fractional_indexing import generate_n_keys_between  # type: ignore[import-untyped]

from sync.contract import Anchor, Change, Create, Place, Update
from sync.model import Item, Kind

Value = TypeVar("Value", str, int)


def observed_ranks(shown: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Ranks for one list as a tool shows it: `shown` is (item id, last agreed rank, ""
    when none) top to bottom. Items in the longest run of strictly rising agreed ranks
    keep theirs; each stretch of others gets evenly spread ranks between its neighbours."""
    ranks = [rank for _, rank in shown]
    kept = set(_longest_rising(ranks, skip=""))
    result: dict[str, str] = {}
    stretch: list[str] = []
    low: str | None = None
    for index, (item_id, rank) in enumerate(shown):
        if index not in kept:
            stretch.append(item_id)
            continue
        result[item_id] = rank
        _spread(stretch, low, rank, result)
        stretch, low = [], rank
    _spread(stretch, low, None, result)
    return result


def sort_key(item_id: str, item: Item) -> tuple[bool, str, str]:
    return (not item.rank, item.rank, item_id)


def untie(board: Mapping[str, Item]) -> dict[str, str]:
    """New ranks for the items of `board` whose rank is "" or not above the rank of the
    item before them in their list, so that ranks rise strictly down every list."""
    result: dict[str, str] = {}
    for ids in _lists(board).values():
        ids.sort(key=lambda i: sort_key(i, board[i]))
        low: str | None = None
        stretch: list[str] = []
        for item_id in ids:
            rank = board[item_id].rank
            if not rank or (low is not None and rank <= low):
                stretch.append(item_id)
                continue
            _spread(stretch, low, rank, result)
            stretch, low = [], rank
        _spread(stretch, low, None, result)
    return result


def placements(
    current: Sequence[str], wanted: Sequence[str]
) -> dict[str, tuple[str | None, str | None]]:
    """The items to place, and where, so that a list showing `current` (item ids, top to
    bottom) shows `wanted`: every item of `wanted` not in `current`, and the fewest of
    `current` (those off its longest run already in the wanted order), each with (the item
    right above it, the next item below it that stays), None at the list's ends; top down,
    the order to write them in. Items of `current` not in `wanted` are leaving the list."""
    if list(current) == list(wanted):
        return {}  # a settled list: nothing to place (most lists of most runs)
    index = {item_id: i for i, item_id in enumerate(wanted)}
    staying = [item_id for item_id in current if item_id in index]
    still = {staying[i] for i in _longest_rising([index[x] for x in staying])}
    result: dict[str, tuple[str | None, str | None]] = {}
    before: str | None = None
    for position in range(len(wanted) - 1, -1, -1):  # bottom up: the next item that stays
        item_id = wanted[position]
        if item_id in still:
            before = item_id
            continue
        result[item_id] = (wanted[position - 1] if position else None, before)
    return dict(reversed(result.items()))


def _spread(stretch: list[str], low: str | None, high: str | None, into: dict[str, str]) -> None:
    if stretch:
        into.update(zip(stretch, generate_n_keys_between(low, high, len(stretch)), strict=True))


def _longest_rising(values: Sequence[Value], skip: Value | None = None) -> list[int]:
    """Indexes of a longest strictly rising subsequence of `values` (ignoring `skip`
    values), the leftmost one among equals: O(n log n) patience sorting."""
    tails: list[Value] = []
    tail_index: list[int] = []
    parent: list[int] = [-1] * len(values)
    for i, value in enumerate(values):
        if value == skip:
            continue
        at = bisect_left(tails, value)
        parent[i] = tail_index[at - 1] if at else -1
        if at == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[at], tail_index[at] = value, i
    chain: list[int] = []
    i = tail_index[-1] if tail_index else -1
    while i != -1:
        chain.append(i)
        i = parent[i]
    return chain[::-1]


@dataclass(frozen=True, slots=True)
class Shown:
    """An item as one target holds it: its value (rank from the target's order) and where."""

    item: Item
    remote_id: str
    version: str


def place_writes(
    writes: Sequence[Change], board: Mapping[str, Item], shown: Mapping[str, Shown]
) -> list[Change]:
    """A target's writes with the places that make it show the board's order: each new,
    moved or re-listed item placed (a move nobody else wrote becomes a placed `Update`),
    creates and placed ones first, top down per list, so each one's `after` is in place
    first; then the others, in their order."""
    lists = _lists(board)
    pending = {change.item_id: change for change in writes}
    placed: list[Change] = []
    for kind in Kind:
        ids = lists.get(kind, [])
        wanted = sorted(ids, key=lambda i: sort_key(i, board[i]))
        here = [i for i in ids if i in shown and _in_list(shown[i].item, kind)]
        current = sorted(here, key=lambda i: sort_key(i, shown[i].item))
        for item_id, (after, before) in placements(current, wanted).items():
            change = pending.pop(item_id, None)
            if change is None:
                held = shown[item_id]
                change = Update(item_id, held.remote_id, board[item_id], held.item, held.version)
            if not (isinstance(change, Create) and before is None):  # lands at the bottom
                change = replace(change, place=Place(_anchor(after, shown), _anchor(before, shown)))
            placed.append(change)
    return placed + [change for change in writes if change.item_id in pending]


def _lists(board: Mapping[str, Item]) -> dict[Kind, list[str]]:
    """Item ids per list (kind), archived items left out."""
    lists: dict[Kind, list[str]] = {}
    for item_id, item in board.items():
        if not item.archived:
            lists.setdefault(item.kind, []).append(item_id)
    return lists


def _in_list(item: Item, kind: Kind) -> bool:
    return item.kind == kind and not item.archived


def _anchor(item_id: str | None, shown: Mapping[str, Shown]) -> Anchor | None:
    if item_id is None:
        return None
    held = shown.get(item_id)
    return Anchor(item_id, held.remote_id if held is not None else None)
