"""The Trello adapter: one board, its mapped lists, over py-trello's `TrelloClient`.

Requests (the performance budget is per run):
- A full `read` is one `GET /boards/{id}` with cards (closed ones too, so restores are
  seen), lists, labels, checklists and the newest action, whose id is the cursor.
- An incremental `read(cursor)` asks `GET /boards/{id}/actions?since=cursor` (1,000 a
  page): nothing since, or nothing but the echoes of the last run's writes
  (`adapters.trello.echoes`), means nothing changed (1 request); anything else means a
  full read.
- A create is one `POST /cards` with every field; a problem card copies the Five Whys
  checklist from a closed template card in the same request (`idCardSource`), so it
  cannot end up half-made. A card that gets its Five Whys later (a person's new problem
  card) copies the template's checklist in one `POST /checklists` (`idChecklistSource`).
  The template is made once per board (11 requests), so each problem card costs one
  request for its Five Whys.
- Order: a card's place is its `pos`. A placed create or update sends the `pos` between
  its neighbours' (from the board read), or "top"/"bottom" at a list's ends, which need
  no read: a move elsewhere costs one `PUT` here.
- An update is one `PUT /cards/{id}` for all card fields that differ, plus one request
  per check item that differs (Trello has no batch write). Writes need the board read,
  except after a read that found nothing since the cursor: then updates of card fields
  alone (title, notes, done, archived) are written from `Update.previous`, so k
  such changes cost 1 + k requests.
- `publish` (the 1:1 agenda) is one board read plus one write.
py-trello is used through `fetch_json`; its object layer fetches eagerly (a `Card.fetch`
is five requests) and would break the budget. HTTP details live in `session.py`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from typing import Any

from trello import TrelloClient
from trello.exceptions import ResourceUnavailable

from adapters import echoes
from adapters.base import Adapter
from adapters.pacing import Limit, Pacer
from adapters.retry import UNCERTAIN, ChangeFailed, GaveUp, Uncertain, classify
from adapters.trello import mapping
from adapters.trello.board import BoardParts, card_pos, fresh, shown_order
from adapters.trello.config import TrelloTarget
from adapters.trello.echoes import WriteLog, all_echoes
from adapters.trello.mapping import BoardView
from adapters.trello.session import HttpStatus, TrelloSession, call_with_retries
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Create,
    Created,
    Outcome,
    Snapshot,
    Update,
    Updated,
    add_footer,
    split_footer,
)
from sync.errors import TargetError, TargetRejected, TargetUnavailable
from sync.limits import NOTES_MARK, TITLE_MARK, shorten
from sync.model import Item, Kind

ACTIONS_PAGE = 1000
"""The most actions Trello returns per request."""
DESC_LIMIT = NAME_LIMIT = 16384
"""Trello's longest card description and card name."""


