"""A simulated Teams Workflows webhook ("post to a channel when a webhook request is
received") on loopback: it takes the message envelope with an Adaptive Card, answers 202
Accepted as the workflow trigger does, refuses a malformed envelope or card with 400,
an unknown webhook path with 404, and records every card it accepted.

    sim = TeamsWebhookSimulator().start()     # sim.webhook_url: the URL to configure
    sim.cards                                 # the cards received, oldest first

Limitations (deliberate): the card is checked for the envelope, `type`, `version` 1.5
or lower, a `body` of known element types and TextBlocks with text, and Teams' 28 KB
size limit, not against the whole Adaptive Card schema. No rate limit.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from adapters.simserver import Served, SimServer

MAX_BYTES = 28 * 1024
ELEMENTS = {"TextBlock", "ColumnSet", "Container", "FactSet", "Image", "ActionSet", "RichTextBlock"}


class TeamsWebhookApp:
    def __init__(self) -> None:
        self.path = "/workflows/" + secrets.token_hex(16) + "/triggers/manual/paths/invoke"
        self.cards: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.fail_next = 0
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        return self.answer(Request(environ))(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.method != "POST" or request.path != self.path:
            return _error(404, "WorkflowTriggerNotFound")
        with self._lock:
            if self.fail_next:
                self.fail_next -= 1
                return _error(503, "ServiceUnavailable")
        body = request.get_data()
        problem = _problem(body)
        if problem:
            with self._lock:
                self.rejected.append(problem)
            return _error(400, problem)
        with self._lock:
            self.cards.append(json.loads(body)["attachments"][0]["content"])
        return Response(status=202)


def _problem(body: bytes) -> str | None:
    """Why Teams would refuse this body, or None."""
    if len(body) > MAX_BYTES:
        return "MessageTooLarge"
    try:
        envelope = json.loads(body)
    except ValueError:
        return "InvalidJson"
    if not isinstance(envelope, dict) or envelope.get("type") != "message":
        return "envelope: type must be 'message'"
    attachments = envelope.get("attachments")
    if not isinstance(attachments, list) or len(attachments) != 1:
        return "envelope: exactly one attachment expected"
    attachment = attachments[0]
    if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
        return "attachment: contentType must be application/vnd.microsoft.card.adaptive"
    card = attachment.get("content")
    if not isinstance(card, dict) or card.get("type") != "AdaptiveCard":
        return "card: type must be AdaptiveCard"
    version = str(card.get("version", ""))
    if version not in ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5"):
        return f"card: unsupported version {version!r}"
    elements = card.get("body")
    if not isinstance(elements, list) or not elements:
        return "card: body must be a non-empty list"
    for element in elements:
        if not isinstance(element, dict) or element.get("type") not in ELEMENTS:
            return f"card: unknown element {element!r:.60}"
        if element["type"] == "TextBlock" and not str(element.get("text") or "").strip():
            return "card: a TextBlock without text"
    return None


def _error(status: int, code: str) -> Response:
    body = {"error": {"code": code, "message": code}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


class TeamsWebhookSimulator(Served):
    """The webhook on loopback (not a `simkit.Simulator`: no spec, rate limit or faults)."""

    def __init__(self, port: int = 0) -> None:
        self.app = TeamsWebhookApp()
        self.server = SimServer(self.app, port=port)

    @property
    def webhook_url(self) -> str:
        return self.server.root_url + self.app.path

    @property
    def base_url(self) -> str:
        return self.server.root_url

    def config_keys(self) -> dict[str, str]:
        """The `[[channels]]` key of this webhook (`pairsync simulate`)."""
        return {"webhook_url": self.webhook_url}

    @property
    def cards(self) -> list[dict[str, Any]]:
        return list(self.app.cards)
