"""The simulated Asana's webhooks: `POST /webhooks` performs the handshake (a POST to the
target with `X-Hook-Secret`, which must come back in a 200 or 204 within
`HANDSHAKE_TIMEOUT` seconds, else 400 as Asana answers), `GET /webhooks` lists them per
workspace and resource, `DELETE /webhooks/{gid}` removes one. The events of the watched
project are POSTed in batches (`{"events": [...]}`) signed in `X-Hook-Signature` (hex
HMAC-SHA256 of the body, keyed with the handshake secret); an empty batch, the
heartbeat, goes out after `heartbeat_seconds` of simulated time without a delivery.

Limitations: no filters; loopback targets are allowed (Asana refuses localhost); a
webhook that keeps failing is never deleted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request, Response

from adapters.asana.sim.entities import Json
from adapters.asana.sim.errors import AsanaError, invalid, unknown_object
from adapters.asana.sim.models import AsanaBackend
from adapters.simhooks import Deliverer, Outgoing
from adapters.simkit import iso, json_response

HANDSHAKE_TIMEOUT = 10.0
HEARTBEAT_SECONDS = 8 * 3600.0
"""Asana sends a heartbeat to an idle webhook every 8 hours."""


@dataclass
class Webhook:
    gid: str
    resource: str
    target: str
    secret: str
    created_at: float
    cursor: int
    """How many of the backend's events were already looked at."""
    last_sent: float

    def to_json(self, backend: AsanaBackend) -> Json:
        project = backend.projects[self.resource]
        return {
            "gid": self.gid,
            "resource_type": "webhook",
            "active": True,
            "resource": {"gid": project.gid, "resource_type": "project", "name": project.name},
            "target": self.target,
            "created_at": iso(self.created_at),
            "filters": [],
        }


class AsanaWebhooks:
    def __init__(self, backend: AsanaBackend, lock: threading.RLock) -> None:
        self.backend = backend
        self.lock = lock
        self.hooks: dict[str, Webhook] = {}
        self.heartbeat_seconds = HEARTBEAT_SECONDS
        self.deliverer = Deliverer(self._due)

    def create(self, data: Json) -> Webhook:
        resource, target = str(data.get("resource") or ""), str(data.get("target") or "")
        if resource not in self.backend.projects:
            raise unknown_object("resource", resource)
        if not target.startswith(("http://", "https://")):
            raise invalid("target: Not a valid URL")
        secret = secrets.token_hex(32)
        answer = self.deliverer.check(
            "POST", target, {"X-Hook-Secret": secret}, timeout=HANDSHAKE_TIMEOUT
        )
        if (
            answer is None
            or answer.status_code not in (200, 204)
            or answer.headers.get("X-Hook-Secret") != secret
        ):
            raise invalid("The remote server did not respond with the handshake secret.")
        now = self.backend.now()
        hook = Webhook(
            self.backend._gid(), resource, target, secret, now, len(self.backend.events), now
        )
        self.hooks[hook.gid] = hook
        return hook

    def _due(self) -> list[Outgoing]:
        out = []
        with self.lock:
            now = self.backend.now()
            for hook in list(self.hooks.values()):
                events = [
                    e.body for e in self.backend.events[hook.cursor :] if hook.resource in e.scopes
                ]
                hook.cursor = len(self.backend.events)
                if not events and now - hook.last_sent < self.heartbeat_seconds:
                    continue
                hook.last_sent = now
                body = json.dumps({"events": events}).encode()
                signature = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
                headers = {"Content-Type": "application/json", "X-Hook-Signature": signature}
                out.append(Outgoing(hook.target, headers, body))
        return out


class WebhookEndpoints:
    """`AsanaApp`'s webhook routes (a mixin, so that responses.py stays one size)."""

    backend: AsanaBackend
    hooks: AsanaWebhooks

    def error_response(self, status: int, message: str) -> Response:
        raise NotImplementedError

    def _one(self, request: Request, record: Json, status: int = 200) -> Response:
        raise NotImplementedError

    def _page(self, request: Request, records: list[Json]) -> Response:
        raise NotImplementedError

    def webhooks(self, request: Request) -> Response:
        try:
            if request.method == "POST":
                body: Any = request.get_json(silent=True)
                data = body.get("data") if isinstance(body, dict) else None
                if not isinstance(data, dict):
                    raise invalid("data: Missing input")
                hook = self.hooks.create(data)
                return self._one(request, hook.to_json(self.backend), 201)
            workspace = request.args.get("workspace", "")
            if workspace not in self.backend.workspaces:
                raise unknown_object("workspace", workspace)
            resource = request.args.get("resource")
            chosen = [
                h.to_json(self.backend)
                for h in self.hooks.hooks.values()
                if resource in (None, h.resource)
            ]
            return self._page(request, chosen)
        except AsanaError as exc:
            return self.error_response(exc.status, exc.message)

    def webhook(self, request: Request, webhook_gid: str) -> Response:
        if self.hooks.hooks.pop(webhook_gid, None) is None:
            return self.error_response(404, f"webhook: Unknown object: {webhook_gid}")
        return json_response({"data": {}})
