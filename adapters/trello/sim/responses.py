"""The simulated Trello's HTTP face (moto's responses.py): read parameters, call the
backend as the token's member, answer Trello's JSON.

Dialect: 401 answers are plain text ("invalid key", "invalid token") as Trello's are;
429 is `{"error": "API_TOKEN_LIMIT_EXCEEDED", ...}` after 100 requests per 10 s per token,
`API_KEY_LIMIT_EXCEEDED` after 300 per 10 s per API key (every token of the key), without
`Retry-After`, which Trello does not send; a rejected request counts against neither,
but more than 200 of them block the key for the rest of the window (`rejections`).
Every answer carries Trello's `x-rate-limit-api-token-*` and `-api-key-*` headers.
Other errors are JSON in the spec's `Error` shape.
Nested resources on `GET /boards/{id}`: `cards`, `lists`, `labels`, `checklists` and
`actions` with their `*_fields` and `*_limit` parameters.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from openapi_core import OpenAPI
from werkzeug.wrappers import Request, Response

from adapters.simclock import RateLimiter
from adapters.simkit import SimApp, json_response
from adapters.trello.sim import spec
from adapters.trello.sim.entities import Board, Card, Member, TrelloError, card_json
from adapters.trello.sim.models import (
    TrelloBackend,
)
from adapters.trello.sim.rejections import KeyBlock
from adapters.trello.sim.urls import URL_MAP
from adapters.trello.sim.webhooks import TrelloWebhooks

RATE_LIMIT = 100
KEY_RATE_LIMIT = 300
RATE_WINDOW = 10.0
_BOARD_FIELDS = "name,desc,descData,closed,idOrganization,pinned,url,shortUrl,prefs,labelNames"

Endpoint = Callable[..., Any]


def endpoint(fn: Endpoint) -> Callable[..., Response]:
    """Run a handler as the request's member; turn its result or `TrelloError` into HTTP."""

    @functools.wraps(fn)
    def wrapper(self: TrelloApp, request: Request, **args: str) -> Response:
        _, token = spec.credentials(request)
        member = self.backend.tokens[token or ""]
        try:
            body = fn(self, member, spec.params(request), **args)
        except TrelloError as exc:
            return self.error_response(exc.status, exc.message)
        return json_response(body)

    return wrapper


