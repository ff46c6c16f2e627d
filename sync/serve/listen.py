"""Where and how `pairsync serve` listens: the socket, bound before the first sync (a busy
or bad port is one line and exit 2, not a crash after syncing every pair), and uvicorn
set up against slow clients.

uvicorn's own options do most of it: `limit_concurrency` answers 503 past that many
connections and requests at once, `timeout_keep_alive` closes an idle connection, and
the app reads a body under a timeout (`app.read_body`). What uvicorn lacks is a limit
on the request head: its keep-alive timer runs only between requests, so a client that
sends half a head holds its connection for ever (slowloris). `HeadTimeoutH11` closes a
connection whose head is not complete within the same timeout.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.errors import ConfigError

log = logging.getLogger("pairsync.serve")


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port`, or `ConfigError` naming the port (exit 2)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, OverflowError) as exc:
        raise ConfigError([f"--host {host} --port {port}: {_reason(exc)}"]) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except (OSError, OverflowError) as exc:
        sock.close()
        raise ConfigError(
            [f"--port {port}: cannot listen on {host}:{port}: {_reason(exc)}"]
        ) from None
    return sock


def _reason(exc: Exception) -> str:
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return text[:1].lower() + text[1:]


class HeadTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request head has not arrived
    within `timeout_keep_alive` seconds of connecting or of the last answer."""

    _head_timer: asyncio.TimerHandle | None = None
    _head_cycle: Any = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def handle_events(self) -> None:
        super().handle_events()
        if self.cycle is not self._head_cycle:  # a request head arrived
            self._disarm_head_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self) -> None:
        self._disarm_head_timer()
        self._head_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_too_slow)

    def _disarm_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.cycle is self._head_cycle and not self.transport.is_closing():
            if self.conn.trailing_data[0]:  # part of a head came (else: an idle connection)
                log.warning(
                    "a request head incomplete after %d s closed; no sync", self.timeout_keep_alive
                )
            self.transport.close()
