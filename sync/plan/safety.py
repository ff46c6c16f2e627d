"""Structure is not deletion: which vanished items a run holds instead of archiving.

A person deleting a card or two means it; a target that loses a whole kind, or more than
`[safety] hold_vanished_share` of its items, in one read has most likely had a list,
section or heading renamed, closed or deleted, a file emptied, or access taken away (the
`StorageEmpty` case of vdirsyncer). Such items are *held*: the planner sees them as the
target last showed them, nothing is written about them to that target, and they are
archived nowhere. Holds are kept in the state and last until the items come back or the
user accepts with `pairsync sync --accept-vanished TARGET`. Everything here is pure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from sync.config import PairConfig
from sync.contract import DEFAULT_LISTS, Link, RemoteItem, Snapshot
from sync.model import Item, Kind
from sync.plan.merge import Plan
from sync.plan.observe import TargetView


@dataclass(frozen=True, slots=True)
class Limits:
    """`[safety]`: hold when at least `min_items` vanish that are every item of a kind,
    or more than `share` of the target's items."""

    min_items: int = 3
    share: float = 0.5


@dataclass(frozen=True, slots=True)
class Hold:
    """Items of one target held this run, and why (for the one line the user reads)."""

    target: str
    item_ids: frozenset[str]
    emptied_kinds: tuple[Kind, ...] = ()
    """Kinds whose list / section / heading is gone, else kinds of which every item
    vanished (named in the line as the likely cause)."""
    everything: bool = False
    """The read showed no item at all."""
    since_before: bool = False
    """Held by an earlier run already."""
    archived: frozenset[str] = frozenset()
    """Archived items that vanished with the held ones (a closed list's closed cards):
    shielded the same way, so that their coming back is no change, but not counted."""
    line: str = ""
    """What the user reads (`hold_line`)."""


def hold_vanished(
    config: PairConfig,
    views: list[TargetView],
    held_before: Mapping[str, frozenset[str]],
    accepted: Collection[str],
) -> dict[str, Hold]:
    """The safety phase of a run: `decide_holds` with the pair's `[safety]` limits, each
    hold with its line."""
    limits = Limits(config.safety.hold_vanished_min, config.safety.hold_vanished_share)
    lists = {t.name: t.lists for t in config.targets}
    where = str(config.config_file or "FILE")
    return {
        name: replace(hold, line=hold_line(hold, lists.get(name, DEFAULT_LISTS), where))
        for name, hold in decide_holds(views, held_before, limits, accepted).items()
    }


def vanished(view: TargetView, archived: bool = False) -> dict[str, Link]:
    """The live (or, with `archived`, the archived) linked items this target's read no
    longer shows (not by remote id, not by link-back footer): what the planner would
    archive everywhere (or forget)."""
    snapshot = view.snapshot
    if snapshot is None:
        return {}
    footers = {r.item_id for r in snapshot.items.values() if r.item_id is not None}
    return {
        item_id: link
        for item_id, link in view.links.items()
        if not link.gone
        and link.base.archived == archived
        and link.remote_id not in snapshot.items
        and item_id not in footers
        and (snapshot.complete or link.remote_id in snapshot.gone)
    }


