"""Trello's echoes (see `adapters.echoes`): a board action is pairsync's own when it made
the object the action creates, or set the field the action changed to the very value
the action carries (Trello's `updateCard` has the new value in `data.card` beside
`data.old`; check item actions carry name and state; labels come as `addLabelToCard` /
`removeLabelFromCard`).

A checklist pairsync copies (the Five Whys template, with a card or alone) may come back
as the card's `copyCard` alone or also as an `addChecklistToCard` and a `createCheckItem`
per step: the checklists' and check items' ids are in the answers when Trello gives
them (a card's `idChecklists`, a checklist's `checkItems`), and a copied check item
whose id pairsync never saw is proven by its checklist and name, once per step copied
(so a person's check item of the same name is still read).

Sound because only the last value a run wrote to each field is recorded: when every
action since the cursor matches, each field an action touched ends at pairsync's value,
and no other field moved. Any other action (a comment, a delete, a move to another board,
a value pairsync did not write) means a full read, as before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from adapters.echoes import fingerprint
from adapters.trello.mapping import due_date

MADE = {
    "createCard": "card",
    "copyCard": "card",
    "addChecklistToCard": "checklist",
    "createCheckItem": "checkItem",
    "createList": "list",
    "createLabel": "label",
}
"""Action type -> the `data` key of the object it creates."""
GONE = {"removeChecklistFromCard": "checklist", "deleteCheckItem": "checkItem"}
SET = {
    "updateCard": "card",
    "updateCheckItem": "checkItem",
    "updateCheckItemStateOnCard": "checkItem",
}
LABEL = {"addLabelToCard": True, "removeLabelFromCard": False}


def _value(field: str, value: Any) -> Any:
    """A field's value as both sides compare it: Trello may store a due date its own way,
    and a position pairsync sent as a number is a float in the action ("top" or "bottom"
    never matches one, so such a move is read)."""
    if field == "due" and value:
        return str(due_date(value))
    if field == "pos" and not isinstance(value, bool):
        try:
            return float(value)
        except (TypeError, ValueError):
            return value
    return value


class WriteLog:
    """What one run wrote to a board, as the fingerprints its actions will carry."""

    def __init__(self) -> None:
        self._made: set[str] = set()
        self._copied: list[str] = []
        """One fingerprint per check item copied into a checklist pairsync made."""
        self._last: dict[tuple[str, str], Any] = {}
        """(object id, field) -> the last value written: only it may show in an echo."""

    def note(self, method: str, path: str, body: dict[str, Any] | None, answer: Any) -> None:
        """Record one successful request (labels are recorded by `labels`)."""
        parts = path.strip("/").split("/")
        if method == "POST" and isinstance(answer, dict) and "id" in answer:
            self._made.add(str(answer["id"]))
            self._made.update(str(made) for made in answer.get("idChecklists") or ())
            self._made.update(str(item["id"]) for item in answer.get("checkItems") or ())
        elif method == "PUT" and parts[0] == "cards" and body:
            target = parts[3] if len(parts) == 4 else parts[1]  # a check item, or the card
            for field, value in body.items():
                if field != "idLabels":
                    self._last[(target, field)] = _value(field, value)
        elif method == "DELETE":
            self._last[(parts[-1], "")] = "gone"

    def labels(self, card_id: str, before: Iterable[str], after: Iterable[str]) -> None:
        old, new = set(before), set(after)
        for label_id in old ^ new:
            self._last[(card_id, "label " + label_id)] = label_id in new

    def copied(self, checklist_ids: Iterable[str], steps: Iterable[str]) -> None:
        """Record the steps copied into each of a new card's checklists (their ids unknown)."""
        names = list(steps)
        for checklist_id in checklist_ids:
            self._copied += [fingerprint("item", checklist_id, name) for name in names]

    def fingerprints(self) -> list[str]:
        made = [fingerprint("made", object_id) for object_id in self._made]
        sets = [fingerprint("set", *key, value) for key, value in self._last.items()]
        return sorted(made + sets + self._copied)


def action_fingerprints(action: dict[str, Any]) -> list[str] | None:
    """What an action did, as `WriteLog` fingerprints it; None for what no write of
    pairsync's makes, or an action that does not say enough to tell."""
    kind, data = action.get("type"), action.get("data") or {}
    try:
        if kind in MADE:
            return [fingerprint("made", data[MADE[kind]]["id"])]
        if kind in GONE:
            return [fingerprint("set", data[GONE[kind]]["id"], "", "gone")]
        if kind in LABEL:
            key = (data["card"]["id"], "label " + data["label"]["id"])
            return [fingerprint("set", *key, LABEL[kind])]
        if kind in SET:
            changed, now = data["old"], data[SET[kind]]
            if not changed or any(field not in now for field in changed):
                return None
            return [
                fingerprint("set", now["id"], field, _value(field, now[field])) for field in changed
            ]
    except (KeyError, TypeError):
        return None
    return None


def _checklist_of(action: dict[str, Any], kind: str) -> str | None:
    data = action.get("data") or {}
    checklist = data.get("checklist") if action.get("type") == kind else None
    return str(checklist["id"]) if isinstance(checklist, dict) and "id" in checklist else None


def all_echoes(actions: Iterable[dict[str, Any]], written: Iterable[str]) -> bool:
    """Whether every action is one of the recorded writes. A check item known only by its
    checklist and name proves one action each, and only in a batch that reports the copy
    of that checklist item by item (its `addChecklistToCard`): where the copy is the
    card's `copyCard` alone, a `createCheckItem` there is a person's."""
    batch = list(actions)
    itemised = {_checklist_of(action, "addChecklistToCard") for action in batch}
    known = Counter(written)
    for action in batch:
        prints = action_fingerprints(action)
        if prints is not None and all(known[p] for p in prints):
            continue
        checklist = _checklist_of(action, "createCheckItem")
        if checklist is None or checklist not in itemised:
            return False
        copied = fingerprint("item", checklist, (action["data"].get("checkItem") or {}).get("name"))
        if not known[copied]:
            return False
        known[copied] -= 1
    return True
