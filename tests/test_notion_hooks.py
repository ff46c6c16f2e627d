"""Notion's webhooks as `pairsync serve` checks them: the verification token kept to be
shown (never trusted), and every event verified by `X-Notion-Signature` before its body
is read. The simulator's own deliveries pass the same check."""

from __future__ import annotations

import json
import time

from adapters.hooks import Delivery, StoredHook
from adapters.notion.config import NotionTarget
from adapters.notion.hooks import receive, signature, verification_steps
from adapters.notion.sim.server import NotionSimulator, World
from adapters.simserver import SimServer

SECRET = "secret_verification_token_from_notion"
URL = "https://sync.example.com/hooks/ceo-ea/dana-notion"
EVENT = json.dumps(
    {"id": "5c5b1f1e-event", "type": "page.properties_updated", "entity": {"id": "p1"}}
).encode()


def target(secret: str | None = SECRET) -> NotionTarget:
    keys = {"type": "notion", "name": "dana-notion", "data_source_id": "ds", "token": "ntn_x"}
    return NotionTarget.model_validate(keys | ({"webhook_secret": secret} if secret else {}))


def deliver(body: bytes, headers: dict[str, str], secret: str | None = SECRET, stored=None):
    delivery = Delivery("POST", {k.lower(): v for k, v in headers.items()}, body, URL)
    return receive(delivery, target(secret), stored or StoredHook())


def test_a_correctly_signed_event_is_accepted_with_its_id() -> None:
    verdict = deliver(EVENT, {"X-Notion-Signature": signature(SECRET, EVENT)})
    assert (verdict.status, verdict.events) == (200, ("5c5b1f1e-event",))


def test_a_replayed_event_carries_the_same_id_so_it_syncs_once() -> None:
    headers = {"X-Notion-Signature": signature(SECRET, EVENT)}
    assert deliver(EVENT, headers).events == deliver(EVENT, headers).events


def test_a_bad_or_missing_signature_is_refused_before_the_body_is_read() -> None:
    forged = deliver(b"not even json", {"X-Notion-Signature": signature("secret_other", b"x")})
    assert (forged.status, forged.reason) == (
        401,
        "X-Notion-Signature does not match the webhook_secret",
    )
    tampered = deliver(EVENT + b" ", {"X-Notion-Signature": signature(SECRET, EVENT)})
    assert tampered.status == 401
    missing = deliver(EVENT, {})
    assert (missing.status, missing.reason) == (401, "no X-Notion-Signature")


def test_the_verification_token_is_kept_to_show_and_never_trusted() -> None:
    body = json.dumps({"verification_token": SECRET}).encode()
    first = deliver(body, {}, secret=None)
    assert (first.status, first.new_secret) == (200, SECRET)
    again = deliver(body, {}, secret=None, stored=StoredHook(secret=SECRET))
    assert again.status == 401 and again.new_secret is None, "a second token is not taken"
    # the stored token signs nothing: only the configured webhook_secret does
    event = deliver(
        EVENT,
        {"X-Notion-Signature": signature(SECRET, EVENT)},
        secret=None,
        stored=StoredHook(secret=SECRET),
    )
    assert event.status == 401
    # once the secret is configured, an unsigned request is just unsigned
    assert deliver(body, {}).status == 401


def test_the_token_command_says_the_steps_with_the_token() -> None:
    lines = verification_steps(target(None), StoredHook(secret=SECRET), URL)
    assert lines[0].endswith(f"create a subscription with the URL {URL}")
    assert lines[1] == f"dana-notion: 2. verification token Notion sent: {SECRET}"
    waiting = verification_steps(target(None), StoredHook(), URL)
    assert "no verification token received yet" in waiting[1]


def test_the_simulators_deliveries_pass_the_check(
    notion_sim: NotionSimulator, notion_world: World
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        received.append((headers, body))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    hook_server = SimServer(app).start()
    try:
        sub = notion_sim.subscribe(hook_server.root_url + "/hooks/p/t", notion_world.token)
        deadline = time.time() + 5
        while not received and time.time() < deadline:
            time.sleep(0.05)
        headers, body = received[0]
        first = deliver(body, headers, secret=None)
        assert first.status == 200 and first.new_secret == sub.verification_token
        assert notion_sim.verify(sub.id, first.new_secret)
        page = notion_sim.person.create_page(notion_world.data_source_id, "Hello")
        while len(received) < 2 and time.time() < deadline + 5:
            time.sleep(0.05)
        headers, body = received[1]
        verdict = deliver(body, headers, secret=sub.verification_token)
        assert verdict.status == 200 and json.loads(body)["entity"]["id"] == page.id
    finally:
        hook_server.stop()
