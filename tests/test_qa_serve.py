"""The QA pass of 2026-12-07 (issue 21) against a real `pairsync serve`: a planted Asana
handshake (S1), who may read the page behind a proxy (S2), malformed requests (S4), slow
clients (S5), the port (C1), the webhooks commands (W1-W3) and what /metrics counts
(C5)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import sqlite3
import threading
import time

import requests

from tests.cli_run import ROOT, pairsync
from tests.serve_pair import metric, post_trello, quiet, runs
from tests.serve_rig import free_port, serving, wait_for
from tests.test_slack_actions import signed, slack_body
from tests.three_tools import ASANA, TRELLO, ThreeTools

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def stored(pair: ThreeTools, target: str) -> str | None:
    with sqlite3.connect(pair.state_path) as db:
        row = db.execute("SELECT secret FROM webhooks WHERE target = ?", (target,)).fetchone()
    return None if row is None else row[0]


def webhooks(pair: ThreeTools, *args: str) -> tuple[int, list[str], list[str]]:
    done = pairsync("webhooks", *args, "--config", str(pair.config_path), cwd=pair.folder)
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def no_error_lines(log: str) -> None:
    bad = [line for line in log.splitlines() if "ERROR" in line or "Traceback" in line]
    assert not bad, bad


# -- S1: nobody but the service chooses the Asana secret -----------------------------------
def test_a_planted_asana_handshake_neither_blocks_registration_nor_signs(pair, served):
    stop = threading.Event()
    answers: list[int] = []

    def attacker() -> None:
        with requests.Session() as http:  # at most 150: each is a WARNING line in a pipe
            while not stop.is_set() and len(answers) < 150:
                answers.append(
                    http.post(
                        f"{served.url}/hooks/trust/{ASANA}",
                        headers={"X-Hook-Secret": "attacker-chosen-secret"},
                        timeout=10,
                    ).status_code
                )
                time.sleep(0.01)

    spam = threading.Thread(target=attacker)
    spam.start()
    try:
        wait_for(lambda: len(answers) > 5, 30)
        code, out, err = webhooks(pair, "register", "--public-url", served.url)
    finally:
        stop.set()
        spam.join()
    assert code == 0, out + err
    assert any(line.startswith(f"{ASANA}: webhook ") and " created: " in line for line in out)
    assert set(answers) == {401}
    secret = stored(pair, ASANA)
    assert secret is not None and secret != "attacker-chosen-secret"

    forged = b'{"events": [{"action": "changed"}]}'
    signature = hmac.new(b"attacker-chosen-secret", forged, hashlib.sha256).hexdigest()
    before = runs(pair)
    hooked = next(line for line in out if line.startswith(f"{ASANA}: webhook "))
    path = hooked.split(served.url, 1)[1]
    answer = served.post(path, forged, {"X-Hook-Signature": signature})
    assert answer.status_code == 401
    # A real edit in Asana still arrives through the real webhook.
    asana_id = pair.ids()["Book flights to Lisbon"]
    pair.edit(ASANA, asana_id, title="Book flights to Lisbon, window seat")
    wait_for(lambda: "Book flights to Lisbon, window seat" in pair.board_path.read_text(), 30)
    wait_for(lambda: runs(pair) > before, 30)


def test_a_handshake_on_a_registration_url_that_is_not_waiting_is_refused(pair, served):
    code, out, _ = webhooks(pair, "register", "--public-url", served.url)
    assert code == 0
    hooked = next(line for line in out if line.startswith(f"{ASANA}: webhook "))
    path = hooked.split(served.url, 1)[1]
    secret = stored(pair, ASANA)
    assert served.post(path, b"", {"X-Hook-Secret": "late"}).status_code == 401
    assert stored(pair, ASANA) == secret


# -- S2: who may read the page ---------------------------------------------------------------
PROXIED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_a_proxied_request_without_the_token_gets_nothing(pair, served):
    for path in ("/", "/pairs/trust/agenda", "/metrics"):
        answer = served.get(path, headers=PROXIED)
        assert answer.status_code == 401, path
        assert "Approve the offsite budget" not in answer.text
        assert answer.text == (
            "authorisation required: this request came through a proxy; "
            "set PAIRSYNC_AUTH_TOKEN for pairsync serve\n"
        )
    forwarded = served.get("/pairs/trust/agenda", headers={"Forwarded": "for=203.0.113.9"})
    assert forwarded.status_code == 401
    health = served.get("/healthz", headers=PROXIED)
    assert health.text in ("ok\n", "failing\n")
    # The machine itself still reads it without a token.
    assert served.get("/pairs/trust/agenda").status_code == 200


def test_a_foreign_host_header_is_refused_dns_rebinding(pair, served):
    answer = served.get("/pairs/trust/agenda", headers={"Host": "attacker.example"})
    assert answer.status_code == 401 and "Approve" not in answer.text
    assert served.get("/", headers={"Host": f"localhost:{served.url.rsplit(':', 1)[1]}"}).ok


def test_with_a_token_proxied_requests_need_it_and_healthz_names_nobody(pair):
    token = "proxy-page-token-456"
    pair.trello.faults.fail_next = 10_000  # the start-up sync fails: a pair to name
    with serving(pair.folder, env={"PAIRSYNC_AUTH_TOKEN": token}) as served:
        bearer = PROXIED | {"Authorization": f"Bearer {token}"}
        wait_for(lambda: served.get("/healthz", headers=bearer).status_code == 503, 30)
        assert served.get("/", headers=PROXIED).status_code == 401
        assert served.get("/pairs/trust/agenda", headers=bearer).status_code == 200
        plain = served.get("/healthz", headers=PROXIED)
        assert (plain.status_code, plain.text) == (503, "failing\n")
        assert served.get("/healthz").text == "failing\n"
        assert served.get("/healthz", headers=bearer).text == "failing: trust\n"


def test_a_public_url_without_a_token_is_refused_at_start(pair):
    result = pairsync(
        "serve",
        "--config-dir",
        str(pair.folder),
        "--port",
        str(free_port()),
        "--public-url",
        "https://pairsync.example.com",
        cwd=pair.folder,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "pairsync: --public-url https://pairsync.example.com: the status page and the agendas "
        "are reachable from there; set PAIRSYNC_AUTH_TOKEN (or --auth-token)"
    ]


def test_the_unit_file_and_the_proxy_section_set_the_token():
    unit = (ROOT / "contrib" / "pairsync-serve.service").read_text()
    assert "PAIRSYNC_AUTH_TOKEN" in unit
    readme = (ROOT / "README.md").read_text()
    proxy = readme[readme.index("Behind a TLS reverse proxy") :]
    assert "PAIRSYNC_AUTH_TOKEN" in proxy[: proxy.index("**Several pairs**")]


# -- S4: malformed and unauthenticated requests ---------------------------------------------
def test_malformed_requests_get_a_4xx_and_one_warning(pair):
    secret = "slack-signing-secret-for-the-tests"
    with pair.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[channels]]\nname = "dana-slack"\ntype = "slack"\ntoken = "xoxb-test"\n'
            f'to = "dana@example.com"\nsigning_secret = "{secret}"\n'
            'base_url = "http://127.0.0.1:9/api/"\n'
        )
    with serving(pair.folder) as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)
        nested = b"payload=" + b"[" * 200_000  # about 200 KB, unsigned: refused unread
        assert served.post("/slack/actions", nested, FORM).status_code == 401
        signed_nested = FORM | signed(nested, int(time.time()), secret)
        assert served.post("/slack/actions", nested, signed_nested).status_code == 400
        body = json.dumps({"action": "string"}).encode()
        url = f"{served.url}/hooks/trust/{TRELLO}"
        digest = hmac.new(pair.trello.api_secret.encode(), body + url.encode(), hashlib.sha1)
        assert post_trello(served, body, base64.b64encode(digest.digest()).decode()) == 400
        port = int(served.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                f"POST /hooks/trust/{TRELLO} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                "Content-Length: 100\r\n\r\nabcd".encode()
            )
        trello_400 = 'source="trello",status="400"'
        wait_for(lambda: metric(served, "pairsync_webhook_rejections_total", trello_400) == 2, 30)
        for status, count in (("401", 1), ("400", 1)):
            labels = f'source="slack",status="{status}"'
            assert metric(served, "pairsync_webhook_rejections_total", labels) == count
    assert served.returncode == 0
    no_error_lines(served.stderr)
    warnings = [line for line in served.stderr.splitlines() if "WARNING" in line]
    assert any("slack actions refused (400)" in line for line in warnings)
    assert any("the client went away" in line for line in warnings)


# -- S5: slow clients -------------------------------------------------------------------------
def closed_within(port: int, first_bytes: bytes, seconds: float) -> bool:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(first_bytes)
        sock.settimeout(seconds)
        try:
            while sock.recv(4096):
                pass
        except TimeoutError:
            return False
        except ConnectionResetError:
            pass
    return True


def test_a_partial_request_is_closed_within_the_timeout(pair):
    with serving(pair.folder, "--request-timeout", "1") as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)
        port = int(served.url.rsplit(":", 1)[1])
        assert closed_within(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", 20)
        partial_body = (
            f"POST /hooks/trust/{TRELLO} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Length: 100\r\n\r\n0123456789"
        ).encode()
        assert closed_within(port, partial_body, 20)
    assert served.returncode == 0
    no_error_lines(served.stderr)


# -- C1: the port -----------------------------------------------------------------------------
def test_a_busy_port_is_one_line_exit_2_before_any_sync(pair):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = pairsync(
            "serve", "--config-dir", str(pair.folder), "--port", str(port), cwd=pair.folder
        )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"pairsync: --port {port}: cannot listen on 127.0.0.1:{port}: address already in use"
    ]
    assert runs(pair) == 2  # the seeding's runs only: nothing synced


def test_a_port_out_of_range_is_a_usage_error(pair):
    result = pairsync("serve", "--config-dir", str(pair.folder), "--port", "70000", cwd=pair.folder)
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert "--port" in result.stderr and "Traceback" not in result.stderr
    assert runs(pair) == 2


# -- C5: what /metrics counts, and a pair added while serving ---------------------------------
def test_a_click_on_an_unknown_item_is_a_rejection_not_a_delivery(pair):
    secret = "slack-signing-secret-for-the-tests"
    with pair.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[channels]]\nname = "dana-slack"\ntype = "slack"\ntoken = "xoxb-test"\n'
            f'to = "dana@example.com"\nsigning_secret = "{secret}"\n'
            'base_url = "http://127.0.0.1:9/api/"\n'
        )
    with serving(pair.folder) as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)
        for action, item in (("decision_decided", "0" * 16), ("no_such_button", "0" * 16)):
            body = slack_body(action, f"trust:{item}")
            answer = served.post(
                "/slack/actions", body, FORM | signed(body, int(time.time()), secret)
            )
            assert answer.status_code == 400
        assert metric(served, "pairsync_webhook_deliveries_total", 'source="slack"') == 0
        assert (
            metric(served, "pairsync_webhook_rejections_total", 'source="slack",status="400"') == 2
        )


def test_a_pair_file_added_while_serving_is_picked_up(pair, served):
    assert served.get("/pairs/late/agenda").status_code == 404
    (pair.folder / "late.md").write_text("## Goals\n\n- [ ] A late goal\n")
    (pair.folder / "late.toml").write_text(
        '[pair]\nname = "late"\n[state]\npath = "late.sqlite"\n[five_whys]\nenabled = false\n'
        '[[targets]]\nname = "late-md"\ntype = "markdown"\npath = "late.md"\n'
        '[[targets]]\nname = "late-copy"\ntype = "markdown"\npath = "late-copy.md"\n'
    )
    wait_for(lambda: served.get("/pairs/late/agenda").status_code == 200, 30)
    wait_for(lambda: (pair.folder / "late-copy.md").exists(), 30)


# -- W1-W3: the webhooks commands -----------------------------------------------------------------
def test_removing_a_url_that_matches_nothing_erases_nothing(pair, served):
    assert webhooks(pair, "register", "--public-url", served.url)[0] == 0
    secret = stored(pair, ASANA)
    code, out, _ = webhooks(pair, "remove", "--public-url", "https://old-host.example.com")
    assert code == 0
    assert f"{ASANA}: no webhook calls https://old-host.example.com/hooks/trust/{ASANA}" in out
    assert stored(pair, ASANA) == secret
    asana_id = pair.ids()["Book flights to Lisbon"]
    pair.edit(ASANA, asana_id, title="Book flights to Lisbon, still hooked")
    wait_for(lambda: "Book flights to Lisbon, still hooked" in pair.board_path.read_text(), 30)


def test_register_recreates_a_webhook_whose_secret_was_lost(pair, served):
    assert webhooks(pair, "register", "--public-url", served.url)[0] == 0
    with sqlite3.connect(pair.state_path) as db:  # a state database rebuilt without it
        db.execute("DELETE FROM webhooks")
    code, out, err = webhooks(pair, "register", "--public-url", served.url)
    assert code == 0, out + err
    assert any(
        line.startswith(f"{ASANA}: webhook ") and "replaced (its secret was not stored)" in line
        for line in out
    ), out
    assert len(pair.asana.app.hooks.hooks) == 1
    assert stored(pair, ASANA) is not None
    asana_id = pair.ids()["Book flights to Lisbon"]
    pair.edit(ASANA, asana_id, title="Book flights to Lisbon, hooked again")
    wait_for(lambda: "Book flights to Lisbon, hooked again" in pair.board_path.read_text(), 30)


def test_a_failed_register_keeps_the_working_trello_webhook(pair, served):
    assert webhooks(pair, "register", "--public-url", served.url)[0] == 0
    code, _, err = webhooks(pair, "register", "--public-url", "http://127.0.0.1:9")
    assert code == 1 and any("Trello refused the webhook" in line for line in err)
    item_id = pair.ids()["Renew the passport"]
    pair.edit(TRELLO, item_id, title="Renew the passport, still hooked")
    wait_for(lambda: "Renew the passport, still hooked" in pair.board_path.read_text(), 30)
    assert metric(served, "pairsync_webhook_rejections_total", 'source="trello",status="401"') == 0


def test_register_and_check_refuse_a_trello_target_without_api_secret(pair, served):
    text = pair.config_path.read_text()
    start = text.index("api_secret")
    pair.config_path.write_text(text[:start] + text[text.index("\n", start) + 1 :])
    code, _out, err = webhooks(pair, "register", "--public-url", served.url)
    assert code == 1
    assert (
        f"pairsync: {TRELLO}: no api_secret: pairsync serve could not check Trello's "
        in "\n".join(err)
    )
    assert pair.trello.app.hooks.hooks == {}
    checked = pairsync("check", "--config", str(pair.config_path), cwd=pair.folder)
    assert "no api_secret" in checked.stdout + checked.stderr


def test_no_error_line_reaches_stdout(pair):
    """C5: a failing target's line goes to stderr as the README promises."""
    pair.trello.faults.fail_next = 10_000
    result = pairsync("sync", "--config", str(pair.config_path), cwd=pair.folder)
    assert result.returncode == 1
    assert not [line for line in result.stdout.splitlines() if "FAILED" in line]
    assert any(f"{TRELLO}" in line and "FAILED" in line for line in result.stderr.splitlines())
