"""Microsoft Teams through a Workflows webhook ("post to a channel when a webhook request
is received"): an Adaptive Card 1.5 in the message envelope the workflow takes, posted
with requests. The webhook is write-only: no update in place and no history to look in,
so a changed agenda goes out as a follow-up only when its substance changed, and the
card carries no buttons (they are Slack's, handled by `pairsync serve`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import requests

from adapters.retry import GaveUp, Retriable, with_retries
from sync.channels.base import Channel, ChannelError, Message
from sync.channels.config import TeamsChannelConfig

MAX_BYTES = 28_000
"""Teams refuses messages above about 28 KB."""


class TeamsChannel(Channel):
    type_name = "teams"
    updates_in_place = False
    looks_back = False
    config: TeamsChannelConfig

    def __init__(self, config: TeamsChannelConfig, pair: str) -> None:
        super().__init__(config, pair)
        self.session = requests.Session()

    def post(self, message: Message) -> str:
        body = envelope(message)
        try:
            with_retries(lambda: self._send(body), max_seconds=60)
        except GaveUp as exc:
            raise ChannelError(self.name, f"Teams kept refusing the card: {exc}") from None
        return message.marker(self.pair)

    def close(self) -> None:
        self.session.close()

    def _send(self, body: dict[str, Any]) -> None:
        self.requests += 1
        try:
            response = self.session.post(
                self.config.webhook_url.get_secret_value(), json=body, timeout=30
            )
        except requests.ConnectionError as exc:
            sent = not isinstance(exc, requests.exceptions.ConnectTimeout)
            raise ChannelError(self.name, "cannot reach the Teams webhook", sent) from None
        except requests.Timeout:
            raise ChannelError(self.name, "the Teams webhook did not answer", True) from None
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = response.headers.get("Retry-After")
            raise Retriable(f"HTTP {status}", float(retry_after) if retry_after else None)
        if status in (401, 403, 404):
            raise ChannelError(
                self.name, f"the webhook URL was refused (HTTP {status}); check webhook_url"
            )
        if status >= 400:
            raise ChannelError(self.name, f"Teams refused the card (HTTP {status})")


def envelope(message: Message) -> dict[str, Any]:
    """The Workflows webhook body: one Adaptive Card attachment."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": adaptive_card(message),
            }
        ],
    }


def adaptive_card(message: Message) -> dict[str, Any]:
    """An Adaptive Card 1.5: a title, the note, then each section's entries as a list;
    entries that would take the card over Teams' size limit are counted, not shown."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        },
    ]
    if message.note:
        body.append({"type": "TextBlock", "text": message.note, "isSubtle": True, "wrap": True})
    for section in message.sections:
        lines = [f"- {entry.line()}" for entry in section.entries] or ["- nothing"]
        body.append(
            {
                "type": "TextBlock",
                "text": section.title,
                "weight": "Bolder",
                "wrap": True,
                "spacing": "Medium",
            }
        )
        body.append({"type": "TextBlock", "text": "\n".join(lines), "wrap": True})
    if message.chart is not None:  # the compact PNG, inline: a webhook takes no file
        picture = base64.b64encode(message.chart.compact_png).decode("ascii")
        body.append(
            {
                "type": "Image",
                "url": f"data:image/png;base64,{picture}",
                "altText": message.chart.alt,
                "size": "Stretch",
            }
        )
    card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    hidden = 0
    while len(json.dumps(card)) > MAX_BYTES and any("\n" in b.get("text", "") for b in body):
        longest = max(body, key=lambda b: len(b.get("text", "")))
        kept = longest["text"].split("\n")
        kept.pop()
        hidden += 1
        longest["text"] = "\n".join(kept)
    if hidden:
        body.append(
            {
                "type": "TextBlock",
                "text": f"… and {hidden} more (see pairsync agenda)",
                "isSubtle": True,
                "wrap": True,
            }
        )
    return card
