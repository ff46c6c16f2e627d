"""The threaded loopback server every simulator (and the Teams webhook) is served by, so
tests, the bench and `pairsync simulate` start and stop them the same way.

Connections stay open between requests (HTTP/1.1 keep-alive), as the real services keep
them: plain HTTP is served by cheroot (CherryPy's WSGI server). werkzeug's development
server closes every connection after its answer (it drains the socket after each
response, which would eat the next request), so a client paid a TCP handshake and a
socket per request, a cost the real services, and pairsync's shared pools
(`adapters.connections`), do not have (bench/PAIRS.md). A simulator on TLS (a client
library that insists on https) is served by werkzeug's server, which has TLS. Either way
the app finds the connection's socket in its environ (`SOCKET`), to hang up without an
answer (a fault)."""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import threading
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Self

from cheroot.wsgi import Gateway_10
from cheroot.wsgi import Server as CherootServer
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

SOCKET = "werkzeug.socket"
"""The environ key of the connection's socket: werkzeug's name, given under cheroot too."""
THREADS = 64
"""Requests a simulator answers at once (each thread may wait out a fault's delay or the
bench's latency); cheroot queues the others. An idle kept connection holds no thread."""
BACKLOG = 1024
"""Connections waiting to be accepted (cheroot's default, 5, drops a run's burst of them)."""
IDLE_SECONDS = 3600
"""An idle kept-alive connection is closed after this long (a run's pools keep theirs)."""


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests and the demo stay readable; `Stats` counts the requests instead."""


class _Gateway(Gateway_10):
    # cheroot's stubs give the base class's get_environ no types (it returns the environ)
    def get_environ(self) -> dict[str, Any]:  # type: ignore[override]
        environ: dict[str, Any] = super().get_environ()  # type: ignore[no-untyped-call]
        environ[SOCKET] = self.req.conn.socket
        return environ


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class SimServer:
    """Runs a WSGI app on loopback in a daemon thread (moto's ThreadedMotoServer)."""

    def __init__(
        self,
        app: WSGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context`: serve https (a service whose client library insists on it)."""
        self.app = app
        self._scheme = "https" if ssl_context is not None else "http"
        self._server: BaseWSGIServer | CherootServer
        run: Callable[[], None]
        if ssl_context is None:
            self._server = CherootServer(
                (host, port), app, THREADS, timeout=IDLE_SECONDS, request_queue_size=BACKLOG
            )
            self._server.gateway = _Gateway
            self._server.keep_alive_conn_limit = sys.maxsize  # cheroot's 10 closed the 11th
            # Its loop wakes this often; `stop()` waited half a second (its default) for it,
            # and tests stop a simulator or three each.
            self._server.expiration_interval = 0.05
            self._server.prepare()
            self._address = self._server.bind_addr[:2]
            run = self._server.serve
        else:
            handler = _QuietHandler
            self._server = make_server(
                host, port, app, threaded=True, request_handler=handler, ssl_context=ssl_context
            )
            self._address = (self._server.host, self._server.port)
            # A short poll interval: `stop()` waits for it, and tests stop a server each.
            run = partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=run, daemon=True)

    @property
    def root_url(self) -> str:
        return f"{self._scheme}://{self._address[0]}:{self._address[1]}"

    def start(self) -> SimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if isinstance(self._server, CherootServer):
            self._server.stop()
            self._thread.join(5)
            return
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._thread.run()


def hang_up(environ: dict[str, Any]) -> None:
    """Close the client's connection without an answer (a simulator's fault)."""
    sock = environ.get(SOCKET)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class Served:
    """A WSGI app served on loopback (`server`), started and stopped by its holder."""

    server: SimServer

    def start(self) -> Self:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def serve_forever(self) -> None:
        self.server.serve_forever()
