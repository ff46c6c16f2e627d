"""The simulated Notion's webhooks, as an integration's settings page makes them.

A person creates a subscription with a URL (`subscribe`); Notion at once POSTs
`{"verification_token": "secret_…"}` there, unsigned. The person pastes that token back
into the settings (`verify`); from then on the events of the data sources the integration
can see are POSTed, one event per request, signed in `X-Notion-Signature` as `sha256=` and
the hex HMAC-SHA256 of the raw body keyed with the verification token. Events are signals:
ids and a type, no values; `page.content_updated` events of one page within
`AGGREGATE_SECONDS` are folded into one, as Notion aggregates them.

Limitations: no event filter per subscription; a loopback URL is allowed (Notion needs
a public HTTPS one); deliveries that keep failing are counted, the subscription is not
paused.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field

from adapters.notion.sim.entities import Json
from adapters.notion.sim.models import Event, NotionBackend
from adapters.simhooks import Deliverer, Outgoing
from adapters.simkit import iso

AGGREGATE_SECONDS = 1.0


@dataclass
class Subscription:
    id: str
    url: str
    integration: str
    verification_token: str
    verified: bool = False
    cursor: int = 0
    """How many of the backend's events were already looked at."""
    pending: list[Json] = field(default_factory=list)
    """The unsigned verification request, until sent."""


def signature(token: str, body: bytes) -> str:
    return "sha256=" + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


class NotionWebhooks:
    def __init__(self, backend: NotionBackend, lock: threading.RLock) -> None:
        self.backend = backend
        self.lock = lock
        self.subscriptions: dict[str, Subscription] = {}
        self.deliverer = Deliverer(self._due)

    def subscribe(self, url: str, token: str) -> Subscription:
        """Create a subscription for the integration of `token` (its settings page)."""
        with self.lock:
            sub = Subscription(
                str(uuid.uuid4()),
                url,
                self.backend.tokens[token],
                "secret_" + secrets.token_urlsafe(32),
                cursor=len(self.backend.events),
            )
            sub.pending.append({"verification_token": sub.verification_token})
            self.subscriptions[sub.id] = sub
        return sub

    def verify(self, subscription_id: str, pasted: str) -> bool:
        """The person pastes the token into the settings page: events flow if it matches."""
        with self.lock:
            sub = self.subscriptions[subscription_id]
            sub.verified = hmac.compare_digest(pasted, sub.verification_token)
            sub.cursor = len(self.backend.events)
            return sub.verified

    def _due(self) -> list[Outgoing]:
        out: list[Outgoing] = []
        with self.lock:
            now = self.backend.now()
            for sub in self.subscriptions.values():
                for pending in sub.pending:
                    body = json.dumps(pending).encode()
                    out.append(Outgoing(sub.url, {"Content-Type": "application/json"}, body))
                sub.pending.clear()
                if not sub.verified:
                    continue
                waiting = self.backend.events[sub.cursor :]
                ripe = list(itertools.takewhile(lambda e: now - e.at >= AGGREGATE_SECONDS, waiting))
                sub.cursor += len(ripe)
                for event in _aggregated(ripe):
                    if (
                        sub.integration
                        not in self.backend.sources[event.data_source_id].shared_with
                    ):
                        continue
                    body = json.dumps(_event_json(sub, event)).encode()
                    headers = {
                        "Content-Type": "application/json",
                        "X-Notion-Signature": signature(sub.verification_token, body),
                    }
                    out.append(Outgoing(sub.url, headers, body))
        return out


def _aggregated(events: list[Event]) -> list[Event]:
    """One `page.content_updated` per page among events close in time (its latest)."""
    kept: list[Event] = []
    for event in events:
        if event.type == "page.content_updated" and kept:
            same = [
                k
                for k in kept
                if k.type == event.type
                and k.entity == event.entity
                and event.at - k.at < AGGREGATE_SECONDS
            ]
            for old in same:
                kept.remove(old)
        kept.append(event)
    return kept


def _event_json(sub: Subscription, event: Event) -> Json:
    return {
        "id": str(uuid.uuid4()),
        "timestamp": iso(event.at),
        "workspace_id": "00000000-0000-4000-8000-00000000000a",
        "workspace_name": "Sim Workspace",
        "subscription_id": sub.id,
        "integration_id": sub.integration,
        "type": event.type,
        "authors": [{"id": event.author, "type": "person"}],
        "attempt_number": 1,
        "entity": {"id": event.entity, "type": "page"},
        "data": {"parent": {"id": event.data_source_id, "type": "data_source"}},
    }
