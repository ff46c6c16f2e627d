"""The `webhooks` table of a pair's state: per target, the callback URL as registered
(Trello signs over it), Asana's handshake secret, and until when `pairsync webhooks
register` waits for a handshake. The secret is read here and nowhere printed."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from adapters.hooks import StoredHook
from sync.store.rows import WebhookRecord
from sync.store.state import State

HANDSHAKE_SECONDS = 60.0
"""How long a registration waits for Asana's handshake (Asana itself gives up sooner)."""


def load(state_path: Path, target: str) -> StoredHook:
    if not state_path.exists():
        return StoredHook()
    state = State.open(state_path)
    try:
        row = state.webhook(target)
    finally:
        state.close()
    if row is None:
        return StoredHook()
    until = row.handshake_until
    return StoredHook(row.callback_url, row.secret, until is not None and until > time.time())


def expect_handshake(state_path: Path, target: str, callback_url: str) -> None:
    """Before registering: remember the URL, and accept one handshake for a while."""
    until = time.time() + HANDSHAKE_SECONDS
    _update(
        state_path, target, lambda r: replace(r, callback_url=callback_url, handshake_until=until)
    )


def save_secret(state_path: Path, target: str, secret: str) -> None:
    """The handshake happened: keep its secret; accept no other handshake."""
    _update(state_path, target, lambda r: replace(r, secret=secret, handshake_until=None))


def settled(state_path: Path, target: str) -> None:
    """The registration is over (made or refused): no handshake is expected any more."""
    _update(state_path, target, lambda r: replace(r, handshake_until=None))


def forget(state_path: Path, target: str) -> None:
    state = State.open(state_path)
    try:
        with state.transaction():
            state.forget_webhook(target)
    finally:
        state.close()


def _update(
    state_path: Path, target: str, change: Callable[[WebhookRecord], WebhookRecord]
) -> None:
    state = State.open(state_path)
    try:
        with state.transaction():
            state.save_webhook(target, change(state.webhook(target) or WebhookRecord()))
    finally:
        state.close()
