"""HTTP for the Trello adapter: py-trello's `http_service`, and the retry policy.

py-trello builds every URL as `https://api.trello.com/1/...` inside `fetch_json`, but it
sends each request through the `http_service` it was given, with requests' keyword
arguments, and reads `status_code` and `json()` of the answer. `TrelloSession` is that
seam, so py-trello needs no patching: it rewrites the host to the configured `base_url` (a
simulator, a proxy), counts requests, applies timeouts, and classifies every answer
before py-trello sees it (singer-sdk's `validate_response`): 429 and 5xx are retriable,
other 4xx are fatal.

It sends through the process's urllib3 pools (`adapters.connections`, the asana SDK's
transport too) rather than a `requests.Session`: a session per adapter built two pool
managers of its own, and requests' per-request preparation (cookies, hooks, settings
merged from the environment) was half of a settled pair's Trello read, for nothing
pairsync uses. urllib3 is the library requests sends with.

It also owns authentication. With a token but no token secret, py-trello signs with
OAuth1 using empty secrets; the session replaces that with Trello's documented header
form, `Authorization: OAuth oauth_consumer_key="...", oauth_token="..."`, so the
credentials never sit in a URL (server logs, exception texts).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import urllib3
from pydantic import SecretStr

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


class Answer:
    """A 2xx answer as py-trello reads it (`status_code`, `json()`)."""

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.status_code = response.status
        self.headers: Mapping[str, str] = response.headers
        self._data = response.data

    @property
    def text(self) -> str:
        return self._data.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self._data)


class TrelloSession:
    def __init__(
        self,
        base_url: str,
        key: SecretStr,
        token: SecretStr,
        timeout: float,
        on_request: Callable[[], None],
        pacer: Pacer,
    ) -> None:
        self.pacer = pacer
        self.base_url = base_url.rstrip("/")
        self._key = key
        self._token = token
        self.timeout = urllib3.Timeout(connect=timeout, read=timeout)
        self.on_request = on_request
        self.last_headers: Mapping[str, str] = {}
        self._pool = connections.pool_for(self.base_url)

    def close(self) -> None:
        """Keep the connections: they belong to the process (`adapters.connections`)."""

    def request(
        self,
        method: str,
        url: str,
        *args: Any,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        data: str | None = None,
        files: object = None,
        **_: Any,
    ) -> Answer:
        """py-trello passes every option by keyword (its `auth` and `proxies` are not
        used: the header below authenticates, the process's pools know the proxies)."""
        if args or files:
            raise TypeError("TrelloSession.request takes its options by keyword, no files")
        if url.startswith(TRELLO_API):
            url = self.base_url + url[len(TRELLO_API) :]
        query = {
            k: v for k, v in (params or {}).items() if k not in ("key", "token") and v is not None
        }
        if query:
            url += "?" + urlencode(query, doseq=True)
        sent = {**(headers or {}), "Accept-Encoding": "gzip, deflate"}
        sent["Authorization"] = (
            f'OAuth oauth_consumer_key="{self._key.get_secret_value()}", '
            f'oauth_token="{self._token.get_secret_value()}"'
        )
        body = data.encode() if data is not None else None
        with self.pacer.sending():
            self.on_request()
            response = self._pool.request(
                method, url, body=body, headers=sent, timeout=self.timeout, retries=False
            )
        self.last_headers = response.headers
        if response.status >= 300:
            raise HttpStatus(response.status, _retry_after(response.headers))
        return Answer(response)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    try:
        return max(float(headers["Retry-After"]), 0.0)
    except (KeyError, ValueError):
        return None


def _is_sent(exc: urllib3.exceptions.HTTPError) -> bool:
    """False when the connection failed before the request could have reached the server
    (`NewConnectionError` is a kind of `ConnectTimeoutError`)."""
    return not isinstance(exc, urllib3.exceptions.ConnectTimeoutError)


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
        except urllib3.exceptions.HTTPError as exc:
            if method == "POST" and _is_sent(exc):
                raise Uncertain() from exc
            timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
                exc, urllib3.exceptions.NewConnectionError
            )
            reason = "timed out" if timed_out else "connection failed"
            raise Retriable(reason) from None

    return with_retries(send_once, max_seconds)


__all__ = ["GaveUp", "HttpStatus", "TrelloSession", "Uncertain", "call_with_retries"]