class TrelloAdapter(Adapter):
    type_name = "trello"
    config: TrelloTarget

    def __init__(self, config: TrelloTarget, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        window = 10 / config.clock_speed
        limits = {
            config.token.get_secret_value(): Limit(config.token_limit_per_10s, window),
            config.api_key.get_secret_value(): Limit(config.key_limit_per_10s, window),
        }
        self.session = TrelloSession(
            config.base_url,
            config.api_key,
            config.token,
            config.timeout_seconds,
            self._count,
            Pacer(config.base_url, limits, from_pair_file=True),
        )
        self.client = TrelloClient(
            api_key=config.api_key.get_secret_value(),
            token=config.token.get_secret_value(),
            http_service=self.session,
        )
        self._view: BoardView | None = None
        self._quiet = False
        """The last read found no action since its cursor but echoes: every card is as the
        full read that set the cursor saw it, or as the last run wrote it, which is what
        each `Update.previous` shows."""
        self._made: dict[str, str] = {}
        """Item id -> card id of the cards created by the batch being applied."""
        self._written = WriteLog()
        self.parts = BoardParts(self._call, self.name, config.lists, self._remember)

    def _count(self) -> None:
        self.requests += 1

    # -- HTTP -------------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
    ) -> Any:
        def send() -> Any:
            return self.client.fetch_json(
                path, http_method=method, query_params=dict(query or {}), post_args=body
            )

        try:
            answer = call_with_retries(method, send, self.config.retry_seconds)
        except HttpStatus as exc:
            if exc.status == 404 and path.startswith("/boards/"):
                raise TargetRejected(
                    self.name, f"board {self.config.board_id} not found (404)"
                ) from None
            raise classify(self.name, exc.status, f"{method} {_shape(path)}") from None
        except GaveUp as exc:
            raise TargetUnavailable(self.name, f"{method} {_shape(path)}: {exc}") from None
        except (ResourceUnavailable, ValueError) as exc:  # py-trello or a body that is not JSON
            raise TargetUnavailable(
                self.name, f"{method} {_shape(path)}: unreadable answer"
            ) from exc
        if method != "GET":
            self._written.note(method, path, body, answer)
        return answer

    # -- read -------------------------------------------------------------------------------
    def read(self, cursor: str | None = None) -> Snapshot:
        try:
            return self._read(cursor)
        except ChangeFailed as exc:
            raise TargetRejected(self.name, str(exc)) from None

    def _read(self, cursor: str | None) -> Snapshot:
        self._quiet = False
        since, written = echoes.unpack(cursor)
        if since:
            actions = self._actions_since(since)
            if all_echoes(actions, written or ()):
                self._quiet = True
                newest = actions[0]["id"] if actions else since
                return Snapshot({}, complete=False, cursor=newest, places=dict(self.places))
        view = self._load_view()
        items = {}
        for card in view.cards.values():
            remote = mapping.remote_item(card, view)
            if remote is not None:
                items[remote.remote_id] = remote
        shown = [items[c] for c in items if not items[c].item.archived]
        return Snapshot(
            items=items,
            complete=True,
            cursor=view.cursor,
            order=shown_order(view, shown),
            unplaced=frozenset(self.config.lists.keys() - view.list_ids.keys()),
            places=dict(self.places),
        )

    def _actions_since(self, since: str) -> list[dict[str, Any]]:
        """Every action after `since`, newest first, a page of 1,000 per request."""
        path = f"/boards/{self.config.board_id}/actions"
        query = {"since": since, "limit": str(ACTIONS_PAGE)}
        actions: list[dict[str, Any]] = self._call("GET", path, query)
        page = actions
        while len(page) == ACTIONS_PAGE:
            page = self._call("GET", path, query | {"before": page[-1]["id"]})
            actions += page
        return actions

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        cursor = echoes.pack(snapshot.cursor, self._written.fingerprints())
        return replace(super().after_writes(snapshot), cursor=cursor)

    def _load_view(self) -> BoardView:
        data = self._call("GET", f"/boards/{self.config.board_id}", dict(mapping.BOARD_QUERY))
        followed = {kind: list_id for kind, (list_id, _) in self.places.items()}
        self._view = mapping.parse_board(data, self.config.lists, followed, self.zone)
        self._remember(self._view)
        return self._view

    def _remember(self, view: BoardView) -> None:
        """Keep `places` current; a kind whose list is closed keeps its old place, so the
        list is followed again once reopened."""
        for kind, list_id in view.list_ids.items():
            self.places[kind] = (list_id, view.list_names.get(list_id, self.config.lists[kind]))

    # -- apply ------------------------------------------------------------------------------
    def write(self, changes: Sequence[Change]) -> Iterator[Outcome]:
        """One board read for the batch (the read's, if this run made one), none when the
        read was quiet and the changes are card fields alone."""
        if self._view is None and not (self._quiet and all(map(_fields_only, changes))):
            self._load_view()
        self._made = {}
        try:
            yield from super().write(changes)
        finally:
            self._view = None  # cards copied from the template are not indexed: reload
            self._quiet = False  # our own writes are actions now

    def write_one(self, change: Change) -> Outcome:
        if self._view is None:
            assert isinstance(change, Update)
            return self._write_fields(change)
        if isinstance(change, Create):
            return self._create(self._view, change)
        return self._update(self._view, change)

    def _create(self, view: BoardView, change: Create) -> Created:
        item = _fitted(change.item, change.item_id)
        wanted = mapping.card_fields(
            item,
            add_footer(item.notes, change.item_id),
            self.parts.list_id(view, item.kind),
            self.parts.label_ids(view, item),
            self.zone,
        )
        body = {k: v for k, v in wanted.items() if k != "closed" and v is not None}
        body["idLabels"] = ",".join(wanted["idLabels"])
        self.parts.make_room(view, change.place, self._made)
        body["pos"] = card_pos(view, change.place, self._made)
        five_whys = item.kind is Kind.PROBLEM and fresh(item.steps)
        template = self.parts.template(view, item.steps) if five_whys else None
        if template:
            body.update(idCardSource=template[0], keepFromSource="checklists")
        card = self._call("POST", "/cards", body=body)
        if template:
            self._written.copied(card.get("idChecklists") or (), [s.text for s in item.steps])
        view.cards[card["id"]] = card
        self._made[change.item_id] = card["id"]
        try:
            if item.archived:
                view.cards[card["id"]] = self._call(
                    "PUT", f"/cards/{card['id']}", body={"closed": True}
                )
            if item.steps and not template:
                self.parts.add_steps(view, card["id"], item)
        except (ChangeFailed, Uncertain) as exc:
            raise ChangeFailed(
                f"card {card['id']} created, but not finished ({exc or UNCERTAIN})"
            ) from None
        return Created(change, card["id"], mapping.version(item, change.item_id))

    def _update(self, view: BoardView, change: Update) -> Updated:
        card = view.cards.get(change.remote_id)
        found = mapping.card_item(card, view) if card else None
        if card is None or found is None:
            reason = mapping.out_of_reach(card, view)
            raise ChangeFailed(f"card {change.remote_id} {reason}; not written")
        if mapping.version(*found) != change.version:
            raise ChangeFailed(
                f"card {change.remote_id} changed in Trello since it was read; not written"
            )
        item = _fitted(change.item, change.item_id)
        keep = [i for i in card["idLabels"] if i not in view.label_names]  # colour-only labels
        wanted = mapping.card_fields(
            item,
            add_footer(item.notes, change.item_id),
            self.parts.list_id(view, item.kind),
            self.parts.label_ids(view, item) + keep,
            self.zone,
        )
        diff = mapping.card_diff(card, wanted, self.zone)
        if change.place is not None:
            self.parts.make_room(view, change.place, self._made)
            diff["pos"] = card_pos(view, change.place, self._made)
        if diff:
            view.cards[card["id"]] = self._call("PUT", f"/cards/{card['id']}", body=diff)
            self._written.labels(card["id"], card["idLabels"], wanted["idLabels"])
        self.parts.sync_steps(view, card["id"], item)
        return Updated(change, card["id"], mapping.version(item, change.item_id))

    def _write_fields(self, change: Update) -> Updated:
        """`_update` of a `_fields_only` change after a quiet read, without reading the
        board: one PUT of what differs between `previous` (what the card shows) and the
        item. Saves the full read a run that only carries such changes would need."""
        before, after = (_fitted(i, change.item_id) for i in (change.previous, change.item))
        shown = mapping.card_fields(before, add_footer(before.notes, change.item_id), "", [])
        wanted = mapping.card_fields(after, add_footer(after.notes, change.item_id), "", [])
        diff = mapping.card_diff(shown, wanted)  # the due is unchanged: see _fields_only
        if change.place is not None:
            diff["pos"] = card_pos(None, change.place, self._made)
        if diff:
            self._call("PUT", f"/cards/{change.remote_id}", body=diff)
        version = mapping.version(after, change.item_id)
        return Updated(change, change.remote_id, version)

    def make_places(self, kinds: Collection[Kind]) -> None:
        try:
            view = self._view or self._load_view()
            for kind in kinds:
                self.parts.list_id(view, kind)
        except ChangeFailed as exc:
            raise TargetRejected(self.name, f"lists: {exc}") from None
        except Uncertain:
            raise TargetUnavailable(self.name, f"lists: {UNCERTAIN}") from None

    # -- the agenda ---------------------------------------------------------------------------
    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        try:
            view = self._load_view()
            desc = add_footer(_fit(text, DESC_LIMIT - 40), key)
            mine = [c for c in view.cards.values() if split_footer(c["desc"])[1] == key]
            if mine:
                card = min(mine, key=lambda c: bool(c["closed"]))  # an open one if any
                diff = mapping.card_diff(card, {"name": title, "desc": desc, "closed": False})
                if diff:
                    self._call("PUT", f"/cards/{card['id']}", body=diff)
                return str(card["id"])
            list_id = view.open_lists.get(list_name)
            if list_id is None:
                body = {"name": list_name, "idBoard": view.board_id, "pos": "top"}
                list_id = self.parts.make("/lists", body)["id"]
            body = {"name": title, "desc": desc, "idList": list_id, "pos": "top"}
            return str(self._call("POST", "/cards", body=body)["id"])
        except ChangeFailed as exc:
            raise TargetRejected(self.name, f"agenda: {exc}") from None
        except Uncertain:
            raise TargetUnavailable(self.name, f"agenda: {UNCERTAIN}") from None

    # -- check ------------------------------------------------------------------------------
    def scopes(self) -> list[tuple[str, str]]:
        me = self._call("GET", "/members/me")
        boards = [self._call("GET", f"/boards/{b}", {"fields": "name"}) for b in me["idBoards"]]
        return [(board["id"], board["name"]) for board in boards]

    def check(self) -> list[CheckLine]:
        rows: list[CheckLine] = []
        try:
            me = self._call("GET", "/members/me")
            rows.append(CheckLine("credentials", True, f"accepted for @{me.get('username', '?')}"))
            view = self._load_view()
        except ChangeFailed as exc:
            return [*rows, CheckLine("board", False, f"{self.name}: {exc}")]
        except TargetError as exc:
            return [*rows, CheckLine("credentials" if not rows else "board", False, str(exc))]
        in_scope = sum(1 for c in view.cards.values() if mapping.card_item(c, view))
        rows.append(CheckLine("board", True, f"{self.config.board_id}: {in_scope} cards in scope"))
        missing = [name for kind, name in self.config.lists.items() if kind not in view.list_ids]
        rows.append(
            CheckLine(
                "lists",
                True,
                "all mapped lists exist"
                if not missing
                else f"missing, created on first sync: {', '.join(missing)}",
            )
        )
        remaining = self.session.last_headers.get("x-rate-limit-api-token-remaining")
        limit = self.session.last_headers.get("x-rate-limit-api-token-max")
        if remaining is not None:
            rows.append(
                CheckLine(
                    "rate limit",
                    int(remaining) > 10,
                    f"{remaining} of {limit} requests left in the current window",
                )
            )
        if self.config.api_secret is None:
            rows.append(
                CheckLine(
                    "webhooks",
                    True,
                    "no api_secret: pairsync serve polls this board but cannot check "
                    "Trello's webhooks (pairsync webhooks register refuses them)",
                )
            )
        return rows

    def close(self) -> None:
        self.session.close()


