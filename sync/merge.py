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
Deleting an item in a tool (gone from a complete read) archives it everywhere;
nothing is ever deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sync.contract import Change, Create, Link, RemoteItem, Role, Snapshot, Update
from sync.model import FIELDS, Item, Step

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
            for item_id, side in _observe(view, board, new_id).items():
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
    return result


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
    touched_sides = [s for s in present if s.base is None or s.current != s.base]
    if known is None:
        merged = _new_item_value(_pick(present, policy), present)
    elif touched_sides:
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
    shows = side.current
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
        result.settles.append(
            Settle(view.name, item_id, Link(remote.remote_id, remote.version, merged))
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
