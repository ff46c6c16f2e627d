"""Pacing requests to the services' published rate limits, so a normal run never meets a
429 (Asana counts rejected requests against the quota; Trello blocks a key for the rest
of the window after 200 rejections).

A limit is counted per service and credential, process-wide: every pair of a
`--config-dir` run that uses the same Trello API key shares that key's 300 / 10 s, and
every target on one token shares its budget. Requests wait for a free slot of a sliding
window, and hold it while they are on their way: a request counts from its take until a
window after its answer came back, because the service counts it when it arrives, and
on a loaded machine a thread that took a slot may send its request long after others
that took theirs later (`sync.store.sqlite.budgets` says more). Writes may also be
capped in flight (Asana allows 15 concurrent writes per user). Credentials are only ever
held as hashes here.

The windows are counted by the store's budgets (`sync.store.budgets`): this process's
own (`MemoryBudgets`, which forgets a limit once its requests have left its window: a run
of 20,000 pairs with credentials of their own keeps the windows of the pairs going), or,
with many processes or machines (`share_budgets`), the ones they all share; a run's
processes share only the credentials that more than one of its pairs names (a pair is
synced by one process: counting its own credentials here spares two SQLite transactions
a request).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from adapters.echoes import fingerprint
from sync.store.budgets import Budgets, MemoryBudgets, credential_key

MARGIN = 1.02
"""Windows are counted 2 % longer than published: a request is counted when it leaves
here and at the service when it arrives, a little later and not always in order."""


@dataclass(frozen=True)
class Limit:
    requests: int
    seconds: float

    def window(self) -> float:
        """The seconds counted: the published window, a little longer (`MARGIN`). Nothing
        more for a limit many pairs count at once (a Trello API key): a request counts
        until a window after its answer, so every request the service counts in its
        window is still counted here, in whatever order threads send them."""
        return self.seconds * MARGIN


_OWN = MemoryBudgets()
"""This process's windows."""
_SHARED: list[tuple[Budgets, frozenset[int] | None]] = []


def share_budgets(budgets: Budgets | None, only: frozenset[int] | None = None) -> None:
    """Count every limit in `budgets` from now on (None: in this process again); `only`:
    just the limits of these credentials (`credential_key`), the ones other processes of
    the run use too; the others' are counted here, at a fraction of the CPU."""
    _SHARED[:] = [(budgets, only)] if budgets is not None else []


_WRITES: weakref.WeakValueDictionary[str, threading.BoundedSemaphore] = (
    weakref.WeakValueDictionary()
)
"""Caps on writes in flight, each kept while a pacer holds it (no write is in flight on
one nobody holds)."""
_WRITES_LOCK = threading.Lock()


class Pacer:
    """The limits one target's requests count against; `wait()` before each request."""

    def __init__(
        self,
        service: str,
        limits: dict[str, Limit],
        writes_in_flight: int | None = None,
        *,
        from_pair_file: bool = False,
    ) -> None:
        """`limits`: credential (a secret; only its hash is kept) -> its limit, e.g. a
        Trello token's 100 / 10 s and its API key's 300 / 10 s. `from_pair_file`: each
        credential is a secret of the pair's file (`secrets_of`), which a run's parent
        process has counted, so one no other pair names is paced in this process alone
        (`share_budgets`); else (an account found by signing in) always with the run."""
        self._limits = [
            (
                fingerprint(service, credential, limit.requests, limit.seconds),
                limit,
                credential_key(credential) if from_pair_file else None,
            )
            for credential, limit in limits.items()
        ]
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
        is sent: it counts until a window after its answer came back."""
        shared, only = _SHARED[0] if _SHARED else (_OWN, None)
        with ExitStack() as slots:
            for name, limit, credential in self._limits:
                alone = only is not None and credential is not None and credential not in only
                counted = _OWN if alone else shared
                slots.enter_context(counted.slot(name, limit.requests, limit.window()))
            yield

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold one of the writes-in-flight slots (if capped) while a write is sent."""
        if self._writes is None:
            yield
            return
        with self._writes:
            yield