def _fields_only(change: Change) -> bool:
    """An update of card fields alone (title, notes, done, archived): its labels,
    list and check items stay, so it needs neither their ids nor the card's own labels."""
    if not isinstance(change, Update) or change.relink:
        return False
    if change.place is not None and None not in (change.place.after, change.place.before):
        return False  # between two cards: their `pos` comes from the board read
    before, after = change.previous, change.item
    return (before.kind, before.tool_labels(), before.steps, before.due) == (
        after.kind,
        after.tool_labels(),
        after.steps,
        after.due,  # a new day keeps the card's time of day, which needs the board read
    )


def _fitted(item: Item, item_id: str) -> Item:
    """The item as a card can hold it: name and description (with the footer) within
    Trello's limits, shortened visibly (`sync.limits`); the other tools keep it whole."""
    room = DESC_LIMIT - len(add_footer("-", item_id)) + 1
    title, notes = (
        shorten(item.title, NAME_LIMIT, TITLE_MARK),
        shorten(item.notes, room, NOTES_MARK),
    )
    return (
        item if (title, notes) == (item.title, item.notes) else item.with_(title=title, notes=notes)
    )


def _fit(text: str, limit: int) -> str:
    """Text cut to a length Trello stores, saying so."""
    if len(text) <= limit:
        return text
    note = "\n\n… (shortened; `pairsync agenda` prints all of it)"
    return text[: limit - len(note)] + note


def _shape(path: str) -> str:
    """A path with ids elided, for messages: /cards/{id}."""
    return "/".join("{id}" if len(part) == 24 else part for part in path.split("/"))
