"""The three-way merge of one item's fields across the sides that changed it: labels as
sets, Five Whys step by step, and the pair's policy settling a conflict, whose losing
values are kept (`Conflict`), never dropped."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync.model import FIELDS, Item, Step
from sync.plan.observe import Side

Policy = str  # "latest" | "executive" | "assistant"


@dataclass(frozen=True, slots=True)
class Conflict:
    item_id: str
    title: str
    field: str
    winner: str
    winner_value: object
    losers: tuple[tuple[str, object], ...]


def merge_fields(
    item_id: str, known: Item, sides: list[Side], policy: Policy, conflicts: list[Conflict]
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
            values[name] = _merge_steps(item_id, known, sides, policy, conflicts)
        elif name == "rank" and not old:  # never ranked: the first tool's order, no conflict
            values[name] = changes[0][1] if changes else old
        else:
            values[name] = _resolve(item_id, known, name, old, changes, policy, conflicts)
    return Item(**values)


def _resolve(
    item_id: str,
    known: Item,
    name: str,
    old: object,
    changes: list[tuple[Side, object]],
    policy: Policy,
    conflicts: list[Conflict],
) -> object:
    if not changes:
        return old
    if all(v == changes[0][1] for _, v in changes):
        return changes[0][1]
    winner = pick([s for s, _ in changes], policy)
    value = next(v for s, v in changes if s is winner)
    losers = tuple((s.target.name, v) for s, v in changes if s is not winner and v != value)
    conflicts.append(Conflict(item_id, known.title, name, winner.target.name, value, losers))
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


def _steps_align(old: tuple[Step, ...], sides: list[Side]) -> bool:
    lengths = {len(old)} | {len(s.current.steps) for s in sides if s.current is not None}
    lengths |= {len(s.base.steps) for s in sides if s.base is not None}
    return len(lengths) == 1 and bool(old)


def _merge_steps(
    item_id: str, known: Item, sides: list[Side], policy: Policy, conflicts: list[Conflict]
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
                conflicts,
            )
        merged.append(Step(**step_values))
    return tuple(merged)


def _shown_by(sides: list[Side]) -> list[tuple[Side, Item]]:
    """Each side that shows the item, with what it shows."""
    return [(side, side.current) for side in sides if side.current is not None]


def new_item_value(chosen: Side, sides: list[Side]) -> Item:
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


def pick(sides: list[Side], policy: Policy) -> Side:
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
