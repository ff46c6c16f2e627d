"""What a card needs on the board besides the card: its list, its labels, the Five Whys
template and checklist, made when missing, and its place among its neighbours (the `pos`
a write sends, the order a read shows)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from adapters.retry import Uncertain
from adapters.trello import mapping
from adapters.trello.mapping import BoardView
from sync.contract import Anchor, Place, RemoteItem
from sync.errors import TargetUnavailable
from sync.model import Item, Kind, Step

Call = Callable[..., Any]
"""The adapter's `_call(method, path, query=None, body=None)`: one request, classified."""


class BoardParts:
    """Makes the lists, labels, template card and checklists cards need, through the
    adapter's `call`, keeping the board read (`BoardView`) current."""

    def __init__(
        self,
        call: Call,
        target: str,
        lists: Mapping[Kind, str],
        remember: Callable[[BoardView], None],
    ) -> None:
        self._call = call
        self.name = target
        self.lists = lists
        self._remember = remember

    def list_id(self, view: BoardView, kind: Kind) -> str:
        if kind not in view.list_ids:
            created = self.make(
                "/lists",
                {"name": self.lists[kind], "idBoard": view.board_id, "pos": "bottom"},
            )
            view.list_ids[kind] = created["id"]
            view.kinds[created["id"]] = kind
            view.list_names[created["id"]] = self.lists[kind]
            self._remember(view)
        return view.list_ids[kind]

    def label_ids(self, view: BoardView, item: Item) -> list[str]:
        for name in sorted(item.tool_labels() - view.label_ids.keys()):
            created = self.make(
                "/labels",
                {"name": name, "idBoard": view.board_id, "color": mapping.label_color(name)},
            )
            view.label_ids[name] = created["id"]
            view.label_names[created["id"]] = name
        return sorted(view.label_ids[name] for name in item.tool_labels())

    def make(self, path: str, body: dict[str, Any]) -> Any:
        """Create a list or label every card may need. If the answer is lost, stop writing
        to this board for the run: making it again would leave two lists of one name, and
        cards in the second would drop out of scope (and be archived everywhere)."""
        try:
            return self._call("POST", path, body=body)
        except Uncertain:
            raise TargetUnavailable(
                self.name, f"connection lost creating {path[1:-1]} {body['name']!r}"
            ) from None

    def template(self, view: BoardView, steps: tuple[Step, ...]) -> tuple[str, str]:
        """(card id, checklist id) of the template card for these step texts, made now if
        the board has none."""
        texts = tuple(step.text for step in steps)
        if texts not in view.templates:
            body = {
                "name": "pairsync: Five Whys template",
                "desc": mapping.TEMPLATE_DESC,
                "idList": self.list_id(view, Kind.PROBLEM),
                "pos": "bottom",
            }
            card = self._call("POST", "/cards", body=body)
            template = Item(Kind.PROBLEM, "", steps=steps)
            checklist = self.add_steps(view, card["id"], template, copy=False)
            self._call("PUT", f"/cards/{card['id']}", body={"closed": True})
            view.templates[texts] = (card["id"], checklist)
        return view.templates[texts]

    def add_steps(self, view: BoardView, card_id: str, item: Item, copy: bool = True) -> str:
        """Give the card the checklist of its steps: for a problem, its Five Whys, a copy
        of the template when no step is ticked yet (one request); else item by item."""
        steps = item.steps
        body = {"idCard": card_id, "name": mapping.checklist_name(item.kind)}
        if copy and item.kind is Kind.PROBLEM and fresh(steps):
            body["idChecklistSource"] = self.template(view, steps)[1]
        checklist = self._call("POST", "/checklists", body=body)
        view.five_whys[card_id] = checklist
        if "idChecklistSource" in body:
            return str(checklist["id"])
        for step in steps:
            checklist["checkItems"].append(
                self._call(
                    "POST",
                    f"/checklists/{checklist['id']}/checkItems",
                    body={"name": step.text, "checked": step.done, "pos": "bottom"},
                )
            )
        return str(checklist["id"])

    def sync_steps(self, view: BoardView, card_id: str, item: Item) -> None:
        """Make the card's checklist show the item's steps, one request per differing item."""
        steps = item.steps
        checklist = view.five_whys.get(card_id)
        if checklist is None:
            if steps:
                self.add_steps(view, card_id, item)
            return
        if not steps:
            self._call("DELETE", f"/checklists/{checklist['id']}")
            del view.five_whys[card_id]
            return
        items = checklist["checkItems"]
        for index, step in enumerate(steps):
            if index >= len(items):
                items.append(
                    self._call(
                        "POST",
                        f"/checklists/{checklist['id']}/checkItems",
                        body={"name": step.text, "checked": step.done, "pos": "bottom"},
                    )
                )
                continue
            diff: dict[str, Any] = {}
            if items[index]["name"] != step.text:
                diff["name"] = step.text
            if (items[index]["state"] == "complete") != step.done:
                diff["state"] = "complete" if step.done else "incomplete"
            if diff:
                items[index] = self._call(
                    "PUT", f"/cards/{card_id}/checkItem/{items[index]['id']}", body=diff
                )
        for extra in items[len(steps) :]:
            self._call("DELETE", f"/checklists/{checklist['id']}/checkItems/{extra['id']}")
        del items[len(steps) :]

    def make_room(self, view: BoardView, place: Place | None, made: Mapping[str, str]) -> None:
        """Re-space the cards of a list whose two neighbours of `place` share a `pos` (a
        card a person moved from another list keeps its `pos`, so ties happen): nothing
        fits between them. Each open card of the list gets a `pos` of its own, in the
        order the board shows (one PUT per card whose `pos` changes; rare)."""
        if place is None or place.after is None or place.before is None:
            return
        around = [_anchor_pos(view, anchor, made) for anchor in (place.after, place.before)]
        low, high = around
        if low is None or high is None or low < high:
            return
        card_id = place.before.remote_id or made[place.before.item_id]
        list_id = view.cards[card_id]["idList"]
        cards = [c for c in view.cards.values() if c["idList"] == list_id and not c["closed"]]
        for number, card in enumerate(sorted(cards, key=lambda c: float(c["pos"])), start=1):
            if float(card["pos"]) != number * POS_STEP:
                body = {"pos": number * POS_STEP}
                view.cards[card["id"]] = self._call("PUT", f"/cards/{card['id']}", body=body)


