"""The one retry policy of the HTTP adapters (tenacity), as vdirsyncer and singer-sdk do it:
classify first (an adapter turns 429, 5xx and broken connections into `Retriable`, and
a write whose connection broke after sending into `Uncertain`), then retry only what is
`Retriable`, waiting what the server's `Retry-After` asked for, else backing off
exponentially, for at most `ATTEMPTS` attempts or the target's `retry_seconds`.

A create is never re-sent blindly: `Uncertain` is not retried, and the adapter reports
the change as uncertain so that the next read re-links it through its footer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from sync.errors import TargetRejected

ATTEMPTS = 6
T = TypeVar("T")
_listeners: list[Callable[[Retriable], None]] = []


class Retriable(Exception):
    """A failure worth another attempt; `retry_after` in seconds when the server said so."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class Uncertain(Exception):
    """A write whose connection broke after it was sent: it may or may not have happened."""


UNCERTAIN = "uncertain; will re-link on next run"
"""The outcome of an `Uncertain` write: the next read finds it by its footer, or not."""


class ChangeFailed(Exception):
    """The service refused this one request (a 4xx other than 401/403/429): the other
    changes of the batch still go through."""


def retriable(status: int, retry_after: float | None = None) -> Retriable | None:
    """429, 5xx and 0 (no answer) as a `Retriable`, anything else None."""
    if status == 429:
        return Retriable("rate limited (429)", retry_after)
    if status >= 500 or status == 0:
        return Retriable(f"server error ({status})")
    return None


def classify(target: str, status: int, what: str, retry_after: float | None = None) -> Exception:
    """The one reading of an HTTP error status for every service adapter: 429 and 5xx (and
    0, no answer) are worth retrying, 401 and 403 doom every request of the target, any
    other 4xx is a problem with this request only. `what` names the request or the
    service's own message."""
    worth_retrying = retriable(status, retry_after)
    if worth_retrying is not None:
        return worth_retrying
    if status == 401:
        return TargetRejected(target, "token rejected (401)")
    if status == 403:
        return TargetRejected(target, "access denied (403)")
    return ChangeFailed(f"{what} ({status})")


def on_retriable(listener: Callable[[Retriable], None]) -> None:
    """Have `listener` told of every retriable failure (`pairsync serve` counts 429s)."""
    _listeners.append(listener)


class GaveUp(Exception):
    """Retriable failures until the attempts or the time ran out."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(f"{reason} after {attempts} attempts")
        self.attempts = attempts


def with_retries(attempt: Callable[[], T], max_seconds: float, backoff: float = 0.25) -> T:
    """Call `attempt` until it returns, raises something other than `Retriable`, or the
    budget runs out (`GaveUp`)."""
    exponential = wait_exponential(multiplier=backoff, max=30)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        for listener in _listeners:
            if isinstance(exc, Retriable):
                listener(exc)
        if isinstance(exc, Retriable) and exc.retry_after is not None:
            return min(exc.retry_after, max_seconds)
        return float(exponential(state))

    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS) | stop_after_delay(max_seconds),
        wait=wait,
        retry=retry_if_exception_type(Retriable),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except Retriable as exc:
        attempts = int(retrying.statistics.get("attempt_number", ATTEMPTS))
        raise GaveUp(str(exc), attempts) from None
