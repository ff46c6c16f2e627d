"""How one target's snapshot is read as one side per item: matched to item ids by link,
footer or as new, with the ranks its order shows, before any field is merged."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sync.contract import Link, RemoteItem, Role, Snapshot
from sync.limits import NOTES_MARK, TITLE_MARK, restore
from sync.model import Item, Kind
from sync.plan.order import observed_ranks


@dataclass(frozen=True, slots=True)
class TargetView:
    """One target as the planner sees it. `snapshot` is None when it could not be read:
    it is then left alone this run (no writes, and its silence is not a deletion)."""

    name: str
    role: Role
    snapshot: Snapshot | None
    links: Mapping[str, Link]
    """item id -> link, for this target."""
    known_places: frozenset[Kind] = frozenset()
    """Kinds whose list / section / heading the target had when it was last read."""


@dataclass(slots=True)
class Side:
    """One target's view of one item during the merge."""

    target: TargetView
    current: Item | None = None
    """What the tool shows now (None: not there)."""
    base: Item | None = None
    remote: RemoteItem | None = None
    link: Link | None = None
    vanished: bool = False
    relink: bool = False


def observe(
    view: TargetView, board: Mapping[str, Item], new_id: Callable[[], str]
) -> dict[str, Side]:
    """Match a target's remote items to item ids: by link, then by footer, else new."""
    snapshot = view.snapshot
    assert snapshot is not None
    by_remote = {link.remote_id: item_id for item_id, link in view.links.items() if not link.gone}
    found: dict[str, Side] = {}
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
        found[item_id] = Side(view, current, base, remote, link, relink=relink)
    for item_id, link in view.links.items():
        if item_id in found or link.gone:
            continue
        vanished = snapshot.complete or link.remote_id in snapshot.gone
        current = link.base.with_(archived=True) if vanished else link.base
        found[item_id] = Side(view, current, link.base, None, link, vanished=vanished)
    return found


def rank_by_order(order: tuple[str, ...] | None, found: dict[str, Side]) -> None:
    """Give what each item shows the rank its target's order says (`sync.plan.order`): the
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


def _restored(shown: Item, known: Item) -> Item:
    """A title or notes a tool holds shortened (`sync.limits`) read as the whole text."""
    title = restore(shown.title, known.title, TITLE_MARK)
    notes = restore(shown.notes, known.notes, NOTES_MARK)
    if (title, notes) == (shown.title, shown.notes):
        return shown
    return shown.with_(title=title, notes=notes)
