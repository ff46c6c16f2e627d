"""The threaded loopback server every simulator (and the Teams webhook) is served by, so
tests, the bench and `pairsync simulate` start and stop them the same way."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Iterable
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Tests and the demo stay readable; `Stats` counts the requests instead."""


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
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=_QuietHandler, ssl_context=ssl_context
        )
        # A short poll interval: `stop()` waits for it, and tests stop a server each.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def root_url(self) -> str:
        return f"{self._scheme}://{self._server.host}:{self._server.port}"

    def start(self) -> SimServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        self._server.serve_forever()


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
