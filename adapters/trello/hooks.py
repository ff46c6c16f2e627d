"""Trello webhooks: the signature check and registration.

Trello checks a new webhook's callback URL with a HEAD request (it must answer 200), then
POSTs every action on the board with `X-Trello-Webhook`: the base64 HMAC-SHA1, keyed with
the app's secret, of the raw body followed by the callback URL exactly as registered.
The body is only a hint: the sync reads the board itself, so a forged body could at
most cause a sync; the signature keeps even that out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from adapters.hooks import Delivery, RemoteHook, StoredHook, Verdict
from adapters.retry import ChangeFailed
from adapters.trello.adapter import TrelloAdapter
from adapters.trello.config import TrelloTarget
from sync.contract import TargetBase
from sync.errors import TargetRejected

NO_API_SECRET = (
    "no api_secret: pairsync serve could not check Trello's webhook signatures, so every "
    "delivery would be refused; set api_secret (the secret of your Trello Power-Up / API "
    "key) on the target"
)


def signature(secret: str, body: bytes, callback_url: str) -> str:
    digest = hmac.new(secret.encode(), body + callback_url.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def receive(delivery: Delivery, target: TargetBase, hook: StoredHook) -> Verdict:
    assert isinstance(target, TrelloTarget)
    if delivery.method == "HEAD":
        return Verdict(200)  # Trello's check when the webhook is created
    given = delivery.headers.get("x-trello-webhook")
    if not given:
        return Verdict(401, reason="no X-Trello-Webhook signature")
    if target.api_secret is None:
        return Verdict(401, reason="api_secret is not set on the target: cannot check")
    secret = target.api_secret.get_secret_value()
    expected = (signature(secret, delivery.body, url) for url in delivery.callback_urls)
    if not any(hmac.compare_digest(given.encode(), e.encode()) for e in expected):
        return Verdict(
            401,
            reason="X-Trello-Webhook signature does not match "
            "(api_secret, or the callback URL as registered)",
        )
    try:
        action = json.loads(delivery.body).get("action") or {}
        if not isinstance(action, dict):
            raise ValueError(action)
    except (ValueError, AttributeError, RecursionError):
        return Verdict(400, reason="the body is not a Trello webhook payload")
    return Verdict(
        200, events=(str(action.get("id") or delivery.body.hex()[:64]),) if action else ()
    )


class Registrar:
    """The board's webhooks, through the adapter's py-trello client (same auth, retries
    and base URL as a sync)."""

    handshake = False

    def __init__(self, target: TargetBase) -> None:
        assert isinstance(target, TrelloTarget)
        self.target = target
        self.adapter = TrelloAdapter(target)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.adapter._call(method, path, body=body)

    def hooks(self) -> list[RemoteHook]:
        token = self.target.token.get_secret_value()
        try:
            found = self._call("GET", f"/tokens/{token}/webhooks")
        except ChangeFailed:
            raise TargetRejected(self.target.name, "cannot list the token's webhooks") from None
        return [
            RemoteHook(h["id"], h["callbackURL"], bool(h.get("active", True)))
            for h in found
            if h.get("idModel") == self.target.board_id
        ]

    def create(self, callback_url: str) -> RemoteHook:
        if self.target.api_secret is None:
            raise TargetRejected(self.target.name, NO_API_SECRET)
        body = {
            "callbackURL": callback_url,
            "idModel": self.target.board_id,
            "description": f"pairsync {self.target.name}",
        }
        try:
            made = self._call("POST", "/webhooks", body)
        except ChangeFailed:
            raise TargetRejected(
                self.target.name,
                f"Trello refused the webhook: its HEAD check of {callback_url} did not get "
                "200 (is pairsync serve running and reachable at that URL?)",
            ) from None
        return RemoteHook(made["id"], made["callbackURL"], bool(made.get("active", True)))

    def remove(self, hook: RemoteHook) -> None:
        try:
            self._call("DELETE", f"/webhooks/{hook.hook_id}")
        except ChangeFailed:
            raise TargetRejected(
                self.target.name, f"cannot remove webhook {hook.hook_id}"
            ) from None

    def close(self) -> None:
        self.adapter.close()
