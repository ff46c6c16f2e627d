"""The pure planner: what every target shows now + what each last agreed → the new board
and the writes per target. No I/O, no clock, no randomness (ids come from `new_id`).

Per item and per field, a three-way merge against each target's own base (the value it
last agreed on, kept per link, so a target that missed a write is simply behind):

- nobody changed the field → it keeps the board's value;
- one or more targets changed it to the same value → that value;
- targets changed it to different values → a conflict, settled by the pair's policy
  (`latest`: the tool's own newest timestamp; `executive`/`assistant`: the target with that
  role, else latest). The losing values are returned in `Plan.conflicts`, never dropped.

Labels merge as sets (additions and removals from every side), so they never conflict.
Five Whys steps merge step by step while every side has the same number of steps.
The order within each list merges as each item's rank (`sync.plan.order`): a move is a change
of the moved item's rank, written to the other tools as one placed write each.
Deleting an item in a tool (gone from a complete read) archives it everywhere;
nothing is ever deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sync.contract import Change, Create, Link, RemoteItem, Update
from sync.model import Item
from sync.plan.fieldmerge import Conflict, Policy, merge_fields, new_item_value, pick
from sync.plan.observe import Side, TargetView, observe, rank_by_order
from sync.plan.order import Shown, place_writes, untie


@dataclass(frozen=True, slots=True)
class Settle:
    """A link to record without writing: the target already shows the board's value."""

    target: str
    item_id: str
    link: Link


@dataclass(frozen=True, slots=True)
class Touch:
    """A person changed the item in `target` (at the tool's own time, when it has one)."""

    target: str
    at: datetime | None


@dataclass
class Plan:
    board: dict[str, Item] = field(default_factory=dict)
    """The new value of every item that is new or changed."""
    writes: dict[str, list[Change]] = field(default_factory=dict)
    settles: list[Settle] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    touched: dict[str, Touch] = field(default_factory=dict)
    """Items a person changed in some tool this run: the stale clock restarts."""

    @property
    def is_empty(self) -> bool:
        return not self.board and not any(self.writes.values()) and not self.settles


@dataclass
class Merge:
    """Every item's merged value, before facilitation and before any write is planned, with
    what each target shows of it (`plan_writes` turns it into a `Plan`)."""

    known: Mapping[str, Item]
    """The board as the state knew it."""
    values: dict[str, Item] = field(default_factory=dict)
    sides: dict[str, list[Side]] = field(default_factory=dict)
    touched: dict[str, Touch] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)


def merge_board(
    board: Mapping[str, Item],
    targets: list[TargetView],
    policy: Policy,
    new_id: Callable[[], str],
) -> Merge:
    """Merge every target's snapshot into the board; see the module docstring."""
    result = Merge(board)
    for view in targets:
        if view.snapshot is not None:
            found = observe(view, board, new_id)
            rank_by_order(view.snapshot.order, found)
            for item_id, side in found.items():
                result.sides.setdefault(item_id, []).append(side)
    for item_id in sorted(set(board) | set(result.sides)):
        _merge_item(item_id, board.get(item_id), result.sides.get(item_id, []), policy, result)
    return result


def plan_writes(
    merge: Merge,
    targets: list[TargetView],
    revised: Mapping[str, Item] | None = None,
    new_items: Mapping[str, tuple[Item, Touch]] | None = None,
) -> Plan:
    """The writes and settles that make every readable target show the merged board, with
    `revised` values in place of merged ones (facilitation's) and `new_items` pairsync
    makes itself (a countermeasure's action item: created everywhere, as a person's new
    item would be; the touch is the person's change that asked for it)."""
    result = Plan(conflicts=list(merge.conflicts), touched=dict(merge.touched))
    values = {**merge.values, **(revised or {})}
    readable = [view for view in targets if view.snapshot is not None]
    for item_id in sorted(values):
        merged = values[item_id]
        if merged != merge.known.get(item_id):
            result.board[item_id] = merged
        seen = {s.target.name: s for s in merge.sides.get(item_id, [])}
        for view in readable:
            _plan_write(item_id, merged, view, seen.get(view.name), result)
    for item_id, (item, touch) in (new_items or {}).items():
        result.board[item_id] = item
        result.touched[item_id] = touch
        for view in readable:
            result.writes.setdefault(view.name, []).append(Create(item_id, item))
    _order_writes(merge, result)
    return result


