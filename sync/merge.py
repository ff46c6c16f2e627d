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
The order within each list merges as each item's rank (`sync.order`): a move is a change
of the moved item's rank, written to the other tools as one placed write each.
Deleting an item in a tool (gone from a complete read) archives it everywhere;
nothing is ever deleted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.contract import Change, Create, Link, RemoteItem, Role, Snapshot, Update
from sync.limits import NOTES_MARK, TITLE_MARK, restore
from sync.model import FIELDS, Item, Kind, Step
from sync.order import Shown, observed_ranks, place_writes, untie

Policy = str  # "latest" | "executive" | "assistant"


@dataclass(frozen=True, slots=True)
class TargetView:
    """One target as the planner sees it. `snapshot` is None when it could not be read:
    it is then left alone this run (no writes, and its silence is not a deletion)."""

    name: str
    role: Role
    snapshot: Snapshot | None
    links: Mapping[str, Link]
    """item id -> link, for this target."""


@dataclass(frozen=True, slots=True)
class Conflict:
    item_id: str
    title: str
    field: str
    winner: str
    winner_value: object
    losers: tuple[tuple[str, object], ...]


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


@dataclass(slots=True)
class _Side:
    """One target's view of one item during the merge."""

    target: TargetView
    current: Item | None = None
    """What the tool shows now (None: not there)."""
    base: Item | None = None
    remote: RemoteItem | None = None
    link: Link | None = None
    vanished: bool = False
    relink: bool = False


@dataclass
class Merge:
    """Every item's merged value, before facilitation and before any write is planned, with
    what each target shows of it (`plan_writes` turns it into a `Plan`)."""

    known: Mapping[str, Item]
    """The board as the state knew it."""
    values: dict[str, Item] = field(default_factory=dict)
    sides: dict[str, list[_Side]] = field(default_factory=dict)
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
            found = _observe(view, board, new_id)
            _rank(view.snapshot.order, found)
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
    observed: dict[str, dict[str, _Side]] = {}
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


def _rank(order: tuple[str, ...] | None, found: dict[str, _Side]) -> None:
    """Give what each item shows the rank its target's order says (`sync.order`): the
    agreed rank, unless the order shows that a person moved or added it."""
    for side in found.values():
        rank = side.base.rank if side.base is not None else ""
        if side.current is not None and side.current.rank != rank:
            side.current = side.current.with_(rank=rank)
    if order is None:
        return
    by_remote: dict[str, str] = {}  # an incremental read lists the order of unread items too
    for item_id, side in found.items():
        where = side.remote or side.link
        if where is not None and not side.vanished:
            by_remote[where.remote_id] = item_id
    lists: dict[Kind, list[tuple[str, str]]] = {}
    for remote_id in order:
        listed = by_remote.get(remote_id)
        current = found[listed].current if listed is not None else None
        if listed is not None and current is not None and not current.archived:
            lists.setdefault(current.kind, []).append((listed, current.rank))
    for shown in lists.values():
        for item_id, rank in observed_ranks(shown).items():
            side = found[item_id]
            if side.current is not None and side.current.rank != rank:
                side.current = side.current.with_(rank=rank)


def _shown_in(found: dict[str, _Side]) -> dict[str, Shown]:
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


def _observe(
    view: TargetView, board: Mapping[str, Item], new_id: Callable[[], str]
) -> dict[str, _Side]:
    """Match a target's remote items to item ids: by link, then by footer, else new."""
    snapshot = view.snapshot
    assert snapshot is not None
    by_remote = {link.remote_id: item_id for item_id, link in view.links.items() if not link.gone}
    found: dict[str, _Side] = {}
    for remote in sorted(snapshot.items.values(), key=lambda r: r.remote_id):
        item_id = by_remote.get(remote.remote_id)
        relink = False
        if item_id is None:
            claimed = remote.item_id is not None and (
                remote.item_id in found
                or (
                    remote.item_id in view.links
                    and not view.links[remote.item_id].gone
                    and view.links[remote.item_id].remote_id in snapshot.items
                )
            )
            if remote.item_id is not None and not claimed:
                item_id = remote.item_id  # re-link through the footer
            else:
                item_id, relink = new_id(), True  # a person's new item, or a copy of one
        link = view.links.get(item_id)
        if link is not None and link.gone:
            link = None
        unchanged = (
            link is not None
            and link.remote_id == remote.remote_id
            and (link.version == remote.version)
        )
        base = link.base if link is not None else board.get(item_id)
        current = link.base if unchanged and link is not None else remote.item
        if base is not None and current is not base:
            current = _restored(current, base)
        if remote.hidden and base is not None:
            current = current.with_(**{name: getattr(base, name) for name in remote.hidden})
        relink = relink or remote.item_id != item_id
        found[item_id] = _Side(view, current, base, remote, link, relink=relink)
    for item_id, link in view.links.items():
        if item_id in found or link.gone:
            continue
        vanished = snapshot.complete or link.remote_id in snapshot.gone
        current = link.base.with_(archived=True) if vanished else link.base
        found[item_id] = _Side(view, current, link.base, None, link, vanished=vanished)
    return found


