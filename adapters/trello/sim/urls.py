"""The simulated Trello's routes (moto's urls.py): the real API's paths under `/1`, each
mapped to a `TrelloApp` method of the same purpose. A trailing slash is accepted, as
Trello accepts it (py-trello's `Board.all_cards` sends one)."""

from __future__ import annotations

from werkzeug.routing import Map, Rule

_ROUTES: list[tuple[str, str, str]] = [
    ("GET", "/boards/<id>", "get_board"),
    ("GET", "/boards/<boardId>/actions", "get_board_actions"),
    ("GET", "/boards/<id>/cards", "get_board_cards"),
    ("GET", "/boards/<id>/cards/<filter>", "get_board_cards"),
    ("GET", "/boards/<id>/lists", "get_board_lists"),
    ("POST", "/boards/<id>/lists", "post_board_lists"),
    ("GET", "/boards/<id>/labels", "get_board_labels"),
    ("POST", "/boards/<id>/labels", "post_board_labels"),
    ("GET", "/boards/<id>/checklists", "get_board_checklists"),
    ("POST", "/lists", "post_lists"),
    ("GET", "/lists/<id>", "get_list"),
    ("PUT", "/lists/<id>", "put_list"),
    ("GET", "/lists/<id>/cards", "get_list_cards"),
    ("POST", "/labels", "post_labels"),
    ("POST", "/cards", "post_cards"),
    ("GET", "/cards/<id>", "get_card"),
    ("PUT", "/cards/<id>", "put_card"),
    ("DELETE", "/cards/<id>", "delete_card"),
    ("GET", "/cards/<id>/checklists", "get_card_checklists"),
    ("POST", "/cards/<id>/checklists", "post_card_checklists"),
    ("PUT", "/cards/<id>/checkItem/<idCheckItem>", "put_card_check_item"),
    ("POST", "/checklists", "post_checklists"),
    ("GET", "/checklists/<id>", "get_checklist"),
    ("DELETE", "/checklists/<id>", "delete_checklist"),
    ("POST", "/checklists/<id>/checkItems", "post_check_items"),
    ("DELETE", "/checklists/<id>/checkItems/<idCheckItem>", "delete_check_item"),
    ("GET", "/members/<id>", "get_member"),
    ("POST", "/webhooks", "post_webhooks"),
    ("GET", "/tokens/<token>/webhooks", "get_token_webhooks"),
    ("DELETE", "/webhooks/<id>", "delete_webhook"),
]

URL_MAP = Map(
    [Rule("/1" + path, methods=[method], endpoint=name) for method, path, name in _ROUTES],
    strict_slashes=False,
)
