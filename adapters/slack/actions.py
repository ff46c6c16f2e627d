"""`POST /slack/actions`: the buttons on pairsync's Slack messages (keep / park / kill a
stale item, decided / discuss a decision), verified with the pair's Slack signing secret
through slack_sdk's `SignatureVerifier` (v0 HMAC-SHA256 over `v0:timestamp:body`).

A click names its pair and item in the button's value (`"<pair>:<item id>"`, agreed with
the channel module that posts the buttons); the pair's `[[channels]]` Slack entry holds
the `signing_secret`. A request whose timestamp is more than 5 minutes off is refused
(a replay). Slack wants an answer within 3 seconds, so a click is checked (signature,
button, item) and acknowledged at once, then applied by serve's worker under the pair's
lock as soon as no run of the pair holds it (however long a sync takes), then the pair
syncs (debounced).
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
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from sync.channels.config import SlackChannelConfig
from sync.config import PairConfig
from sync.delivery.buttons import ButtonRefused, check_click, press
from sync.errors import PairsyncError
from sync.store.where import has_state, open_state, run_lock

log = logging.getLogger("pairsync.serve")

MAX_SKEW_SECONDS = 5 * 60


@dataclass(frozen=True, slots=True)
class Click:
    pair: str
    item_id: str
    action: str
    user: str


def parse_click(body: bytes) -> Click | None:
    """The first action of a `block_actions` payload (form field `payload`), or None for
    anything else, however malformed (deep nesting included)."""
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
        action = payload["actions"][0]
        pair, _, item_id = str(action["value"]).partition(":")
        user = str((payload.get("user") or {}).get("username") or "someone")
        if payload.get("type") != "block_actions" or not item_id:
            return None
        return Click(pair, item_id, str(action["action_id"]), user)
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, RecursionError):
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


def check(config: PairConfig, click: Click) -> str | None:
    """Why a verified click cannot be applied (an unknown button or item), or None."""
    if not has_state(config):
        return "the pair has not synced yet"
    try:
        state = open_state(config, reading=True)
        try:
            check_click(state, click.action, click.item_id)
        finally:
            state.close()
    except PairsyncError as exc:  # ButtonRefused, or a state that cannot be read
        return str(exc).splitlines()[0]
    return None


def apply_click(config: PairConfig, click: Click) -> None:
    """Apply a verified click under the pair's lock, waiting for it no longer than a
    moment: `LockHeld` tells the caller (serve's worker) to try again once it frees."""
    with run_lock(config, wait_seconds=0.5):
        state = open_state(config)
        try:
            now = datetime.now(UTC)
            done = press(state, click.action, click.item_id, now, click.user, config)
        except ButtonRefused as exc:  # the item went away since the click was checked
            log.warning(
                "slack %s: button %s by %s refused: %s", click.pair, click.action, click.user, exc
            )
            return
        finally:
            state.close()
    log.info("slack %s: %s (by %s)", click.pair, done, click.user)


@dataclass(frozen=True, slots=True)
class PendingClick:
    """A verified click waiting to be applied: called by serve's own worker, or its parts
    sent as a job to `pairsync worker` (`sync.jobs.queue`) when syncs are queued."""

    config: PairConfig
    click: Click

    def __call__(self) -> None:
        apply_click(self.config, self.click)


async def actions(
    request: Request,
    body: bytes,
    configs: Callable[[], list[PairConfig]],
    refuse: Callable[[int, str, str], Response],
    queue: Callable[[str, Callable[[], None]], None],
) -> Response:
    """Check the signature first (with every pair's signing secrets: nothing in the body
    is read before), then the click, off the event loop; queue it for the pair's worker,
    which applies it when the pair's lock is free and then syncs the pair."""
    headers = {k.lower(): v for k, v in request.headers.items()}
    known = await run_in_threadpool(configs)
    secrets = [secret for config in known for secret in signing_secrets(config)]
    reason = await run_in_threadpool(verify, secrets, body, headers)
    if reason is not None:
        return refuse(401, "actions", reason)
    click = await run_in_threadpool(parse_click, body)
    if click is None:
        return refuse(400, "actions", "not a block_actions payload with a pairsync button")
    config = next((c for c in known if c.pair.name == click.pair), None)
    if config is None:
        return refuse(404, click.pair, "no such pair")
    if verify(signing_secrets(config), body, headers) is not None:
        return refuse(401, click.pair, "signed with another pair's signing secret")
    problem = await run_in_threadpool(check, config, click)
    if problem is not None:
        return refuse(400, click.pair, f"button {click.action} by {click.user}: {problem}")
    queue(click.pair, PendingClick(config, click))
    return PlainTextResponse("")