class TrelloApp(SimApp):
    url_map = URL_MAP
    spec_path = str(spec.SPEC_FILE)
    spec_server = "https://api.trello.com/1"

    def __init__(self, *, speed: float = 1.0) -> None:
        super().__init__(speed=speed, limit=RATE_LIMIT, window=RATE_WINDOW)
        self.backend = TrelloBackend(self.clock.now)
        self.hooks = TrelloWebhooks(self.backend, self.lock)
        self.deliverer = self.hooks.deliverer
        self.key_limiter = RateLimiter(KEY_RATE_LIMIT, RATE_WINDOW, self.clock)
        self.key_block = KeyBlock(RATE_WINDOW, self.clock)
        self._exceeded = threading.local()
        """Which limit the current thread's request ran into: "TOKEN" or "KEY"."""

    # -- SimApp hooks -----------------------------------------------------------------------
    def load_spec(self) -> OpenAPI:
        return spec.load_spec()

    def spec_request(self, request: Request) -> Request:
        return spec.as_spec_request(request)

    def authenticate(self, request: Request) -> str | None:
        key, token = spec.credentials(request)
        if key in self.backend.keys and token in self.backend.tokens:
            return token
        return None

    def unauthorized_response(self, request: Request) -> Response:
        key, _ = spec.credentials(request)
        message = "invalid token" if key in self.backend.keys else "invalid key"
        return Response(message, status=401, mimetype="text/plain")

    def error_response(self, status: int, message: str) -> Response:
        if status == 401:
            return Response(message, status=401, mimetype="text/plain")
        code = {400: "BAD_REQUEST", 404: "NOT_FOUND"}.get(status, "SERVER_ERROR")
        return json_response({"code": code, "message": message}, status=status)

    def admit(self, request: Request, key: str) -> float:
        api_key, _ = spec.credentials(request)
        with self.lock:
            blocked = self.key_block.blocked(api_key or "")
            if blocked:  # more than 200 rejections of the key in this window
                self._exceeded.name = "KEY"
                return blocked
            token_wait = self.limiter.wait(key)
            key_wait = self.key_limiter.wait(api_key or "")
            self._exceeded.name = "KEY" if key_wait else "TOKEN"
            if token_wait or key_wait:
                self.key_block.rejected(api_key or "")
                return max(token_wait, key_wait)
            self.key_limiter.admit(api_key or "")
            return self.limiter.admit(key)

    def rate_limited_response(self, retry_after_real: float) -> Response:
        scope = getattr(self._exceeded, "name", "TOKEN")
        limit = KEY_RATE_LIMIT if scope == "KEY" else RATE_LIMIT
        body = {
            "error": f"API_{scope}_LIMIT_EXCEEDED",
            "message": f"Rate limit exceeded: {limit} requests per 10 seconds per {scope.lower()}",
        }
        return json_response(body, status=429)

    def dispatch(self, request: Request) -> Response | None:
        response = super().dispatch(request)
        api_key, token = spec.credentials(request)
        if response is not None and token in self.backend.tokens:
            interval = str(int(RATE_WINDOW * 1000))
            for scope, limiter, credential in (
                ("token", self.limiter, token),
                ("key", self.key_limiter, api_key),
            ):
                remaining = max(limiter.remaining(credential or ""), 0)
                response.headers[f"x-rate-limit-api-{scope}-interval-ms"] = interval
                response.headers[f"x-rate-limit-api-{scope}-max"] = str(limiter.limit)
                response.headers[f"x-rate-limit-api-{scope}-remaining"] = str(remaining)
        return response

    # -- webhooks (state and delivery in webhooks.py) --------------------------------------
    def post_webhooks(self, request: Request) -> Response:
        key, token = spec.credentials(request)
        try:
            hook = self.hooks.create(key or "", token or "", spec.params(request))
        except TrelloError as exc:
            return self.error_response(exc.status, exc.message)
        return json_response(hook.to_json())

    def get_token_webhooks(self, request: Request, token: str) -> Response:
        if token != spec.credentials(request)[1]:
            return self.error_response(401, "invalid token")
        return json_response([h.to_json() for h in self.hooks.of_token(token)])

    def delete_webhook(self, request: Request, id: str) -> Response:
        try:
            self.hooks.delete(spec.credentials(request)[1] or "", id)
        except TrelloError as exc:
            return self.error_response(exc.status, exc.message)
        return json_response({"_value": None})

    # -- boards -----------------------------------------------------------------------------
    @endpoint
    def get_board(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        board = self.backend.board(member, id)
        body = _pick(self._board_json(board), p.get("fields", _BOARD_FIELDS))
        cards = _filter_cards(board, p.get("cards", "none"))
        if cards is not None:
            card_fields = p.get("card_fields", "all")
            body["cards"] = [_pick(card_json(board, c), card_fields) for c in cards]
        lists = p.get("lists", "open")
        if lists != "none":
            chosen = [
                t
                for t in _sorted(board.lists.values())
                if lists == "all" or t.closed == (lists == "closed")
            ]
            body["lists"] = [_pick(t.to_json(), p.get("list_fields", "all")) for t in chosen]
        if p.get("labels", "none") != "none":
            labels = list(board.labels.values())[: int(p.get("labels_limit", 50))]
            body["labels"] = [_pick(x.to_json(), p.get("label_fields", "all")) for x in labels]
        if p.get("checklists", "none") != "none":
            fields = p.get("checklist_fields", "all")
            body["checklists"] = [
                _pick(c.to_json(), fields, keep=("checkItems",))
                for c in _sorted(board.checklists.values())
            ]
        if p.get("actions", "none") != "none":
            types = _types(p["actions"])
            actions = self.backend.actions(
                board, types=types, limit=int(p.get("actions_limit", 50))
            )
            body["actions"] = [_pick(a.to_json(), p.get("action_fields", "all")) for a in actions]
        return body

    def _board_json(self, board: Board) -> dict[str, Any]:
        url = f"https://trello.com/b/{board.shortLink}"
        return {
            "id": board.id,
            "name": board.name,
            "desc": "",
            "closed": False,
            "pinned": False,
            "url": url,
            "shortUrl": url,
            "shortLink": board.shortLink,
            "labelNames": {},
            "dateLastActivity": board.dateLastActivity,
        }

    @endpoint
    def get_board_actions(self, member: Member, p: dict[str, Any], boardId: str) -> list[Any]:
        board = self.backend.board(member, boardId)
        limit = min(int(float(p.get("limit", 50))), 1000)
        actions = self.backend.actions(
            board, p.get("since"), p.get("before"), _types(p.get("filter", "all")), limit
        )
        return [a.to_json() for a in actions]

    @endpoint
    def get_board_cards(
        self, member: Member, p: dict[str, Any], id: str, filter: str = "visible"
    ) -> list[Any]:
        board = self.backend.board(member, id)
        cards = _filter_cards(board, p.get("filter", filter)) or []
        return [card_json(board, c) for c in cards]

    @endpoint
    def get_board_lists(self, member: Member, p: dict[str, Any], id: str) -> list[Any]:
        board = self.backend.board(member, id)
        wanted = p.get("filter", "open")
        return [
            t.to_json()
            for t in _sorted(board.lists.values())
            if wanted == "all" or t.closed == (wanted == "closed")
        ]

    @endpoint
    def post_board_lists(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self.backend.create_list(member, id, p["name"], p.get("pos", "top")).to_json()

    @endpoint
    def get_board_labels(self, member: Member, p: dict[str, Any], id: str) -> list[Any]:
        board = self.backend.board(member, id)
        return [x.to_json() for x in list(board.labels.values())[: int(p.get("limit", 50))]]

    @endpoint
    def post_board_labels(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self.backend.create_label(member, id, p["name"], p.get("color")).to_json()

    @endpoint
    def get_board_checklists(self, member: Member, p: dict[str, Any], id: str) -> list[Any]:
        board = self.backend.board(member, id)
        return [c.to_json() for c in _sorted(board.checklists.values())]

    # -- lists and labels -------------------------------------------------------------------
    @endpoint
    def post_lists(self, member: Member, p: dict[str, Any]) -> dict[str, Any]:
        return self.backend.create_list(member, p["idBoard"], p["name"], p.get("pos")).to_json()

    @endpoint
    def get_list(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self.backend.tlist(member, id)[1].to_json()

    @endpoint
    def put_list(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        changes = {k: v for k, v in p.items() if k == "name"}
        if "closed" in p:
            changes["closed"] = _bool(p["closed"])
        return self.backend.update_list(member, id, **changes).to_json()

    @endpoint
    def get_list_cards(self, member: Member, p: dict[str, Any], id: str) -> list[Any]:
        board, tlist = self.backend.tlist(member, id)
        cards = [c for c in _sorted(board.cards.values()) if c.idList == tlist.id and not c.closed]
        return [card_json(board, c) for c in cards]

    @endpoint
    def post_labels(self, member: Member, p: dict[str, Any]) -> dict[str, Any]:
        color = None if p.get("color") in (None, "null") else p["color"]
        return self.backend.create_label(member, p["idBoard"], p["name"], color).to_json()

    # -- cards ------------------------------------------------------------------------------
    @endpoint
    def post_cards(self, member: Member, p: dict[str, Any]) -> dict[str, Any]:
        fields = _card_fields(p)
        fields.update({k: p[k] for k in ("idCardSource", "keepFromSource") if p.get(k)})
        card = self.backend.create_card(member, p["idList"], **fields)
        return self._card(member, card)

    @endpoint
    def get_card(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self._card(member, self.backend.card(member, id)[1])

    @endpoint
    def put_card(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self._card(member, self.backend.update_card(member, id, **_card_fields(p)))

    @endpoint
    def delete_card(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        self.backend.delete_card(member, id)
        return {"limits": {}}

    def _card(self, member: Member, card: Card) -> dict[str, Any]:
        return card_json(self.backend.board(member, card.idBoard), card)

    # -- checklists -------------------------------------------------------------------------
    @endpoint
    def get_card_checklists(self, member: Member, p: dict[str, Any], id: str) -> list[Any]:
        board, card = self.backend.card(member, id)
        return [board.checklists[c].to_json() for c in card.idChecklists]

    @endpoint
    def post_card_checklists(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self.backend.create_checklist(
            member, id, p.get("name"), p.get("idChecklistSource")
        ).to_json()

    @endpoint
    def post_checklists(self, member: Member, p: dict[str, Any]) -> dict[str, Any]:
        checklist = self.backend.create_checklist(
            member, p["idCard"], p.get("name"), p.get("idChecklistSource")
        )
        return checklist.to_json()

    @endpoint
    def get_checklist(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        return self.backend.checklist(member, id)[1].to_json()

    @endpoint
    def delete_checklist(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        self.backend.delete_checklist(member, id)
        return {"limits": {}}

    @endpoint
    def post_check_items(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        item = self.backend.create_check_item(
            member, id, p["name"], _bool(p.get("checked", False)), p.get("pos")
        )
        return item.to_json()

    @endpoint
    def delete_check_item(
        self, member: Member, p: dict[str, Any], id: str, idCheckItem: str
    ) -> dict[str, Any]:
        self.backend.delete_check_item(member, id, idCheckItem)
        return {"limits": {}}

    @endpoint
    def put_card_check_item(
        self, member: Member, p: dict[str, Any], id: str, idCheckItem: str
    ) -> dict[str, Any]:
        changes = {k: p[k] for k in ("name", "state") if k in p}
        return self.backend.update_check_item(member, id, idCheckItem, **changes).to_json()

    @endpoint
    def get_member(self, member: Member, p: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in ("me", member.id, member.username):
            raise TrelloError(404, "The requested resource was not found.")
        return {
            **member.to_json(),
            "idBoards": [b.id for b in self.backend.boards.values() if member.id in b.member_ids],
        }


def _card_fields(p: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        k: p[k] for k in ("name", "desc", "idList", "due", "idLabels", "pos") if k in p
    }
    fields.update({k: _bool(p[k]) for k in ("closed", "dueComplete") if k in p})
    return fields


def _filter_cards(board: Board, which: str) -> list[Card] | None:
    if which == "none":
        return None
    cards = _sorted(board.cards.values())
    if which in ("open", "visible"):
        return [c for c in cards if not c.closed]
    if which == "closed":
        return [c for c in cards if c.closed]
    return cards


def _sorted(objs: Any) -> list[Any]:
    return sorted(objs, key=lambda o: (getattr(o, "idList", ""), o.pos))


def _types(value: str) -> set[str] | None:
    return None if value in ("all", "") else set(value.split(","))


def _bool(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _pick(body: dict[str, Any], fields: str, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Trello's `fields=`: "all" or a comma-separated list; `id` always comes back."""
    if fields == "all":
        return body
    wanted = set(fields.split(",")) | {"id", *keep}
    return {k: v for k, v in body.items() if k in wanted}
