"""Asana webhooks: the handshake, the signature check and registration.

Creating a webhook is a two-part exchange: while `POST /webhooks` is in flight, Asana
POSTs to the target with an `X-Hook-Secret` header and waits for it to be echoed; only
then does the creation succeed. Every later delivery carries `X-Hook-Signature`, the hex
HMAC-SHA256 of the raw body keyed with that secret. Deliveries batch events
(`{"events": [...]}`); an empty batch is a heartbeat.

A handshake is accepted only on the URL of the registration waiting for it: `pairsync
webhooks register` ends the URL with a random key that only Asana is told, and keeps
the secret only once Asana has made the webhook, so that nobody else can choose it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import asana

from adapters.asana.config import AsanaTarget
from adapters.asana.http import HttpError, PolicyApiClient, pacer_for
from adapters.hooks import Delivery, RemoteHook, StoredHook, Verdict
from sync.contract import TargetBase
from sync.errors import TargetRejected


def signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def receive(delivery: Delivery, target: TargetBase, hook: StoredHook) -> Verdict:
    offered = delivery.headers.get("x-hook-secret")
    if offered is not None:
        if not hook.handshake_expected(delivery):
            return Verdict(401, reason="a handshake nobody asked for (no registration waiting)")
        return Verdict(200, headers={"X-Hook-Secret": offered}, new_secret=offered)
    given = delivery.headers.get("x-hook-signature")
    if not given:
        return Verdict(401, reason="no X-Hook-Signature")
    if hook.secret is None:
        return Verdict(
            401,
            reason="no handshake secret stored: run pairsync webhooks register again "
            "(it replaces a webhook whose secret is lost)",
        )
    if not hmac.compare_digest(given.encode(), signature(hook.secret, delivery.body).encode()):
        return Verdict(401, reason="X-Hook-Signature does not match the handshake secret")
    try:
        events = json.loads(delivery.body).get("events") or []
        if not isinstance(events, list):
            raise ValueError(events)
    except (ValueError, AttributeError, RecursionError):
        return Verdict(400, reason="the body is not an Asana webhook payload")
    keys = tuple(
        hashlib.sha256(json.dumps(e, sort_keys=True).encode()).hexdigest()[:32] for e in events
    )
    return Verdict(200, events=keys)


class Registrar:
    """The project's webhooks, through the asana SDK with the adapter's request policy."""

    handshake = True

    def __init__(self, target: TargetBase) -> None:
        assert isinstance(target, AsanaTarget)
        self.target = target
        self.client = PolicyApiClient(
            target.name,
            target.base_url,
            target.token.get_secret_value(),
            lambda: None,
            pacer_for(target),
            timeout=target.timeout_seconds,
            max_wait=target.retry_seconds,
        )
        self.api = asana.WebhooksApi(self.client)
        self._workspace: str | None = None

    def _workspace_gid(self) -> str:
        if self._workspace is None:
            try:
                project = asana.ProjectsApi(self.client).get_project(
                    self.target.project_gid, {"opt_fields": "workspace"}
                )
            except HttpError as exc:
                raise TargetRejected(
                    self.target.name, f"project {self.target.project_gid}: {exc}"
                ) from None
            self._workspace = str(project["workspace"]["gid"])
        return self._workspace

    def hooks(self) -> list[RemoteHook]:
        found: Any = self.api.get_webhooks(
            self._workspace_gid(),
            {"resource": self.target.project_gid, "opt_fields": "target,active"},
        )
        return [RemoteHook(h["gid"], h["target"], bool(h.get("active", True))) for h in found]

    def create(self, callback_url: str) -> RemoteHook:
        body = {"data": {"resource": self.target.project_gid, "target": callback_url}}
        try:
            made = self.api.create_webhook(body, {"opt_fields": "target,active"})
        except HttpError as exc:
            raise TargetRejected(
                self.target.name,
                f"Asana refused the webhook: {exc}; is pairsync serve running and "
                f"reachable at {callback_url}?",
            ) from None
        return RemoteHook(made["gid"], made["target"], bool(made.get("active", True)))

    def remove(self, hook: RemoteHook) -> None:
        try:
            self.api.delete_webhook(hook.hook_id)
        except HttpError as exc:
            raise TargetRejected(
                self.target.name, f"cannot remove webhook {hook.hook_id}: {exc}"
            ) from None

    def close(self) -> None:
        """Nothing to release: connections belong to the process (`adapters.connections`)."""
