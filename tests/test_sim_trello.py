"""The simulated Trello, driven over HTTP as clients drive the real one: raw requests
(key and token in the query) and py-trello (OAuth header, JSON bodies)."""

from __future__ import annotations

import http.client
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from trello import TrelloClient
from trello.exceptions import ResourceUnavailable, Unauthorized

from adapters.trello.sim.server import TrelloSimulator

MISSING = "0" * 24


class _ToSimulator(requests.Session):
    """py-trello's http_service, pointed at the simulator instead of api.trello.com."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        url = str(url).replace("https://api.trello.com/1", self.base_url)
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def client(trello_sim: TrelloSimulator) -> TrelloClient:
    session = _ToSimulator(trello_sim.base_url)
    return TrelloClient(api_key=trello_sim.key, token=trello_sim.token, http_service=session)


def call(sim: TrelloSimulator, method: str, path: str, **params: Any) -> requests.Response:
    query = {"key": sim.key, "token": sim.token, **params}
    return requests.request(method, sim.base_url + path, params=query, timeout=10)


def test_raw_http_walk_through_every_endpoint(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Raw")
    tlist = call(trello_sim, "POST", "/lists", name="Goals", idBoard=board_id).json()
    label = call(trello_sim, "POST", "/labels", name="urgent", color="red", idBoard=board_id).json()
    card = call(
        trello_sim,
        "POST",
        "/cards",
        idList=tlist["id"],
        name="Ship",
        desc="d",
        idLabels=label["id"],
        due="2025-01-02",
    ).json()
    assert (card["due"], card["labels"][0]["name"], card["closed"]) == (
        "2025-01-02T00:00:00.000Z",
        "urgent",
        False,
    )
    checklist = call(trello_sim, "POST", "/checklists", idCard=card["id"], name="Five Whys").json()
    item = call(
        trello_sim, "POST", f"/checklists/{checklist['id']}/checkItems", name="Why 1?"
    ).json()
    ticked = call(
        trello_sim, "PUT", f"/cards/{card['id']}/checkItem/{item['id']}", state="complete"
    )
    assert ticked.json()["state"] == "complete"
    put = call(
        trello_sim,
        "PUT",
        f"/cards/{card['id']}",
        dueComplete="true",
        closed="true",
        idLabels="",
        due="",
    )
    assert (put.json()["dueComplete"], put.json()["closed"], put.json()["idLabels"]) == (
        True,
        True,
        [],
    )
    assert put.json()["due"] is None

    open_only = call(trello_sim, "GET", f"/boards/{board_id}", cards="open", lists="all").json()
    everything = call(
        trello_sim,
        "GET",
        f"/boards/{board_id}",
        cards="all",
        checklists="all",
        labels="all",
        actions="all",
        actions_limit=1,
    ).json()
    assert open_only["cards"] == [] and [x["name"] for x in open_only["lists"]] == ["Goals"]
    assert [c["id"] for c in everything["cards"]] == [card["id"]]
    assert everything["checklists"][0]["checkItems"][0]["state"] == "complete"
    assert everything["actions"][0]["type"] == "updateCard"
    assert (
        call(trello_sim, "GET", f"/cards/{card['id']}/checklists").json()[0]["name"] == "Five Whys"
    )
    assert call(trello_sim, "GET", "/members/me").json()["username"] == "assistant"

    assert call(trello_sim, "DELETE", f"/checklists/{checklist['id']}").ok
    assert call(trello_sim, "DELETE", f"/cards/{card['id']}").ok
    actions = call(trello_sim, "GET", f"/boards/{board_id}/actions").json()
    update = next(a["data"] for a in actions if a["type"] == "updateCard")
    # Trello's updateCard carries each changed field's new value beside the old one
    assert (update["card"]["closed"], update["old"]["closed"]) == (True, False)
    assert (update["card"]["dueComplete"], update["old"]["dueComplete"]) == (True, False)
    assert [a["type"] for a in actions] == [
        "deleteCard",
        "removeChecklistFromCard",
        "updateCard",
        "removeLabelFromCard",
        "updateCheckItemStateOnCard",
        "createCheckItem",
        "addChecklistToCard",
        "createCard",
        "createLabel",
        "createList",
        "createBoard",
    ]
    assert call(trello_sim, "GET", f"/cards/{card['id']}").status_code == 404


def test_actions_since_an_action_id_and_filter(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Log", ("Actions",))
    newest = call(trello_sim, "GET", f"/boards/{board_id}/actions", limit=1).json()[0]["id"]
    assert call(trello_sim, "GET", f"/boards/{board_id}/actions", since=newest).json() == []
    card_id = trello_sim.person.create_card(board_id, "Actions", "Pay invoice")
    trello_sim.person.edit_card(card_id, dueComplete=True)
    since = call(trello_sim, "GET", f"/boards/{board_id}/actions", since=newest).json()
    assert [a["type"] for a in since] == ["updateCard", "createCard"]
    assert since[0]["data"]["old"] == {"dueComplete": False}
    only = call(trello_sim, "GET", f"/boards/{board_id}/actions", since=newest, filter="createCard")
    assert [a["data"]["card"]["name"] for a in only.json()] == ["Pay invoice"]


def test_person_actions_bump_date_last_activity(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("People", ("Problems",))
    card_id = trello_sim.person.create_card(board_id, "Problems", "Late reports")
    trello_sim.person.age_card(card_id, days=30)
    aged = call(trello_sim, "GET", f"/cards/{card_id}").json()["dateLastActivity"]
    trello_sim.person.edit_card(card_id, desc="now owned by finance")
    assert call(trello_sim, "GET", f"/cards/{card_id}").json()["dateLastActivity"] > aged


def test_py_trello_reads_and_writes_the_simulator(
    trello_sim: TrelloSimulator, client: TrelloClient
) -> None:
    board = client.get_board(trello_sim.create_board("Via py-trello"))
    goals = board.add_list("Goals")
    label = board.add_label("Stale", "orange")
    card = goals.add_card("Grow ARR", desc="notes", labels=[label])
    assert [x.name for x in board.get_labels()] == ["Stale"]
    assert [(c.name, c.labels[0].name) for c in board.all_cards()] == [("Grow ARR", "Stale")]
    assert [x.name for x in board.all_lists()] == ["Goals"]
    assert [a["type"] for a in board.fetch_actions("createCard")] == ["createCard"]
    assert card.id in {c["id"] for c in client.fetch_json(f"/lists/{goals.id}/cards")}


def test_bad_key_or_token_is_401_with_trellos_message(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Private")
    bad_key = requests.get(
        f"{trello_sim.base_url}/boards/{board_id}",
        params={"key": "nope", "token": trello_sim.token},
        timeout=10,
    )
    bad_token = requests.get(
        f"{trello_sim.base_url}/boards/{board_id}",
        params={"key": trello_sim.key, "token": "nope"},
        timeout=10,
    )
    assert (bad_key.status_code, bad_key.text) == (401, "invalid key")
    assert (bad_token.status_code, bad_token.text) == (401, "invalid token")
    other = TrelloClient(
        api_key=trello_sim.key, token="f" * 64, http_service=_ToSimulator(trello_sim.base_url)
    )
    with pytest.raises(Unauthorized):
        other.get_board(board_id)


def test_unknown_ids_are_404(trello_sim: TrelloSimulator, client: TrelloClient) -> None:
    assert call(trello_sim, "GET", f"/boards/{MISSING}").status_code == 404
    assert call(trello_sim, "PUT", f"/cards/{MISSING}", name="x").status_code == 404
    with pytest.raises(ResourceUnavailable):
        client.get_board(MISSING)


def test_a_request_trello_would_reject_is_400_and_recorded(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Strict", ("Goals",))
    list_id = next(iter(trello_sim.board(board_id).lists))
    missing_list = call(trello_sim, "POST", "/cards", name="No list")
    bad_state = call(trello_sim, "PUT", f"/cards/{MISSING}/checkItem/{MISSING}", state="done")
    bad_id = call(trello_sim, "POST", "/cards", idList="not-an-id")
    assert [r.status_code for r in (missing_list, bad_state, bad_id)] == [400, 400, 400]
    assert len(trello_sim.violations) == 3
    assert "idList" in trello_sim.violations[0] and "'done'" in trello_sim.violations[1]
    assert trello_sim.cards(board_id) == [] and list_id
    trello_sim.violations.clear()  # seen: let the fixture's teardown pass


def test_rate_limit_is_100_per_10_seconds_per_token() -> None:
    # real time: the 10-second window stays open however slow the machine; the test moves
    # the clock past the window instead of waiting it out
    trello_sim = TrelloSimulator(speed=1).start()
    try:
        _hit_the_limit(trello_sim)
    finally:
        trello_sim.stop()
    assert trello_sim.violations == []


def _hit_the_limit(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Busy")
    trello_sim.spend_rate_limit(99)
    last = call(trello_sim, "GET", f"/boards/{board_id}")
    assert last.ok and last.headers["x-rate-limit-api-token-remaining"] == "0"
    limited = call(trello_sim, "GET", f"/boards/{board_id}")
    assert limited.status_code == 429
    assert limited.json()["error"] == "API_TOKEN_LIMIT_EXCEEDED"
    assert "Retry-After" not in limited.headers  # Trello does not say when to come back
    trello_sim.app.clock.offset += 10  # one window later
    assert call(trello_sim, "GET", f"/boards/{board_id}").ok


def test_rate_limit_is_300_per_10_seconds_per_api_key_across_its_tokens() -> None:
    trello_sim = TrelloSimulator().start()  # real time: the window stays open
    try:
        board = trello_sim.create_board("Busy")
        for _ in range(299):  # other pairs' tokens of the same key
            trello_sim.app.key_limiter.admit(trello_sim.key)
        last = call(trello_sim, "GET", f"/boards/{board}")
        assert last.ok and last.headers["x-rate-limit-api-key-remaining"] == "0"
        trello_sim.token = trello_sim.add_token("another-assistant")
        limited = call(trello_sim, "GET", f"/boards/{board}")
        assert limited.status_code == 429
        assert limited.json()["error"] == "API_KEY_LIMIT_EXCEEDED"
        assert "Retry-After" not in limited.headers
    finally:
        trello_sim.stop()
    assert trello_sim.violations == []


def test_more_than_200_rejections_of_a_key_block_it_for_the_rest_of_the_window() -> None:
    trello_sim = TrelloSimulator().start()  # real time: the test moves the clock itself
    try:
        board = trello_sim.create_board("Hammered")
        assert _rejected(trello_sim, board, 201) == {429}  # the block would end at +15 s
        trello_sim.app.clock.offset += 6  # the 300 requests are out of the window (+11 s)
        blocked = call(trello_sim, "GET", f"/boards/{board}")
        assert blocked.status_code == 429
        assert blocked.json()["error"] == "API_KEY_LIMIT_EXCEEDED"
        owner, trello_sim.token = trello_sim.token, trello_sim.add_token("another-assistant")
        assert call(trello_sim, "GET", "/members/me").status_code == 429  # any token of it
        trello_sim.token = owner
        trello_sim.app.clock.offset += 4.5  # the window of the rejections is over (+15.5 s)
        assert call(trello_sim, "GET", f"/boards/{board}").ok
    finally:
        trello_sim.stop()
    assert trello_sim.violations == []


def test_200_rejections_of_a_key_do_not_block_it() -> None:
    trello_sim = TrelloSimulator().start()
    try:
        board = trello_sim.create_board("Busy")
        assert _rejected(trello_sim, board, 200) == {429}
        trello_sim.app.clock.offset += 6  # the 300 are out of the window: the key is free
        assert call(trello_sim, "GET", f"/boards/{board}").ok
    finally:
        trello_sim.stop()
    assert trello_sim.violations == []


def _rejected(trello_sim: TrelloSimulator, board: str, requests_sent: int) -> set[int]:
    """Fill the key's window, then, 5 s later, send it requests that it must reject: the
    statuses they got."""
    for _ in range(300):  # other pairs' tokens of the same key
        trello_sim.app.key_limiter.admit(trello_sim.key)
    trello_sim.app.clock.offset += 5
    trello_sim.app.validate = False  # hundreds of answers: their shape is checked above
    with requests.Session() as http:
        query = {"key": trello_sim.key, "token": trello_sim.token}
        url = f"{trello_sim.base_url}/boards/{board}"
        codes = {http.get(url, params=query, timeout=10).status_code for _ in range(requests_sent)}
    trello_sim.app.validate = True
    return codes


def test_faults_fail_drop_and_slow_down(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Flaky", ("Goals",))
    list_id = next(iter(trello_sim.board(board_id).lists))
    trello_sim.faults.fail_next = 2
    codes = [call(trello_sim, "GET", f"/boards/{board_id}").status_code for _ in range(3)]
    assert codes == [503, 503, 200]

    trello_sim.faults.drop_next = 1
    with pytest.raises(requests.ConnectionError):
        call(trello_sim, "POST", "/cards", idList=list_id, name="Never made")
    trello_sim.faults.drop_after_write_next = 1
    with pytest.raises(requests.ConnectionError):
        call(trello_sim, "POST", "/cards", idList=list_id, name="Made, answer lost")
    assert [c.name for c in trello_sim.cards(board_id)] == ["Made, answer lost"]

    trello_sim.faults.delay_seconds = 0.3
    started = time.monotonic()
    assert call(trello_sim, "GET", f"/boards/{board_id}").ok
    assert time.monotonic() - started >= 0.3
    trello_sim.faults.delay_seconds = 0.0


def test_request_stats_count_per_method_and_path(trello_sim: TrelloSimulator) -> None:
    board_id = trello_sim.create_board("Counted")
    for _ in range(3):
        call(trello_sim, "GET", f"/boards/{board_id}")
    stats = requests.get(trello_sim.base_url.removesuffix("/1") + "/_sim/stats", timeout=10).json()
    assert stats["requests"] == {"GET /1/boards/<id>": 3}


def _address(sim: TrelloSimulator) -> tuple[str, int]:
    parts = urlsplit(sim.base_url)
    return parts.hostname or "", parts.port or 80


def test_a_connection_stays_open_between_requests(trello_sim: TrelloSimulator) -> None:
    """As the real service's does: a client's pool reuses it (no handshake per request)."""
    board_id = trello_sim.create_board("Kept")
    path = f"/1/boards/{board_id}?key={trello_sim.key}&token={trello_sim.token}"
    connection = http.client.HTTPConnection(*_address(trello_sim), timeout=10)
    sockets = []
    for _ in range(3):
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        sockets.append((response.status, connection.sock))
    connection.close()
    assert [status for status, _ in sockets] == [200] * 3
    assert sockets[0][1] is not None and all(sock is sockets[0][1] for _, sock in sockets)


def test_a_request_cut_short_is_neither_served_nor_judged(trello_sim: TrelloSimulator) -> None:
    """A client killed between a request's headers and its body (urllib3 sends them
    apart): no card is made and no violation is recorded (the fixture checks)."""
    board_id = trello_sim.create_board("Cut", ("Goals",))
    list_id = next(iter(trello_sim.board(board_id).lists))
    host, port = _address(trello_sim)
    body = f'{{"idList": "{list_id}", "name": "Half sent"}}'.encode()
    head = (
        f"POST /1/cards?key={trello_sim.key}&token={trello_sim.token} HTTP/1.1\r\n"
        f"Host: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + body[:10])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(65536) == b""  # hung up on, as the real service would
    assert trello_sim.cards(board_id) == []
    assert call(trello_sim, "GET", f"/boards/{board_id}").ok
