"""The `webhooks` table of a pair's state: per target, the callback URL as registered
(Trello signs over it), Asana's handshake secret, and until when `pairsync webhooks
register` waits for a handshake. The secret is read here and nowhere printed."""

from __future__ import annotations

import time
from pathlib import Path

from adapters.hooks import StoredHook
from sync.store.state import State

HANDSHAKE_SECONDS = 60.0
"""How long a registration waits for Asana's handshake (Asana itself gives up sooner)."""


def load(state_path: Path, target: str) -> StoredHook:
    if not state_path.exists():
        return StoredHook()
    state = State.open(state_path)
    try:
        row = state.db.execute(
            "SELECT callback_url, secret, handshake_until FROM webhooks WHERE target = ?",
            (target,),
        ).fetchone()
    finally:
        state.close()
    if row is None:
        return StoredHook()
    return StoredHook(row[0], row[1], bool(row[2]) and row[2] > time.time())


def expect_handshake(state_path: Path, target: str, callback_url: str) -> None:
    """Before registering: remember the URL, and accept one handshake for a while."""
    _upsert(state_path, target, callback_url=callback_url, until=time.time() + HANDSHAKE_SECONDS)


def save_secret(state_path: Path, target: str, secret: str) -> None:
    """The handshake happened: keep its secret; accept no other handshake."""
    _upsert(state_path, target, secret=secret, until=None)


def settled(state_path: Path, target: str) -> None:
    """The registration is over (made or refused): no handshake is expected any more."""
    _upsert(state_path, target, until=None)


def forget(state_path: Path, target: str) -> None:
    state = State.open(state_path)
    try:
        with state.transaction():
            state.db.execute("DELETE FROM webhooks WHERE target = ?", (target,))
    finally:
        state.close()


_KEEP = object()


def _upsert(
    state_path: Path,
    target: str,
    *,
    callback_url: object = _KEEP,
    secret: object = _KEEP,
    until: object = _KEEP,
) -> None:
    state = State.open(state_path)
    try:
        with state.transaction():
            state.db.execute("INSERT OR IGNORE INTO webhooks (target) VALUES (?)", (target,))
            for column, value in (
                ("callback_url", callback_url),
                ("secret", secret),
                ("handshake_until", until),
            ):
                if value is not _KEEP:
                    state.db.execute(
                        f"UPDATE webhooks SET {column} = ? WHERE target = ?", (value, target)
                    )
    finally:
        state.close()
