"""Pacing requests to the services' published rate limits, so a normal run never meets a
429 (Asana counts rejected requests against the quota; Trello blocks a key for the rest
of the window after 200 rejections).

A limit is counted per service and credential, process-wide: every pair of a
`--config-dir` run that uses the same Trello API key shares that key's 300 / 10 s, and
every target on one token shares its budget. Requests wait for a free slot of a sliding
window (pyrate-limiter's in-memory log, one `Limiter` and one leak thread for all
buckets), then go. Writes may also be capped in flight (Asana allows 15 concurrent
writes per user). Credentials are only ever held as hashes here.

A bucket lives while a pacer uses it and until its last request has left the window
(`_Buckets.sweep`), a cap on writes while a pacer holds it: a `--config-dir` run of
20,000 pairs with credentials of their own keeps the buckets of the pairs going, not
60,000 (about 4 KB a pair, for the rest of the run).

With many machines (`share_budgets`, a `pairsync worker` with its database) the same
windows are counted in one place every process or machine shares instead, kept by the
store (`sync.store.budgets`).
"""

from __future__ import annotations

import threading
import weakref
from collections import deque
from collections.abc import Iterable, Iterator
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


@dataclass
class _Kept:
    bucket: InMemoryBucket
    window: int
    """Its window in the clock's unit (ms)."""
    users: int = 0
    """Pacers that count against it now."""


SWEEP_AT = 64
"""Buckets kept before the first sweep; later, twice those the last sweep kept."""


class _Buckets(BucketFactory):
    """One sliding-window bucket per (service, credential, limit), made on first use,
    dropped once no pacer uses it and its requests have all left the window (then it
    counts nothing: a new one is the same)."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Kept] = {}
        self._clock = MonotonicClock()
        """The clock of pyrate-limiter's in-memory buckets."""
        self._lock = threading.Lock()
        self._sweep_at = SWEEP_AT
        self._released: deque[str] = deque()

    def use(self, name: str, limit: Limit) -> None:
        """A pacer counts against `name` until it `release`s it."""
        with self._lock:
            kept = self._buckets.get(name)
            if kept is None:
                window = int(limit.window() * Duration.SECOND)
                bucket = InMemoryBucket([Rate(limit.requests, window)])
                self.schedule_leak(bucket)
                kept = self._buckets[name] = _Kept(bucket, window)
            kept.users += 1
            if len(self._buckets) >= self._sweep_at:
                self._sweep()

    def release(self, names: Iterable[str]) -> None:
        """Called when a pacer is collected, maybe by a collection that started inside
        `use`: takes no lock (the next sweep counts it)."""
        self._released.extend(names)

    def _sweep(self) -> None:
        while self._released:
            self._buckets[self._released.popleft()].users -= 1
        now = self._clock.now()
        for name, kept in list(self._buckets.items()):
            newest = kept.bucket.items[-1:]  # the leak thread may empty it meanwhile
            if not kept.users and all(item.timestamp < now - kept.window for item in newest):
                del self._buckets[name]
                self.dispose(kept.bucket)
        self._sweep_at = max(SWEEP_AT, 2 * len(self._buckets))

    def wrap_item(self, name: str, weight: int = 1) -> RateItem:
        return RateItem(name, self._clock.now(), weight=weight)

    def get(self, item: RateItem) -> AbstractBucket:
        return self._buckets[item.name].bucket


_BUCKETS = _Buckets()
_LIMITER = Limiter(_BUCKETS, buffer_ms=5)
_WRITES: weakref.WeakValueDictionary[str, threading.BoundedSemaphore] = (
    weakref.WeakValueDictionary()
)
"""Caps on writes in flight, each kept while a pacer holds it (no write is in flight on
one nobody holds)."""
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
            _BUCKETS.use(name, limit)
            self._limits.append((name, limit))
        weakref.finalize(self, _BUCKETS.release, [name for name, _ in self._limits])
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