def _merge_item(
    item_id: str, known: Item | None, sides: list[_Side], policy: Policy, result: Merge
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
        merged = _new_item_value(_pick(present, policy), present).with_(rank=first_rank)
    elif changed_sides:
        merged = _merge_fields(item_id, known, present, policy, result)
    else:
        merged = known  # nobody changed it: the common case, kept cheap
    if touched_sides:
        latest = _pick(touched_sides, "latest")
        at = latest.remote.modified_at if latest.remote is not None else None
        result.touched[item_id] = Touch(latest.target.name, at)
    result.values[item_id] = merged


def _plan_write(
    item_id: str, merged: Item, view: TargetView, side: _Side | None, result: Plan
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


def _restored(shown: Item, known: Item) -> Item:
    """A title or notes a tool holds shortened (`sync.limits`) read as the whole text."""
    title = restore(shown.title, known.title, TITLE_MARK)
    notes = restore(shown.notes, known.notes, NOTES_MARK)
    if (title, notes) == (shown.title, shown.notes):
        return shown
    return shown.with_(title=title, notes=notes)


def _first_ranked(side: _Side) -> bool:
    return (
        side.base is not None
        and not side.base.rank
        and side.current is not None
        and side.current.with_(rank="") == side.base
    )


def _gone(link: Link) -> Link:
    return Link(link.remote_id, link.version, link.base, gone=True)


def _merge_fields(
    item_id: str, known: Item, sides: list[_Side], policy: Policy, result: Merge
) -> Item:
    values: dict[str, Any] = {}
    for name in FIELDS:
        old = getattr(known, name)
        changes = [
            (s, getattr(s.current, name))
            for s in sides
            if getattr(s.current, name) != getattr(s.base if s.base is not None else known, name)
        ]
        if name == "labels":
            values[name] = _merge_sets(
                old, [(getattr(s.base or known, name), v) for s, v in changes]
            )
        elif name == "steps" and _steps_align(old, sides):
            values[name] = _merge_steps(item_id, known, sides, policy, result)
        elif name == "rank" and not old:  # never ranked: the first tool's order, no conflict
            values[name] = changes[0][1] if changes else old
        else:
            values[name] = _resolve(item_id, known, name, old, changes, policy, result)
    return Item(**values)


def _resolve(
    item_id: str,
    known: Item,
    name: str,
    old: object,
    changes: list[tuple[_Side, object]],
    policy: Policy,
    result: Merge,
) -> object:
    if not changes:
        return old
    if all(v == changes[0][1] for _, v in changes):
        return changes[0][1]
    winner = _pick([s for s, _ in changes], policy)
    value = next(v for s, v in changes if s is winner)
    losers = tuple((s.target.name, v) for s, v in changes if s is not winner and v != value)
    result.conflicts.append(Conflict(item_id, known.title, name, winner.target.name, value, losers))
    return value


def _merge_sets(
    old: frozenset[str], changes: list[tuple[frozenset[str], frozenset[str]]]
) -> frozenset[str]:
    added: set[str] = set()
    removed: set[str] = set()
    for base, new in changes:
        added |= new - base
        removed |= base - new
    return frozenset((old - removed) | added)


def _steps_align(old: tuple[Step, ...], sides: list[_Side]) -> bool:
    lengths = {len(old)} | {len(s.current.steps) for s in sides if s.current is not None}
    lengths |= {len(s.base.steps) for s in sides if s.base is not None}
    return len(lengths) == 1 and bool(old)


def _merge_steps(
    item_id: str, known: Item, sides: list[_Side], policy: Policy, result: Merge
) -> tuple[Step, ...]:
    merged = []
    for index, old_step in enumerate(known.steps):
        step_values: dict[str, Any] = {}
        for part in ("text", "done"):
            changes = [
                (side, getattr(current.steps[index], part))
                for side, current in _shown_by(sides)
                if getattr(current.steps[index], part)
                != getattr((side.base or known).steps[index], part)
            ]
            step_values[part] = _resolve(
                item_id,
                known,
                f"steps[{index}].{part}",
                getattr(old_step, part),
                changes,
                policy,
                result,
            )
        merged.append(Step(**step_values))
    return tuple(merged)


def _shown_by(sides: list[_Side]) -> list[tuple[_Side, Item]]:
    """Each side that shows the item, with what it shows."""
    return [(side, side.current) for side in sides if side.current is not None]


def _new_item_value(chosen: _Side, sides: list[_Side]) -> Item:
    """A new item's value from the chosen side, with each field its tool cannot show (the
    kind of an archived Asana task, say) taken from a side whose tool shows it: after a
    lost state, every item is new, archived ones included."""
    item = chosen.current
    assert item is not None
    for name in sorted(chosen.remote.hidden if chosen.remote is not None else ()):
        shows = [s for s in sides if s.remote is not None and name not in s.remote.hidden]
        if shows:
            item = item.with_(**{name: getattr(shows[0].current, name)})
    return item


def _pick(sides: list[_Side], policy: Policy) -> _Side:
    """The side whose value wins: the policy's role, else the newest tool timestamp, else
    the first target in the config (deterministic)."""
    if policy in ("executive", "assistant"):
        for side in sides:
            if side.target.role == policy:
                return side
    dated = [
        (side.remote.modified_at, -position, side)
        for position, side in enumerate(sides)
        if side.remote is not None and side.remote.modified_at is not None
    ]
    if dated:
        return max(dated, key=lambda entry: entry[:2])[2]
    return sides[0]
