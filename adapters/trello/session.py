"""HTTP for the Trello adapter: py-trello's `http_service`, and the retry policy.

py-trello builds every URL as `https://api.trello.com/1/...` inside `fetch_json`, but it
sends each request through the `http_service` it was given. A `requests.Session`
subclass passed there is the one seam that needs no patching of py-trello: it rewrites
the host to the configured `base_url` (a simulator, a proxy), counts requests, applies
timeouts, and classifies every answer before py-trello sees it (singer-sdk's
`validate_response`): 429 and 5xx are retriable, other 4xx are fatal.

It also owns authentication. With a token but no token secret, py-trello signs with
OAuth1 using empty secrets; the session replaces that with Trello's documented header
form, `Authorization: OAuth oauth_consumer_key="...", oauth_token="..."`, so the
credentials never sit in a URL (server logs, exception texts).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

import requests
from pydantic import SecretStr
from requests.structures import CaseInsensitiveDict

from adapters import connections
from adapters.pacing import Pacer
from adapters.retry import GaveUp, Retriable, Uncertain, retriable, with_retries

TRELLO_API = "https://api.trello.com/1"

T = TypeVar("T")


class HttpStatus(Exception):
    """An answer other than 2xx; `retry_after` in seconds when the server said so."""

    def __init__(self, status: int, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


class TrelloSession(requests.Session):
    def __init__(
        self,
        base_url: str,
        key: SecretStr,
        token: SecretStr,
        timeout: float,
        on_request: Callable[[], None],
        pacer: Pacer,
    ) -> None:
        super().__init__()
        self.pacer = pacer
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._token = token
        self.timeout = timeout
        self.on_request = on_request
        self.last_headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        connections.mount_shared(self)
        # The environment's proxies and CA bundle, read once per process: requests reads
        # them again for every request (a scan of every variable, the most CPU of a
        # settled pair's Trello read), and would let a ~/.netrc entry replace the
        # Authorization header below.
        self.trust_env = False
        self.proxies.update(_environment_proxies(self.base_url))
        self.verify = _environment_ca_bundle()

    def close(self) -> None:
        """Keep the connections: they belong to the process (`adapters.connections`)."""

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        """py-trello passes every option by keyword; one passed by position would land on
        `params` or `headers`, which this method sets itself."""
        if args:
            raise TypeError("TrelloSession.request takes its options by keyword")
        method, url = str(method), str(url)
        if url.startswith(TRELLO_API):
            url = self.base_url + url[len(TRELLO_API) :]
        params = {
            k: v for k, v in (kwargs.pop("params", None) or {}).items() if k not in ("key", "token")
        }
        headers = dict(kwargs.pop("headers", None) or {})
        headers["Authorization"] = (
            f'OAuth oauth_consumer_key="{self._key.get_secret_value()}", '
            f'oauth_token="{self._token.get_secret_value()}"'
        )
        kwargs["auth"] = None
        kwargs["timeout"] = kwargs.get("timeout") or self.timeout
        with self.pacer.sending():
            self.on_request()
            response = super().request(method, url, params=params, headers=headers, **kwargs)
        self.last_headers = response.headers
        if response.status_code >= 300:
            raise HttpStatus(response.status_code, _retry_after(response))
        return response


@cache
def _environment_proxies(url: str) -> dict[str, str]:
    return dict(requests.utils.get_environ_proxies(url, no_proxy=None))


@cache
def _environment_ca_bundle() -> str | bool:
    """What requests takes from the environment for `verify` (its own order)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(float(response.headers["Retry-After"]), 0.0)
    except (KeyError, ValueError):
        return None


def _is_sent(exc: requests.RequestException) -> bool:
    """False when the connection failed before the request could have reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return "NewConnectionError" not in type(reason).__name__


def call_with_retries(method: str, send: Callable[[], T], max_seconds: float) -> T:
    """Send with the shared retry policy (`adapters.retry`): 429, 5xx and broken
    connections are retried; a POST whose connection broke after sending is `Uncertain`.

    :raises HttpStatus: a fatal status (401, 404, ...)
    :raises GaveUp: 429, 5xx or broken connections until attempts or time ran out
    :raises Uncertain: a POST that may have been applied
    """

    def send_once() -> T:
        try:
            return send()
        except HttpStatus as exc:
            worth_retrying = retriable(exc.status, exc.retry_after)
            if worth_retrying is not None:
                raise worth_retrying from None
            raise
        except requests.RequestException as exc:
            if method == "POST" and _is_sent(exc):
                raise Uncertain() from exc
            reason = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
            raise Retriable(reason) from None

    return with_retries(send_once, max_seconds)


__all__ = ["GaveUp", "HttpStatus", "TrelloSession", "Uncertain", "call_with_retries"]
