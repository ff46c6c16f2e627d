"""Slack button requests: the v0 signature (good, bad, missing, replayed) and the
payload's button, as Slack sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlencode

from adapters.slack.actions import Click, parse_click, verify

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_700_000_000


def slack_body(action_id: str = "stale_keep", value: str = "ceo-ea:0123456789abcdef") -> bytes:
    payload = {
        "type": "block_actions",
        "user": {"id": "U1", "username": "dana"},
        "actions": [{"action_id": action_id, "value": value, "type": "button"}],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def signed(body: bytes, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"x-slack-request-timestamp": str(timestamp), "x-slack-signature": f"v0={digest}"}


def test_a_signed_request_is_accepted():
    body = slack_body()
    assert verify([SECRET], body, signed(body, NOW), now=NOW + 10) is None
    assert verify(["another", SECRET], body, signed(body, NOW), now=NOW) is None


def test_bad_missing_and_replayed_signatures_are_refused():
    body = slack_body()
    assert verify([SECRET], body, signed(body, NOW, "wrong"), now=NOW) == (
        "X-Slack-Signature does not match the signing secret"
    )
    tampered = slack_body("stale_kill")
    assert verify([SECRET], tampered, signed(body, NOW), now=NOW) is not None
    assert verify([SECRET], body, {}, now=NOW) == (
        "no X-Slack-Signature / X-Slack-Request-Timestamp"
    )
    assert verify([SECRET], body, signed(body, NOW), now=NOW + 301) == (
        "timestamp more than 5 minutes off (a replayed request?)"
    )
    assert verify([], body, signed(body, NOW), now=NOW) == (
        "the pair has no Slack channel with a signing_secret"
    )


def test_the_button_names_its_pair_and_item():
    assert parse_click(slack_body("decision_discuss")) == Click(
        "ceo-ea", "0123456789abcdef", "decision_discuss", "dana"
    )
    assert parse_click(b"payload=%7B%7D") is None
    assert parse_click(slack_body(value="no-item")) is None
    assert parse_click(b"\xff") is None
