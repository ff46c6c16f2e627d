"""notion-client (the maintained SDK) with pairsync's request policy.

The SDK sends every request through one `httpx.Client`; a request event hook on it waits
for the token's pace and counts the request, so pagination and every endpoint are paced
and counted without touching the SDK. The SDK's own retries are switched off
(`retry=False`): the one policy of `adapters.retry` applies. 429 `rate_limited` is
retried after its `Retry-After`; 409 `conflict_error` (Notion's "the transaction could
not be completed") is retried, as Notion advises; 5xx, 529 `service_overload` included,
like 503. A connection lost while creating a page or appending blocks is `Uncertain`
and never re-sent; other writes set values, so sending one twice does no harm.

Pacing: Notion allows an average of 3 requests per second per integration token, with
short bursts; every target in the process that uses the token shares one budget of 90
requests per 30 seconds (on the service's clock).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from adapters.notion.config import NotionTarget
from adapters.pacing import Limit, Pacer
from adapters.retry import ChangeFailed, GaveUp, Retriable, Uncertain, classify, with_retries
from sync.errors import TargetUnavailable

Json = dict[str, Any]
WINDOW = 30.0
VERSION = "2025-09-03"


def pacer_for(target: NotionTarget) -> Pacer:
    requests = max(1, round(target.requests_per_second * WINDOW))
    limit = Limit(requests, WINDOW / target.clock_speed)
    token = target.token.get_secret_value()
    return Pacer(target.base_url, {token: limit}, from_pair_file=True)


class NotionRefused(ChangeFailed):
    """A 4xx other than 401/403/429/409: this request only; `code` is Notion's."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} ({status} {code})")
        self.status = status
        self.code = code
        self.message = message


class NotionHttp:
    """One SDK client for a target, and `call` to run an SDK call under the policy."""

    def __init__(self, target: NotionTarget, on_request: Callable[[], None]) -> None:
        self.target = target
        self.pacer = pacer_for(target)
        self.on_request = on_request
        self.throttled = 0
        """429 answers seen (`check` reports them)."""
        self.backoff = 0.25
        """Seconds of the first wait after a 5xx or 409 (doubling); tests shorten it."""
        self.server_time: float | None = None
        """Notion's clock at its last answer (its `Date` header): the minutes its
        `last_edited_time` is rounded to are Notion's, not this machine's."""
        self._http = httpx.Client(
            event_hooks={"request": [self._before], "response": [self._after]}
        )
        self.client = Client(
            client=self._http,
            auth=target.token.get_secret_value(),
            base_url=target.base_url.rstrip("/"),
            timeout_ms=int(target.timeout_seconds * 1000),
            notion_version=VERSION,
            retry=False,
            log_level=50,
        )

    def _before(self, request: httpx.Request) -> None:
        self.pacer.wait()
        self.on_request()

    def _after(self, response: httpx.Response) -> None:
        """Notion's clock from the answer's `Date` (its last, should a server before it have
        added one of its own, as the simulator's web server does)."""
        dates = response.headers.get_list("date")
        with contextlib.suppress(IndexError, TypeError, ValueError):
            self.server_time = parsedate_to_datetime(dates[-1]).timestamp()

    def call(self, attempt: Callable[[], object], *, safe: bool = True) -> Json:
        """Run one SDK call, retrying what is worth it; `safe` False for a call that
        creates something (a lost answer then means `Uncertain`)."""
        try:
            answer = with_retries(
                lambda: self._once(attempt, safe), self.target.retry_seconds, self.backoff
            )
        except GaveUp as exc:
            raise TargetUnavailable(self.target.name, str(exc)) from None
        if not isinstance(answer, dict):
            raise TargetUnavailable(self.target.name, "Notion answered something else than JSON")
        return answer

    def _once(self, attempt: Callable[[], object], safe: bool) -> object:
        try:
            return attempt()
        except HTTPResponseError as exc:
            raise self._classify(exc) from None
        except (httpx.TransportError, RequestTimeoutError) as exc:
            if not safe:
                raise Uncertain("connection lost while writing") from None
            raise Retriable(f"connection failed ({type(exc).__name__})") from None

    def _classify(self, exc: HTTPResponseError) -> Exception:
        status = exc.status
        code = str(getattr(exc.code, "value", exc.code))
        if status == 429:
            self.throttled += 1
        if status == 409:
            return Retriable("conflict (409 conflict_error)")
        reading = classify(self.target.name, status, "", _seconds(exc.headers))
        if isinstance(reading, ChangeFailed):
            message = str(exc).splitlines()[0] if str(exc) else "request refused"
            return NotionRefused(status, code, message)
        return reading

    def close(self) -> None:
        self._http.close()


def _seconds(headers: Any) -> float | None:
    value = headers.get("retry-after") if headers is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
