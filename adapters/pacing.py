"""Pacing requests to the services' published rate limits, so a normal run never meets a
429 (Asana counts rejected requests against the quota; Trello blocks a key for the rest
of the window after 200 rejections).

A limit is counted per service and credential, process-wide: every pair of a
`--config-dir` run that uses the same Trello API key shares that key's 300 / 10 s, and
every target on one token shares its budget. Requests wait for a free slot of a sliding
window (pyrate-limiter's in-memory log, one `Limiter` and one leak thread for all
buckets), then go. Writes may also be capped in flight (Asana allows 15 concurrent
writes per user). Credentials are only ever held as hashes here.

With many machines (`share_budgets`, a `pairsync worker` with its database) the same
windows are counted in one place every process or machine shares instead, kept by the
store (`sync.store.budgets`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from pyrate_limiter import (
    AbstractBucket,
    BucketFactory,
    Duration,
    InMemoryBucket,
    Limiter,
    MonotonicClock,
    Rate,
    RateItem,
)

from adapters.echoes import fingerprint
from sync.store.budgets import Budgets

MARGIN = 1.02
"""Windows are counted 2 % longer than published: a request is counted when it leaves
here and at the service when it arrives, a little later and not always in order."""


SPREAD = 0.5
"""Seconds more for a limit many pairs' threads count at once (`Limit.shared`): of two
requests paced here, the earlier may reach the service later by as much as the threads
of a busy process are kept waiting (a 30-pair push on a loaded 2-core machine met Trello's
key limit 14 times with the 2 % alone, 0 times with this; it costs a key-bound push 5 %)."""


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: float
    shared: bool = False
    """Counted by every pair of the process at once (a Trello API key): `SPREAD`."""

    def window(self) -> float:
        """The seconds counted: the published window, a little longer (`MARGIN`, `SPREAD`)."""
        return self.seconds * MARGIN + (SPREAD if self.shared else 0.0)


_SHARED: list[Budgets] = []


def share_budgets(budgets: Budgets | None) -> None:
    """Count every limit in `budgets` from now on (None: in this process again)."""
    _SHARED[:] = [budgets] if budgets is not None else []


class _Buckets(BucketFactory):
    """One sliding-window bucket per (service, credential, limit), made on first use."""

    def __init__(self) -> None:
        self._buckets: dict[str, AbstractBucket] = {}
        self._clock = MonotonicClock()
        """The clock of pyrate-limiter's in-memory buckets."""
        self._lock = threading.Lock()

    def bucket(self, name: str, limit: Limit) -> None:
        with self._lock:
            if name not in self._buckets:
                window = int(limit.window() * Duration.SECOND)
                self._buckets[name] = self.create(InMemoryBucket, [Rate(limit.requests, window)])

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, self._clock.now(), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        return self._buckets[item.name]


_BUCKETS = _Buckets()
_LIMITER = Limiter(_BUCKETS, buffer_ms=5)
_WRITES: dict[str, threading.BoundedSemaphore] = {}
_WRITES_LOCK = threading.Lock()


class Pacer:
    """The limits one target's requests count against; `wait()` before each request."""

    def __init__(
        self, service: str, limits: dict[str, Limit], writes_in_flight: int | None = None
    ) -> None:
        """`limits`: credential (a secret; only its hash is kept) -> its limit, e.g. a
        Trello token's 100 / 10 s and its API key's 300 / 10 s."""
        self._limits: list[tuple[str, Limit]] = []
        for credential, limit in limits.items():
            name = fingerprint(service, credential, limit.requests, limit.seconds)
            _BUCKETS.bucket(name, limit)
            self._limits.append((name, limit))
        self._writes: threading.BoundedSemaphore | None = None
        if writes_in_flight is not None:
            name = fingerprint(service, *limits, "writes", writes_in_flight)
            with _WRITES_LOCK:
                self._writes = _WRITES.setdefault(
                    name, threading.BoundedSemaphore(writes_in_flight)
                )

    def wait(self) -> None:
        """Block until every limit has a free slot, and take it (counted from now)."""
        with self.sending():
            pass

    @contextmanager
    def sending(self) -> Iterator[None]:
        """Block until every limit has a free slot, take it, and hold it while one request
        is sent: shared budgets count it until its answer came back (`sync.store.sqlite.
        budgets` says why), this process's from its take (`SPREAD`)."""
        with ExitStack() as slots:
            for name, limit in self._limits:
                if _SHARED:
                    slots.enter_context(_SHARED[0].slot(name, limit.requests, limit.window()))
                else:
                    _LIMITER.try_acquire(name)
            yield

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold one of the writes-in-flight slots (if capped) while a write is sent."""
        if self._writes is None:
            yield
            return
        with self._writes:
            yield