POS_STEP = 16384.0
"""Trello's own spacing of cards' `pos`."""


def fresh(steps: tuple[Step, ...]) -> bool:
    """Steps no one has ticked yet: a copy of the template can stand for them."""
    return bool(steps) and not any(step.done for step in steps)


def card_pos(view: BoardView | None, place: Place | None, made: Mapping[str, str]) -> str | float:
    """Trello's `pos` for a place: "top" or "bottom" at a list's ends, else halfway
    between the neighbours' (the bottom if one is not on the board read). `made`: item id
    -> card id of the cards created by the batch being applied."""
    if place is None or place.before is None:
        return "bottom"
    if place.after is None:
        return "top"
    around = [_anchor_pos(view, anchor, made) for anchor in (place.after, place.before)]
    if view is None or None in around:
        return "bottom"
    low, high = around
    return (float(low) + float(high)) / 2  # type: ignore[arg-type]


def _anchor_pos(view: BoardView | None, anchor: Anchor, made: Mapping[str, str]) -> float | None:
    card_id = anchor.remote_id or made.get(anchor.item_id)
    card = view.cards.get(card_id) if view is not None and card_id else None
    return float(card["pos"]) if card is not None and "pos" in card else None


def shown_order(view: BoardView, shown: Iterable[RemoteItem]) -> tuple[str, ...]:
    """The cards' remote ids in the order the board shows them: by kind, then by list left
    to right, then by position in the list."""
    lists = list(view.list_names)  # open lists, left to right
    order = sorted(shown, key=lambda r: (r.item.kind, *_spot(view.cards[r.remote_id], lists)))
    return tuple(r.remote_id for r in order)


def _spot(card: dict[str, Any], lists: list[str]) -> tuple[int, float]:
    """Where a card sits: its list, left to right, then its position in the list."""
    rank = lists.index(card["idList"]) if card["idList"] in lists else len(lists)
    return rank, float(card.get("pos", 0))
