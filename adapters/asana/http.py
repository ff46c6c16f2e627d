"""The asana SDK's `ApiClient` with pairsync's request policy.

Why subclass `ApiClient.request`: every HTTP call the SDK makes (each page of a
`PageIterator`, each `*_with_http_info` call) goes through this one public method, with
the method and URL in hand. Overriding it counts real requests (retries included) and
applies one retry policy in one place; wrapping `rest_client.request` would reach into
the SDK's internals, and wrapping each `*Api` method would miss pagination.

Policy: the SDK's own urllib3 retries are switched off (`retry_strategy = False`) so that
the shared policy in `adapters.retry` is the only one: 429, 5xx and connection errors
are `Retriable` (429 with its `Retry-After`); when the target's `retry_seconds` run out the
request raises `TargetUnavailable`. A connection lost during a POST that creates
something raises `Uncertain` and is never re-sent: it may have been created.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import cache
from typing import Any

import asana
import urllib3
from asana.rest import ApiException, RESTClientObject

from adapters import connections, machine_budgets
from adapters.asana.config import AsanaTarget
from adapters.pacing import Limit, Pacer
from adapters.retry import ChangeFailed, GaveUp, Retriable, Uncertain, classify, with_retries
from sync.errors import TargetUnavailable

_SAFE_POST = re.compile(r"/(addTask|addTag|removeTag|addProject|removeProject)$")
"""POSTs that only set a relation: sending one twice does no harm."""


WRITES_IN_FLIGHT = 15
"""Asana's limit of concurrent POST, PUT, PATCH and DELETE requests per user."""


def pacer_for(target: AsanaTarget) -> Pacer:
    """The pace of every request on the target's token: its per-minute limit (on the
    service's clock) and Asana's writes in flight, shared by all its clients."""
    window = 60 / target.clock_speed
    limit = Limit(target.rate_limit_per_minute, window)
    writes = machine_budgets.writes_in_flight(WRITES_IN_FLIGHT)
    token = target.token.get_secret_value()
    return Pacer(target.base_url, {token: limit}, writes, from_pair_file=True)


class HttpError(ChangeFailed):
    """A 4xx answer other than 401/403/429: a problem with this request only; `body` is
    Asana's error answer (a 412 carries the fresh sync token in it)."""

    def __init__(self, status: int, message: str, body: dict[str, Any]) -> None:
        super().__init__(f"{message} ({status})")
        self.status = status
        self.body = body


def _error_body(exc: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(exc.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _message(body: dict[str, Any], fallback: str) -> str:
    errors = body.get("errors") or [{}]
    text = str(errors[0].get("message") or fallback)
    return text.splitlines()[0] if text else fallback


@cache
def _sdk_headers() -> dict[str, str]:
    """The headers the SDK's constructor sets (User-Agent, X-Asana-Client-Lib), from one
    client made once per process. The generated `Configuration` also pins the urllib3 and
    asana loggers to WARNING with a stream handler of its own, which would bypass our
    redaction: they go back to the root logger (redacting formatter, --verbose; see
    sync.logs), once, as the loggers are the process's."""
    configuration = asana.Configuration()
    for logger in configuration.logger.values():
        logger.setLevel(logging.NOTSET)
        logger.removeHandler(configuration.logger_stream_handler)
    client = asana.ApiClient(configuration)
    client.pool.close()
    client.pool.join()
    return dict(client.default_headers)


@cache
def _transport(host: str) -> RESTClientObject:
    """The SDK's transport to `host`, on the process's pools, made once per host: it holds
    nothing but its pool manager, and making one per client built a pool manager only to
    replace it (a tenth of a millisecond a pair)."""
    transport = RESTClientObject(asana.Configuration())
    transport.pool_manager = connections.pool_for(host)
    return transport


class PolicyApiClient(asana.ApiClient):  # type: ignore[misc]
    def __init__(
        self,
        target: str,
        host: str,
        token: str,
        on_request: Callable[[], None],
        pacer: Pacer,
        backoff: float = 0.5,
        timeout: float = 60.0,
        max_wait: float = 60.0,
    ) -> None:
        configuration = asana.Configuration()
        configuration.host = host.rstrip("/")
        configuration.access_token = token
        configuration.retry_strategy = False
        # Not `asana.ApiClient.__init__`: it starts a thread pool (five threads) for
        # `async_req` calls, which pairsync never makes; starting and joining it took a
        # millisecond of CPU per client, a fifth of a settled pair's budget. What it sets
        # besides is set here, the headers as the SDK makes them (`_sdk_headers`).
        self.configuration = configuration
        self.rest_client = _transport(configuration.host)
        self.default_headers = dict(_sdk_headers())
        self.cookie = None
        self.target = target
        self.on_request = on_request
        self.pacer = pacer
        self.backoff = backoff
        self.timeout = (min(10.0, timeout), timeout)
        self.max_wait = max_wait
        self.throttled = 0
        """429 answers seen: `check` reports them as a lack of rate-limit headroom."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("_request_timeout") is None:
            kwargs["_request_timeout"] = self.timeout
        safe = method != "POST" or bool(_SAFE_POST.search(url.split("?")[0]))
        try:
            return with_retries(
                lambda: self._attempt(safe, method, url, *args, **kwargs),
                self.max_wait,
                self.backoff,
            )
        except GaveUp as exc:
            raise TargetUnavailable(self.target, str(exc)) from None

    def _attempt(self, safe: bool, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            with self.pacer.sending():
                self.on_request()
                if method == "GET":
                    return super().request(method, url, *args, **kwargs)
                with self.pacer.writing():
                    return super().request(method, url, *args, **kwargs)
        except ApiException as exc:
            raise self._classify(exc) from None
        except urllib3.exceptions.HTTPError as exc:
            if not safe:
                raise Uncertain(f"connection lost during {method}") from None
            raise Retriable(f"connection failed ({type(exc).__name__})") from None

    def _classify(self, exc: ApiException) -> Exception:
        status = exc.status or 0
        body = _error_body(exc)
        retry_after = (exc.headers or {}).get("Retry-After")
        try:
            seconds = float(retry_after) if retry_after is not None else None
        except ValueError:
            seconds = None
        reading = classify(self.target, status, "", seconds)
        if status == 429:
            self.throttled += 1
        if isinstance(reading, ChangeFailed):
            return HttpError(status, _message(body, exc.reason or "request refused"), body)
        return reading
