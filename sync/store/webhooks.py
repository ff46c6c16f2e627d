"""The webhooks of a pair's state, per target: the callback URLs its live webhooks call
(Trello signs over the one it calls), the secret Asana's handshake gave, and a
registration in progress: the unguessable key ending its callback URL, until when it
waits for the handshake, and the secret that handshake brought. That secret becomes the
target's only once the webhook creation it belongs to succeeded (`registered`); a
registration that failed leaves nothing (`settled`). The secret is read here and
nowhere printed.

They live wherever the pair's state lives (`sync.store.where`): its SQLite file, or with
many machines the pair's rows in PostgreSQL, so that `serve` on any machine (and
`pairsync webhooks` run from any other) verifies with the same secret."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from adapters.hooks import StoredHook
from sync.config import PairConfig
from sync.store.rows import WebhookRecord
from sync.store.where import has_state, open_state

HANDSHAKE_SECONDS = 60.0
"""How long a registration waits for Asana's handshake (Asana itself gives up sooner)."""


def load(config: PairConfig, target: str) -> StoredHook:
    if not has_state(config):
        return StoredHook()
    state = open_state(config)
    try:
        row = state.webhook(target) or WebhookRecord()
    finally:
        state.close()
    waiting = row.handshake_until is not None and row.handshake_until > time.time()
    return StoredHook(
        tuple(sorted(row.callback_urls)), row.secret, row.pending_key if waiting else None
    )


def expect_handshake(config: PairConfig, target: str, key: str) -> None:
    """Before creating a webhook whose URL ends in `key`: accept one handshake on that
    URL for a while (nothing else changes yet)."""
    until = time.time() + HANDSHAKE_SECONDS
    _update(
        config,
        target,
        lambda r: replace(r, pending_key=key, pending_secret=None, handshake_until=until),
    )


def save_handshake(config: PairConfig, target: str, secret: str) -> None:
    """The handshake of the waiting registration arrived: hold its secret until the
    creation it belongs to succeeds."""
    _update(config, target, lambda r: replace(r, pending_secret=secret))


def save_secret(config: PairConfig, target: str, secret: str) -> None:
    """A secret a tool sent outside any registration (Notion's verification token, which
    is only shown, never trusted): keep it as is."""
    _update(config, target, lambda r: replace(r, secret=secret))


def forget(config: PairConfig, target: str) -> None:
    """Everything kept about the target's webhooks."""
    _update(config, target, lambda _: None)


def registered(config: PairConfig, target: str, callback_url: str) -> None:
    """The webhook calling `callback_url` exists: keep its URL and its handshake's
    secret (if one came), and wait for no handshake."""
    _update(
        config,
        target,
        lambda r: _no_pending(
            replace(
                r,
                secret=r.pending_secret or r.secret,
                callback_urls=r.callback_urls | {callback_url},
            )
        ),
    )


def settled(config: PairConfig, target: str) -> None:
    """The registration is over: no handshake is expected, and a secret that came with a
    creation that failed is dropped."""
    _update(config, target, _no_pending)


def removed(config: PairConfig, target: str, callback_url: str) -> None:
    """The webhook calling `callback_url` is gone; with the target's last one goes its
    secret."""

    def without(row: WebhookRecord) -> WebhookRecord | None:
        left = row.callback_urls - {callback_url}
        return replace(row, callback_urls=left) if left else None

    _update(config, target, without)


def _no_pending(row: WebhookRecord) -> WebhookRecord:
    return replace(row, pending_key=None, pending_secret=None, handshake_until=None)


def _update(
    config: PairConfig, target: str, change: Callable[[WebhookRecord], WebhookRecord | None]
) -> None:
    """Read, change and write back the target's webhooks in one transaction (None: forget
    them)."""
    state = open_state(config)
    try:
        with state.transaction():
            row = change(state.webhook(target) or WebhookRecord())
            if row is None:
                state.forget_webhook(target)
            else:
                state.save_webhook(target, row)
    finally:
        state.close()
