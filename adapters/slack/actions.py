"""`POST /slack/actions`: the buttons on pairsync's Slack messages (keep / park / kill a
stale item, decided / discuss a decision), verified with the pair's Slack signing secret
through slack_sdk's `SignatureVerifier` (v0 HMAC-SHA256 over `v0:timestamp:body`).

A click names its pair and item in the button's value (`"<pair>:<item id>"`, agreed with
the channel module that posts the buttons); the pair's `[[channels]]` Slack entry holds
the `signing_secret`. A request whose timestamp is more than 5 minutes off is refused
(a replay). Slack wants an answer within 3 seconds, so the click is acknowledged at once
and applied afterwards under the pair's lock, then the pair syncs (debounced).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs

from slack_sdk.signature import Clock, SignatureVerifier
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from sync.channels.config import SlackChannelConfig
from sync.config import PairConfig
from sync.delivery.buttons import ButtonRefused, press
from sync.errors import PairsyncError
from sync.run.lock import pair_lock
from sync.store.state import State

log = logging.getLogger("pairsync.serve")

MAX_SKEW_SECONDS = 5 * 60


@dataclass(frozen=True, slots=True)
class Click:
    pair: str
    item_id: str
    action: str
    user: str


def parse_click(body: bytes) -> Click | None:
    """The first action of a `block_actions` payload (form field `payload`), or None."""
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        action = payload["actions"][0]
        pair, _, item_id = str(action["value"]).partition(":")
        user = str((payload.get("user") or {}).get("username") or "someone")
        if payload.get("type") != "block_actions" or not item_id:
            return None
        return Click(pair, item_id, str(action["action_id"]), user)
    except (KeyError, IndexError, TypeError, ValueError, UnicodeDecodeError):
        return None


def signing_secrets(config: PairConfig) -> list[str]:
    """The `signing_secret` of each Slack entry in the pair's `[[channels]]`."""
    return [
        channel.signing_secret.get_secret_value()
        for channel in config.channels
        if isinstance(channel, SlackChannelConfig) and channel.signing_secret is not None
    ]


class _At(Clock):
    """slack_sdk's clock, at the time `verify` was given."""

    def __init__(self, at: float) -> None:
        self.at = at

    def now(self) -> float:
        return self.at


def verify(
    secrets: list[str], body: bytes, headers: dict[str, str], now: float | None = None
) -> str | None:
    """Why the request is refused, or None when one of `secrets` signed it."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp or not signature:
        return "no X-Slack-Signature / X-Slack-Request-Timestamp"
    if not timestamp.isdigit():
        return "X-Slack-Request-Timestamp is not a Unix time"
    at = time.time() if now is None else now
    if abs(at - int(timestamp)) > MAX_SKEW_SECONDS:
        return "timestamp more than 5 minutes off (a replayed request?)"
    if not secrets:
        return "the pair has no Slack channel with a signing_secret"
    clock = _At(at)
    if not any(SignatureVerifier(s, clock).is_valid(body, timestamp, signature) for s in secrets):
        return "X-Slack-Signature does not match the signing secret"
    return None


def apply_click(config: PairConfig, click: Click, then: Callable[[str], None]) -> None:
    """Apply a verified click under the pair's lock (a sync may be running), then `then`."""
    try:
        with pair_lock(config.state_path):
            state = State.open(config.state_path)
            try:
                done = press(state, click.action, click.item_id, datetime.now(UTC))
            finally:
                state.close()
    except ButtonRefused as exc:
        log.warning(
            "slack %s: button %s by %s refused: %s", click.pair, click.action, click.user, exc
        )
        return
    except PairsyncError as exc:
        log.warning(
            "slack %s: button %s by %s not applied: %s", click.pair, click.action, click.user, exc
        )
        return
    log.info("slack %s: %s (by %s)", click.pair, done, click.user)
    then(click.pair)


async def actions(
    request: Request,
    body: bytes,
    config_of: Callable[[str], PairConfig | None],
    refuse: Callable[[int, str, str], Response],
    then: Callable[[str], None],
) -> Response:
    click = parse_click(body)
    if click is None:
        return refuse(400, "actions", "not a block_actions payload with a pairsync button")
    config = config_of(click.pair)
    if config is None:
        return refuse(404, click.pair, "no such pair")
    headers = {k.lower(): v for k, v in request.headers.items()}
    reason = verify(signing_secrets(config), body, headers)
    if reason is not None:
        return refuse(401, click.pair, reason)
    return PlainTextResponse("", background=BackgroundTask(apply_click, config, click, then))
