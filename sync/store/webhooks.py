"""The webhooks of a pair's state, per target: the callback URLs its live webhooks call
(Trello signs over the one it calls), the secret Asana's handshake gave, and a
registration in progress: the unguessable key ending its callback URL, until when it
waits for the handshake, and the secret that handshake brought. That secret becomes the
target's only once the webhook creation it belongs to succeeded (`registered`); a
registration that failed leaves nothing (`settled`). The secret is read here and
nowhere printed."""

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
            "SELECT secret, handshake_until, pending_key FROM webhooks WHERE target = ?",
            (target,),
        ).fetchone()
        urls = tuple(
            url
            for (url,) in state.db.execute(
                "SELECT callback_url FROM webhook_urls WHERE target = ? ORDER BY callback_url",
                (target,),
            )
        )
    finally:
        state.close()
    if row is None:
        return StoredHook(urls)
    waiting = bool(row[1]) and row[1] > time.time()
    return StoredHook(urls, row[0], row[2] if waiting else None)


def expect_handshake(state_path: Path, target: str, key: str) -> None:
    """Before creating a webhook whose URL ends in `key`: accept one handshake on that
    URL for a while (nothing else changes yet)."""
    _upsert(
        state_path,
        target,
        pending_key=key,
        pending_secret=None,
        until=time.time() + HANDSHAKE_SECONDS,
    )


def save_handshake(state_path: Path, target: str, secret: str) -> None:
    """The handshake of the waiting registration arrived: hold its secret until the
    creation it belongs to succeeds."""
    _upsert(state_path, target, pending_secret=secret)


def save_secret(state_path: Path, target: str, secret: str) -> None:
    """A secret a tool sent outside any registration (Notion's verification token, which
    is only shown, never trusted): keep it as is."""
    state = State.open(state_path)
    try:
        with state.transaction():
            _row(state, target)
            state.db.execute("UPDATE webhooks SET secret = ? WHERE target = ?", (secret, target))
    finally:
        state.close()


def forget(state_path: Path, target: str) -> None:
    """Everything kept about the target's webhooks."""
    state = State.open(state_path)
    try:
        with state.transaction():
            state.db.execute("DELETE FROM webhooks WHERE target = ?", (target,))
            state.db.execute("DELETE FROM webhook_urls WHERE target = ?", (target,))
    finally:
        state.close()


def registered(state_path: Path, target: str, callback_url: str) -> None:
    """The webhook calling `callback_url` exists: keep its URL and its handshake's
    secret (if one came), and wait for no handshake."""
    state = State.open(state_path)
    try:
        with state.transaction():
            _row(state, target)
            state.db.execute(
                "UPDATE webhooks SET secret = coalesce(pending_secret, secret) WHERE target = ?",
                (target,),
            )
            _clear_pending(state, target)
            state.db.execute(
                "INSERT OR IGNORE INTO webhook_urls VALUES (?, ?)", (target, callback_url)
            )
    finally:
        state.close()


def settled(state_path: Path, target: str) -> None:
    """The registration is over: no handshake is expected, and a secret that came with a
    creation that failed is dropped."""
    state = State.open(state_path)
    try:
        with state.transaction():
            _clear_pending(state, target)
    finally:
        state.close()


def removed(state_path: Path, target: str, callback_url: str) -> None:
    """The webhook calling `callback_url` is gone; with the target's last one goes its
    secret."""
    state = State.open(state_path)
    try:
        with state.transaction():
            state.db.execute(
                "DELETE FROM webhook_urls WHERE target = ? AND callback_url = ?",
                (target, callback_url),
            )
            left = state.db.execute(
                "SELECT count(*) FROM webhook_urls WHERE target = ?", (target,)
            ).fetchone()[0]
            if not left:
                state.db.execute("DELETE FROM webhooks WHERE target = ?", (target,))
    finally:
        state.close()


def _row(state: State, target: str) -> None:
    state.db.execute("INSERT OR IGNORE INTO webhooks (target) VALUES (?)", (target,))


def _clear_pending(state: State, target: str) -> None:
    state.db.execute(
        "UPDATE webhooks SET pending_key = NULL, pending_secret = NULL, handshake_until = NULL "
        "WHERE target = ?",
        (target,),
    )


def _upsert(state_path: Path, target: str, **values: object) -> None:
    columns = {"pending_key", "pending_secret", "until"}
    assert values.keys() <= columns
    state = State.open(state_path)
    try:
        with state.transaction():
            _row(state, target)
            for name, value in values.items():
                column = "handshake_until" if name == "until" else name
                state.db.execute(
                    f"UPDATE webhooks SET {column} = ? WHERE target = ?", (value, target)
                )
    finally:
        state.close()