def decide_holds(
    views: list[TargetView],
    held_before: Mapping[str, frozenset[str]],
    limits: Limits,
    accepted: Collection[str] = (),
) -> dict[str, Hold]:
    """Per target, the vanished items to hold this run. A target that could not be read
    keeps its holds; an accepted target holds nothing; a target already holding items
    holds whatever else vanishes from it too (it is not trusted until they are back)."""
    holds: dict[str, Hold] = {}
    for view in views:
        before = held_before.get(view.name, frozenset())
        if view.name in accepted:
            continue
        if view.snapshot is None:
            if before:
                holds[view.name] = Hold(view.name, before, since_before=True)
            continue
        gone = vanished(view)
        if not gone:
            continue
        live = [link for link in view.links.values() if not link.gone and not link.base.archived]
        kinds = Counter(link.base.kind for link in live)
        lost = Counter(link.base.kind for link in gone.values())
        emptied = {k for k in Kind if lost[k] and lost[k] == kinds[k]}
        of_emptied = frozenset(i for i, link in gone.items() if link.base.kind in emptied)
        many = len(gone) >= limits.min_items and len(gone) > limits.share * len(live)
        # A kind that had items, or a place when last read, lost its list / section /
        # heading: the target's structure changed, so nothing that vanished from it this
        # run reads as a deletion (an item may have been moved there just before).
        places_lost = tuple(
            k for k in Kind if k in view.snapshot.unplaced and (kinds[k] or k in view.known_places)
        )
        if before & gone.keys() or many or places_lost:
            held = frozenset(gone)
        elif len(of_emptied) >= limits.min_items:
            held = of_emptied
        else:
            continue
        named = places_lost or (
            tuple(k for k in Kind if k in emptied) if held == of_emptied else ()
        )
        holds[view.name] = Hold(
            view.name,
            held,
            named,
            everything=not view.snapshot.items and view.snapshot.complete,
            since_before=bool(before & held),
            archived=frozenset(vanished(view, archived=True)),
        )
    return holds


def shield(view: TargetView, hold: Hold | None) -> TargetView:
    """The target as the planner should see it: held items shown as it last agreed on
    them, so that their vanishing is no change (and no archive) anywhere. So are the
    archived items of a kind whose list / section / heading is gone (a closed list's
    closed cards): read as gone, a restore elsewhere would make a second card."""
    if view.snapshot is None:
        return view
    if hold is not None:
        shown = hold.item_ids | hold.archived
    else:
        lost = view.snapshot.unplaced
        shown = frozenset(
            i for i, link in vanished(view, archived=True).items() if link.base.kind in lost
        )
    if not shown:
        return view
    items = dict(view.snapshot.items)
    for item_id in shown:
        link = view.links.get(item_id)
        if link is not None and not link.gone:
            items[link.remote_id] = RemoteItem(link.remote_id, link.base, item_id, link.version)
    snapshot: Snapshot = replace(view.snapshot, items=items, gone=view.snapshot.gone - items.keys())
    return replace(view, snapshot=snapshot)


CONTENT_FIELDS = ("title", "notes", "done", "due", "owner", "labels", "steps")
"""What a person writes on an item; its kind, place and archiving are structure, which
the holds themselves look after."""


def rebase_returning(
    view: TargetView,
    held_before: frozenset[str],
    hold: Hold | None,
    board: Mapping[str, Item],
    earlier: Mapping[str, list[Item]],
) -> tuple[TargetView, list[str]]:
    """Items coming back to a target that held them (a file restored from a backup, a list
    reopened) may show older values than the board. A returning value is older when the
    board moved on for that field since this target last agreed, or when the item held
    that value on the board before (`earlier`: the values runs replaced): it is rebased
    (the planner takes it as what the target last agreed on, so it is no edit, and the
    board's value is written back over it) and named in one line (kept in the run's
    summary), never applied silently. Any other differing value is a person's edit, made
    before the hold or typed into the restored file, and merges as any edit does."""
    snapshot = view.snapshot
    still = hold.item_ids if hold is not None else frozenset()
    back = held_before - still
    if snapshot is None or not back:
        return view, []
    links = dict(view.links)
    older: list[str] = []
    for remote in snapshot.items.values():
        link = links.get(remote.item_id or "")
        if remote.item_id not in back or link is None:
            continue
        now = board.get(remote.item_id or "")
        past = earlier.get(remote.item_id or "", [])
        changed = [
            name
            for name in CONTENT_FIELDS
            if now is not None
            and getattr(remote.item, name) != getattr(link.base, name)
            and (
                getattr(now, name) != getattr(link.base, name)
                or any(getattr(remote.item, name) == getattr(old, name) for old in past)
            )
        ]
        if changed:
            older.append(f"{remote.item.title!r} ({', '.join(changed)})")
            links[remote.item_id or ""] = replace(link, base=remote.item)
    if not older:
        return view, []
    line = (
        f"{view.name}: {len(older)} item{'' if len(older) == 1 else 's'} came back from the "
        f"hold with values older than the board, which keeps its own: {', '.join(older)}"
    )
    return replace(view, links=links), [line]


