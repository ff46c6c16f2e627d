"""Notion webhooks: the verification token, the signature check, and why nothing registers.

Notion's API cannot create webhook subscriptions: the user makes one in the integration's
settings with the URL `…/hooks/<pair>/<target>`. Notion then POSTs, once and unsigned,
`{"verification_token": "secret_…"}`. The user needs that token twice: pasted back into
Notion's settings to verify the subscription, and as the target's `webhook_secret`, with
which Notion signs every event: `X-Notion-Signature: sha256=<hex HMAC-SHA256 of the raw
body>`. `pairsync webhooks token` shows the token from the state (never a log line).

Who may set what: the secret events are checked with is only ever the config's
`webhook_secret`, which the user sets after Notion itself accepted the pasted token (a
token someone else posted fails Notion's verification). The unsigned verification request
is accepted only while no `webhook_secret` is configured and none was received; its token
is kept to be shown, never trusted. Every other request is checked against the signature
before its body is read. Events are signals (ids, no values): each starts a debounced sync
of the pair, and its id makes a replayed delivery a no-op.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from adapters.hooks import Delivery, RemoteHook, StoredHook, Verdict
from adapters.notion.config import NotionTarget
from sync.contract import TargetBase

SETTINGS = "Settings → Connections → Develop or manage integrations → the integration → Webhooks"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def receive(delivery: Delivery, target: TargetBase, hook: StoredHook) -> Verdict:
    assert isinstance(target, NotionTarget)
    given = delivery.headers.get("x-notion-signature")
    secret = target.webhook_secret.get_secret_value() if target.webhook_secret else None
    if given is None and secret is None:
        return _verification(delivery.body, hook)
    if secret is None:
        return Verdict(401, reason="a signed event, but no webhook_secret is set for this target")
    if given is None:
        return Verdict(401, reason="no X-Notion-Signature")
    if not hmac.compare_digest(given.encode(), signature(secret, delivery.body).encode()):
        return Verdict(401, reason="X-Notion-Signature does not match the webhook_secret")
    try:
        event = json.loads(delivery.body)
        event_id = str(event["id"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return Verdict(400, reason="the body is not a Notion event")
    return Verdict(200, events=(event_id,))


def _verification(body: bytes, hook: StoredHook) -> Verdict:
    """The one unsigned request: Notion's verification token, kept to be shown."""
    if hook.secret is not None:
        return Verdict(
            401,
            reason="a verification token was received already (pairsync webhooks token shows "
            "it; pairsync webhooks remove forgets it)",
        )
    try:
        token = json.loads(body)["verification_token"]
    except (ValueError, KeyError, TypeError, RecursionError):
        return Verdict(401, reason="no X-Notion-Signature")
    if not isinstance(token, str) or not token.startswith("secret_") or len(token) > 200:
        return Verdict(400, reason="not a Notion verification token")
    return Verdict(200, new_secret=token)


def verification_steps(target: TargetBase, hook: StoredHook, url: str) -> list[str]:
    """What `pairsync webhooks token` says for one Notion target: the steps, with the
    token Notion sent (from the state) when it came."""
    assert isinstance(target, NotionTarget)
    name = target.name
    lines = [f"{name}: 1. in Notion, {SETTINGS}: create a subscription with the URL {url}"]
    if target.webhook_secret is not None:
        return [f"{name}: webhook_secret is set: Notion's signed events are checked with it"]
    if hook.secret is None:
        lines.append(
            f"{name}: 2. no verification token received yet: pairsync serve must be running "
            "and reachable at that URL when the subscription is made (or press Resend token)"
        )
        return lines
    lines += [
        f"{name}: 2. verification token Notion sent: {hook.secret}",
        f"{name}: 3. paste it into Notion (Verify); once Notion accepts it, set "
        f'webhook_secret = "<the token>" in the [[targets]] table "{name}" and restart serve',
    ]
    return lines


class Registrar:
    """Notion's API has no webhook endpoints: subscriptions are made and removed in the
    integration's settings, so there is nothing to list or create here."""

    handshake = False

    def __init__(self, target: TargetBase) -> None:
        self.target = target

    def hooks(self) -> list[RemoteHook]:
        return []

    def create(self, callback_url: str) -> RemoteHook:
        return RemoteHook(f"(to be made in Notion's {SETTINGS})", callback_url, active=False)

    def remove(self, hook: RemoteHook) -> None:
        """Nothing to remove through the API."""

    def close(self) -> None:
        """Holds no connection."""