def _order_writes(merge: Merge, result: Plan) -> None:
    """Make every target show the board's order: untie ranks, place writes, and record
    the board's rank as agreed for each item a target shows and does not write (its
    place among the others is right once the placed writes are done; a placed item's
    rank is recorded by its write's outcome, so a failed move is tried again)."""
    final = {**merge.known, **result.board}
    reranked = untie(final)
    for item_id, rank in reranked.items():
        final[item_id] = result.board[item_id] = final[item_id].with_(rank=rank)
    observed: dict[str, dict[str, Side]] = {}
    for item_id, sides in merge.sides.items():
        for side in sides:
            observed.setdefault(side.target.name, {})[item_id] = side
    agreed = {(s.target, s.item_id): s.link for s in result.settles}
    for name in result.writes.keys() | observed.keys():
        found = observed.get(name, {})
        shown = _shown_in(found)
        writes = [
            dataclasses.replace(c, item=final[c.item_id]) if c.item_id in reranked else c
            for c in result.writes.get(name, [])
        ]
        result.writes[name] = place_writes(writes, final, shown)
        written = {c.item_id for c in result.writes[name]}
        for item_id in shown.keys() - written:
            link = agreed.get((name, item_id)) or found[item_id].link
            rank = final[item_id].rank
            if link is not None and not link.gone and link.base.rank != rank:
                link = Link(link.remote_id, link.version, link.base.with_(rank=rank))
                result.settles.append(Settle(name, item_id, link))


def _shown_in(found: dict[str, Side]) -> dict[str, Shown]:
    """The items a target holds (not vanished), for placing writes."""
    shown = {}
    for item_id, side in found.items():
        where = side.remote or side.link
        if side.current is not None and not side.vanished and where is not None:
            shown[item_id] = Shown(side.current, where.remote_id, where.version)
    return shown


def plan(
    board: Mapping[str, Item],
    targets: list[TargetView],
    policy: Policy,
    new_id: Callable[[], str],
) -> Plan:
    """Merge and plan the writes, with no facilitation (the bench and the pure tests)."""
    return plan_writes(merge_board(board, targets, policy, new_id), targets)


def _merge_item(
    item_id: str, known: Item | None, sides: list[Side], policy: Policy, result: Merge
) -> None:
    present = [s for s in sides if s.current is not None]
    if known is None and not present:
        return
    changed_sides = [s for s in present if s.base is None or s.current != s.base]
    # A first rank for an item known from before order was mirrored is no person's touch.
    touched_sides = [s for s in changed_sides if not _first_ranked(s)]
    if known is None:
        # Every tool's order agrees with itself: take all ranks from one (the first listed).
        first_rank = present[0].current.rank  # type: ignore[union-attr]
        merged = new_item_value(pick(present, policy), present).with_(rank=first_rank)
    elif changed_sides:
        merged = merge_fields(item_id, known, present, policy, result.conflicts)
    else:
        merged = known  # nobody changed it: the common case, kept cheap
    if touched_sides:
        latest = pick(touched_sides, "latest")
        at = latest.remote.modified_at if latest.remote is not None else None
        result.touched[item_id] = Touch(latest.target.name, at)
    result.values[item_id] = merged


def _plan_write(
    item_id: str, merged: Item, view: TargetView, side: Side | None, result: Plan
) -> None:
    """Plan what one target needs so that it shows `merged`."""
    writes = result.writes.setdefault(view.name, [])
    if side is None or side.vanished or side.current is None:
        if side is not None and side.vanished and side.link is not None:
            result.settles.append(Settle(view.name, item_id, _gone(side.link)))
        if not merged.archived:
            writes.append(Create(item_id, merged))
        return
    remote = side.remote
    shows = side.current.with_(rank=merged.rank)  # a new place is written by place_writes
    if remote is not None and remote.hidden:  # a field the tool cannot show needs no write
        shows = shows.with_(**{name: getattr(merged, name) for name in remote.hidden})
    if shows != merged or side.relink:
        where: RemoteItem | Link | None = remote if remote is not None else side.link
        assert where is not None  # a side that shows the item was read or is linked
        remote_id, version = where.remote_id, where.version
        writes.append(Update(item_id, remote_id, merged, side.current, version, side.relink))
        if side.relink and side.link is None and remote is not None:
            # Record the match before writing the footer: should the write fail or the run
            # be killed, the next run still knows this remote item and makes no copy of it.
            link = Link(remote.remote_id, remote.version, side.current)
            result.settles.append(Settle(view.name, item_id, link))
    elif remote is not None and (
        side.link is None or side.link.version != remote.version or side.link.base != merged
    ):
        shown = merged.with_(rank=side.current.rank)  # the board's rank: see _order_writes
        result.settles.append(
            Settle(view.name, item_id, Link(remote.remote_id, remote.version, shown))
        )


def _first_ranked(side: Side) -> bool:
    return (
        side.base is not None
        and not side.base.rank
        and side.current is not None
        and side.current.with_(rank="") == side.base
    )


def _gone(link: Link) -> Link:
    return Link(link.remote_id, link.version, link.base, gone=True)