def drop_held_writes(the_plan: Plan, holds: Mapping[str, Hold]) -> None:
    """Nothing is written to a target about the items it holds: they are not there. A
    target that shows nothing at all (an emptied file, every list closed) gets no write:
    a file restored from a backup then loses nothing pairsync wrote meanwhile."""
    for target, hold in holds.items():
        writes = the_plan.writes.get(target)
        if writes:
            kept = [] if hold.everything else writes
            shielded = hold.item_ids | hold.archived
            the_plan.writes[target] = [c for c in kept if c.item_id not in shielded]
    the_plan.settles = [
        s
        for s in the_plan.settles
        if s.target not in holds
        or s.item_id not in holds[s.target].item_ids | holds[s.target].archived
    ]


def drop_writes_to(the_plan: Plan, names: Collection[str]) -> None:
    """Views of no tool (an undo's values) are merged, never written to."""
    for name in names:
        the_plan.writes.pop(name, None)
    the_plan.settles = [s for s in the_plan.settles if s.target not in names]


def hold_line(hold: Hold, lists: Mapping[Kind, str], config_file: str) -> str:
    """The one line a held target reports: what vanished, the likely cause, the way out."""
    count = len(hold.item_ids)
    noun = "item" if count == 1 else "items"
    if hold.everything:
        cause = "the board is empty: lists closed, file emptied or deleted, or access lost?"
    elif hold.emptied_kinds:
        names = ", ".join(f'"{lists[k]}"' for k in hold.emptied_kinds)
        cause = f"was {names} renamed, closed or deleted?"
    else:
        cause = "more than half of its items: a mass delete, or moved out of the mapped lists?"
    verb = "still holding" if hold.since_before else "holding"
    them, were = ("it", "it was") if count == 1 else ("them", "they were")
    return (
        f"{hold.target}: {count} {noun} vanished at once ({cause}); {verb} {them}, nothing "
        f"archived. If {were} deleted on purpose: pairsync sync --config {config_file} "
        f"--accept-vanished {hold.target}"
    )


def unknown_ids_line(view: TargetView, known: Collection[str]) -> str | None:
    """One line for a target showing items with link-back ids the pair's state never
    wrote (a board file copied from another pair's, or this pair's state lost or moved):
    they are taken as this pair's items, as after a lost state, but a person should know.
    The next run knows them, so the line comes once."""
    if view.snapshot is None:
        return None
    strangers = sorted(
        (remote.item.title, remote.item_id)
        for remote in view.snapshot.items.values()
        if remote.item_id is not None and remote.item_id not in known
    )
    if not strangers:
        return None
    count = len(strangers)
    noun = "item carries a link-back id" if count == 1 else "items carry link-back ids"
    named = ", ".join(repr(title) for title, _ in strangers[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    return (
        f"{view.name}: {count} {noun} this pair's state never wrote ({named}{more}): "
        "copied from another pair's board, or this pair's state lost or moved? Synced as "
        "this pair's own from now on"
    )


def renamed_lines(
    target: str, word: str, lists: Mapping[Kind, str], places: Mapping[Kind, tuple[str, str]]
) -> list[str]:
    """One line per kind whose list / section a person renamed: pairsync follows it."""
    return [
        f'{target}: {word} "{lists[kind]}" is now "{name}"; following it'
        for kind, (_, name) in sorted(places.items())
        if kind in lists and name != lists[kind]
    ]
