"""The simulated Trello's state, with no HTTP (moto's models.py): members, boards, lists,
labels, cards, checklists, check items and the actions log.

Every write names the member who made it, records a Trello action (`createCard`,
`updateCard`, `addChecklistToCard`, ...) and bumps `dateLastActivity` on the card and the
board, as Trello does. `responses.py` turns HTTP requests into these calls; tests acting
as a person in Trello call them directly (see `server.Person`).

Limitations (deliberate): no organisations, members on boards, attachments, comments,
custom fields or webhooks; `pos` is a plain float; a token sees every board of its member.
A card name or description longer than 16,384 characters is refused (400), as Trello does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any, Literal

from adapters.simkit import iso
from adapters.trello.sim.entities import (
    Action,
    Board,
    Card,
    CheckItem,
    Checklist,
    Label,
    Member,
    TList,
    TrelloError,
    new_id,
    not_found,
    parse_date,
    short_link,
)
from adapters.trello.sim.values import TEXT_LIMIT, id_list, is_after, position

CopyActions = Literal["card", "each"]


class TrelloBackend:
    """All of one simulated Trello. Not thread-safe: the HTTP app serialises calls."""

    def __init__(self, now: Callable[[], float], copy_actions: CopyActions = "card") -> None:
        self.now = now
        self.copy_actions: CopyActions = copy_actions
        """How a copy of checklists is reported: as the card's `copyCard` (and a
        checklist's `addChecklistToCard`) alone ("card"), or also with an action per
        checklist and check item it made ("each")."""
        self.keys: set[str] = set()
        self.tokens: dict[str, Member] = {}
        self.boards: dict[str, Board] = {}
        self._seq = itertools.count(1)

    # -- accounts ---------------------------------------------------------------------------
    def add_member(self, key: str, token: str, username: str, full_name: str = "") -> Member:
        self.keys.add(key)
        member = Member(new_id(self.now()), username, full_name or username)
        self.tokens[token] = member
        return member

    def create_board(self, member: Member, name: str) -> Board:
        now = self.now()
        board = Board(new_id(now), name, short_link(), iso(now), member_ids={member.id})
        self.boards[board.id] = board
        self._record(board, member, "createBoard", {})
        return board

    # -- lookups ----------------------------------------------------------------------------
    def board(self, member: Member, board_id: str) -> Board:
        board = self.boards.get(board_id)
        if board is None:
            raise not_found()
        if member.id not in board.member_ids:
            raise TrelloError(401, "unauthorized permission requested")
        return board

    def _find(self, member: Member, kind: str, obj_id: str) -> tuple[Board, Any]:
        for board in self.boards.values():
            obj = getattr(board, kind).get(obj_id)
            if obj is not None:
                return self.board(member, board.id), obj
        raise not_found()

    def card(self, member: Member, card_id: str) -> tuple[Board, Card]:
        board, card = self._find(member, "cards", card_id)
        return board, card

    def checklist(self, member: Member, checklist_id: str) -> tuple[Board, Checklist]:
        board, checklist = self._find(member, "checklists", checklist_id)
        return board, checklist

    def tlist(self, member: Member, list_id: str) -> tuple[Board, TList]:
        board, tlist = self._find(member, "lists", list_id)
        return board, tlist

    # -- lists and labels -------------------------------------------------------------------
    def create_list(self, member: Member, board_id: str, name: str, pos: Any = None) -> TList:
        board = self.board(member, board_id)
        tlist = TList(new_id(self.now()), board.id, name, position(pos, board.lists.values()))
        board.lists[tlist.id] = tlist
        self._record(board, member, "createList", {"list": {"id": tlist.id, "name": name}})
        return tlist

    def update_list(self, member: Member, list_id: str, **changes: Any) -> TList:
        board, tlist = self.tlist(member, list_id)
        for key in ("name", "closed"):
            if key in changes:
                setattr(tlist, key, changes[key])
        self._record(board, member, "updateList", {"list": {"id": tlist.id, "name": tlist.name}})
        return tlist

    def create_label(self, member: Member, board_id: str, name: str, color: str | None) -> Label:
        board = self.board(member, board_id)
        label = Label(new_id(self.now()), board.id, name, color)
        board.labels[label.id] = label
        self._record(board, member, "createLabel", {"label": label.to_json()})
        return label

    # -- cards ------------------------------------------------------------------------------
    def create_card(self, member: Member, id_list: str, **fields: Any) -> Card:
        board, tlist = self.tlist(member, id_list)
        now = self.now()
        cards = [c for c in board.cards.values() if c.idList == tlist.id]
        card = Card(
            new_id(now),
            board.id,
            tlist.id,
            fields.get("name") or "",
            idShort=len(board.cards) + 1,
            shortLink=short_link(),
            pos=position(fields.get("pos", "bottom"), cards),
            dateLastActivity=iso(now),
        )
        source = fields.get("idCardSource")
        if source:
            self._copy_from(member, board, card, source, fields.get("keepFromSource") or "all")
        self._set_card_fields(board, card, fields)
        board.cards[card.id] = card
        data = {"card": self._card_ref(card), "list": _ref(tlist)}
        if source:
            data["cardSource"] = self._card_ref(self.card(member, source)[1])
        self._record(board, member, "copyCard" if source else "createCard", data)
        return card

    def _copy_from(
        self, member: Member, board: Board, card: Card, source_id: str, keep: str
    ) -> None:
        _, source = self.card(member, source_id)
        kept = set(keep.split(","))
        card.desc = source.desc
        if kept & {"all", "labels"}:
            card.idLabels = list(source.idLabels)
        if kept & {"all", "due"}:
            card.due, card.dueComplete = source.due, source.dueComplete
        if kept & {"all", "checklists"}:
            for checklist_id in source.idChecklists:
                made = self._copy_checklist(board, card, board.checklists[checklist_id])
                if self.copy_actions == "each":
                    self._record(
                        board,
                        member,
                        "addChecklistToCard",
                        {"card": self._card_ref(card), "checklist": _ref(made)},
                    )
                    self._record_items(board, member, card, made)

    def _copy_checklist(
        self, board: Board, card: Card, source: Checklist, name: str | None = None
    ) -> Checklist:
        now = self.now()
        checklist = Checklist(
            new_id(now),
            board.id,
            card.id,
            name or source.name,
            position("bottom", [board.checklists[c] for c in card.idChecklists]),
        )
        for item in sorted(source.items, key=lambda i: i.pos):
            checklist.items.append(
                CheckItem(new_id(now), checklist.id, item.name, item.state, item.pos)
            )
        board.checklists[checklist.id] = checklist
        card.idChecklists.append(checklist.id)
        return checklist

    def _set_card_fields(self, board: Board, card: Card, fields: dict[str, Any]) -> dict[str, Any]:
        """Apply the writable card fields present in `fields`; return the old values."""
        old: dict[str, Any] = {}
        for key in ("name", "desc", "closed", "dueComplete", "idList", "due", "idLabels", "pos"):
            if key not in fields or (key == "pos" and fields[key] is None):
                continue
            value = fields[key]
            if key == "due":
                value = parse_date(value)
            elif key == "idLabels":
                value = id_list(value)
                if any(label_id not in board.labels for label_id in value):
                    raise TrelloError(400, "invalid value for idLabels")
            elif key == "idList":
                if value not in board.lists:
                    raise TrelloError(400, "invalid value for idList")
            elif key == "pos":
                value = position(
                    value, [c for c in board.cards.values() if c.idList == card.idList]
                )
            elif key in ("name", "desc"):
                value = "" if value is None else str(value)
                if len(value) > TEXT_LIMIT:  # Trello: "1 to 16384 characters long"
                    raise TrelloError(400, f"invalid value for {key}")
            if getattr(card, key) != value:
                old[key] = getattr(card, key)
                setattr(card, key, value)
        return old

    def update_card(self, member: Member, card_id: str, **fields: Any) -> Card:
        """Record what changed as Trello does: one `updateCard` whose `data.card` carries the
        new value of each field in `data.old` (a move adds `listBefore`/`listAfter`), and
        one `addLabelToCard` / `removeLabelFromCard` per label; nothing for no change."""
        board, card = self.card(member, card_id)
        old = self._set_card_fields(board, card, fields)
        self._touch(card)
        labels_before = old.pop("idLabels", None)
        if labels_before is not None:
            for label_id in [i for i in card.idLabels if i not in labels_before]:
                self._record_label(board, member, card, "addLabelToCard", label_id)
            for label_id in [i for i in labels_before if i not in card.idLabels]:
                self._record_label(board, member, card, "removeLabelFromCard", label_id)
        if not old:
            return card
        ref = self._card_ref(card) | {key: getattr(card, key) for key in old}
        data = {"card": ref, "list": _ref(board.lists[card.idList]), "old": old}
        if "idList" in old:
            data["listBefore"] = _ref(board.lists[old["idList"]])
            data["listAfter"] = _ref(board.lists[card.idList])
        self._record(board, member, "updateCard", data)
        return card

    def _record_label(
        self, board: Board, member: Member, card: Card, kind: str, label_id: str
    ) -> None:
        label = board.labels[label_id]
        data = {"card": self._card_ref(card), "label": label.to_json(), "value": label.name}
        self._record(board, member, kind, data)

    def delete_card(self, member: Member, card_id: str) -> None:
        board, card = self.card(member, card_id)
        for checklist_id in card.idChecklists:
            board.checklists.pop(checklist_id, None)
        del board.cards[card.id]
        self._record(
            board,
            member,
            "deleteCard",
            {
                "card": {"id": card.id, "idShort": card.idShort},
                "list": _ref(board.lists[card.idList]),
            },
        )

    # -- checklists -------------------------------------------------------------------------
    def create_checklist(
        self, member: Member, card_id: str, name: str | None = None, source_id: str | None = None
    ) -> Checklist:
        board, card = self.card(member, card_id)
        if source_id:
            _, source = self.checklist(member, source_id)
            checklist = self._copy_checklist(board, card, source, name)
        else:
            siblings = [board.checklists[c] for c in card.idChecklists]
            checklist = Checklist(
                new_id(self.now()),
                board.id,
                card.id,
                name or "Checklist",
                position("bottom", siblings),
            )
            board.checklists[checklist.id] = checklist
            card.idChecklists.append(checklist.id)
        self._touch(card)
        self._record(
            board,
            member,
            "addChecklistToCard",
            {"card": self._card_ref(card), "checklist": _ref(checklist)},
        )
        if source_id and self.copy_actions == "each":
            self._record_items(board, member, card, checklist)
        return checklist

    def _record_items(self, board: Board, member: Member, card: Card, checklist: Checklist) -> None:
        card_ref, checklist_ref = self._card_ref(card), _ref(checklist)
        for item in checklist.items:
            data = {"card": card_ref, "checklist": checklist_ref, "checkItem": _ref(item)}
            self._record(board, member, "createCheckItem", data)

    def delete_checklist(self, member: Member, checklist_id: str) -> None:
        board, checklist = self.checklist(member, checklist_id)
        card = board.cards[checklist.idCard]
        card.idChecklists.remove(checklist.id)
        del board.checklists[checklist.id]
        self._touch(card)
        self._record(
            board,
            member,
            "removeChecklistFromCard",
            {"card": self._card_ref(card), "checklist": _ref(checklist)},
        )

    def create_check_item(
        self, member: Member, checklist_id: str, name: str, checked: bool = False, pos: Any = None
    ) -> CheckItem:
        board, checklist = self.checklist(member, checklist_id)
        item = CheckItem(
            new_id(self.now()),
            checklist.id,
            name,
            "complete" if checked else "incomplete",
            position(pos, checklist.items),
        )
        checklist.items.append(item)
        card = board.cards[checklist.idCard]
        self._touch(card)
        self._record(
            board,
            member,
            "createCheckItem",
            {"card": self._card_ref(card), "checklist": _ref(checklist), "checkItem": _ref(item)},
        )
        return item

    def update_check_item(
        self, member: Member, card_id: str, item_id: str, **changes: Any
    ) -> CheckItem:
        board, card = self.card(member, card_id)
        checklist, item = self._check_item(board, card, item_id)
        old = {
            k: getattr(item, k)
            for k in ("name", "state")
            if k in changes and changes[k] != getattr(item, k)
        }
        for key in ("name", "state"):
            if key in changes and changes[key] is not None:
                setattr(item, key, changes[key])
        self._touch(card)
        if not old:
            return item
        kind = "updateCheckItemStateOnCard" if set(old) == {"state"} else "updateCheckItem"
        self._record(
            board,
            member,
            kind,
            {
                "card": self._card_ref(card),
                "checklist": _ref(checklist),
                "checkItem": {**_ref(item), "state": item.state},
                "old": old,
            },
        )
        return item

    def delete_check_item(self, member: Member, checklist_id: str, item_id: str) -> None:
        board, checklist = self.checklist(member, checklist_id)
        card = board.cards[checklist.idCard]
        _, item = self._check_item(board, card, item_id)
        checklist.items.remove(item)
        self._touch(card)
        self._record(
            board,
            member,
            "deleteCheckItem",
            {"card": self._card_ref(card), "checklist": _ref(checklist), "checkItem": _ref(item)},
        )

    def _check_item(self, board: Board, card: Card, item_id: str) -> tuple[Checklist, CheckItem]:
        for checklist_id in card.idChecklists:
            checklist = board.checklists[checklist_id]
            for item in checklist.items:
                if item.id == item_id:
                    return checklist, item
        raise not_found()

    # -- actions ----------------------------------------------------------------------------
    def actions(
        self,
        board: Board,
        since: str | None = None,
        before: str | None = None,
        types: set[str] | None = None,
        limit: int = 50,
    ) -> list[Action]:
        """Newest first, as Trello lists them; `since`/`before` take an action id or a date."""
        chosen = [a for a in reversed(board.actions) if types is None or a.type in types]
        if since:
            chosen = [a for a in chosen if is_after(a, since, board)]
        if before:
            chosen = [a for a in chosen if not is_after(a, before, board) and a.id != before]
        return chosen[:limit]

    def _record(self, board: Board, member: Member, kind: str, data: dict[str, Any]) -> None:
        now = self.now()
        board.dateLastActivity = iso(now)
        action = Action(
            new_id(now), next(self._seq), kind, iso(now), member, {"board": board.ref(), **data}
        )
        board.actions.append(action)

    def _touch(self, card: Card) -> None:
        card.dateLastActivity = iso(self.now())

    def _card_ref(self, card: Card) -> dict[str, Any]:
        return {
            "id": card.id,
            "name": card.name,
            "idShort": card.idShort,
            "shortLink": card.shortLink,
        }


def _ref(obj: Any) -> dict[str, Any]:
    return {"id": obj.id, "name": obj.name}
