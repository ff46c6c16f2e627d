"""Rate budgets, the part of the pacing (`adapters.pacing`) that counts: every thread,
process or machine that shares a Trello API key or an Asana token takes its slots in one
place, so the key's published limit holds across all of them. Backends: `MemoryBudgets`
(the threads of one process), `sync.store.sqlite.budgets` (the processes of one machine,
one file) and `sync.store.postgres.budgets` (every machine, one database). A limit's name
is a hash, never the credential. Every backend counts a request from its take until a
window after its answer came back (`sync.store.sqlite.budgets` says why)."""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

STRANDED = 120.0
"""Seconds after its take that a request still in flight stops counting (its process
died): longer than any request's timeout."""
POLL = 0.05
"""Seconds between tries while every slot of a window is in flight."""


def credential_key(secret: str) -> int:
    """A credential as the processes of one run compare it (`adapters.pacing`): eight
    bytes of its hash, never the credential."""
    return int.from_bytes(hashlib.sha256(secret.encode()).digest()[:8], "big")


class Budgets(ABC):
    """The limits' windows; `take` blocks until the named limit has a free slot."""

    @abstractmethod
    def try_take(self, name: str, requests: int, seconds: float) -> tuple[float, int | None]:
        """Take a slot of the limit `name` (`requests` per `seconds`): (0, the slot's id for
        `landed`, or None where a slot counts from its take), or (the seconds until one may
        free, None): nothing taken."""

    def landed(self, slot: int) -> None:  # noqa: B027 - only backends with slot ids
        """The request of `slot` got its answer, or failed: it counts a window from now."""

    @abstractmethod
    def close(self) -> None: ...

    def take(self, name: str, requests: int, seconds: float) -> None:
        """Block until the limit has a free slot and take it, counted from now."""
        with self.slot(name, requests, seconds):
            pass

    @contextmanager
    def slot(self, name: str, requests: int, seconds: float) -> Iterator[None]:
        """Block until the limit has a free slot, take it and hold it while one request
        is on its way: a backend with slot ids counts it until its answer came back."""
        while True:
            wait, taken = self.try_take(name, requests, seconds)
            if wait <= 0:
                break
            time.sleep(min(wait, seconds))
        try:
            yield
        finally:
            if taken is not None:
                self.landed(taken)


SWEEP_EVERY = 1024
"""Takes between two sweeps of every limit's window (`MemoryBudgets`)."""


class MemoryBudgets(Budgets):
    """The limits of one process's threads. A limit whose requests have all left its
    window is forgotten (it would count nothing): a run of 20,000 pairs with credentials
    of their own keeps the windows of the pairs going, not 60,000."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taken: dict[str, dict[int, tuple[float, bool]]] = {}
        """Limit -> slot -> (its take, or its answer once landed; still in flight)."""
        self._windows: dict[str, float] = {}
        self._names: dict[int, str] = {}
        self._ids = itertools.count(1)
        self._takes = 0

    def try_take(self, name: str, requests: int, seconds: float) -> tuple[float, int | None]:
        with self._lock:
            now = time.monotonic()
            self._takes += 1
            if self._takes % SWEEP_EVERY == 0:
                for other in list(self._taken):
                    self._counted(other, now, self._windows[other])
            slots = self._taken.get(name, {})
            if len(slots) >= requests:  # full as counted before: count again
                slots = self._counted(name, now, seconds)
            if len(slots) < requests:
                slot = next(self._ids)
                slots[slot] = (now, True)
                self._taken[name], self._windows[name], self._names[slot] = slots, seconds, name
                return 0.0, slot
            landed = [at for at, flying in slots.values() if not flying]
            return (max(min(landed) + seconds - now, POLL) if landed else POLL), None

    def _counted(self, name: str, now: float, seconds: float) -> dict[int, tuple[float, bool]]:
        """The slots of `name` that still count; the limit forgotten if none does."""
        kept = self._taken.get(name, {})
        slots = {
            slot: (at, flying)
            for slot, (at, flying) in kept.items()
            if at > now - (STRANDED if flying else seconds)
        }
        for slot in kept.keys() - slots.keys():
            del self._names[slot]
        if slots:
            self._taken[name] = slots
        else:
            self._taken.pop(name, None)
            self._windows.pop(name, None)
        return slots

    def landed(self, slot: int) -> None:
        with self._lock:
            name = self._names.get(slot)
            if name is not None:
                self._taken[name][slot] = (time.monotonic(), False)

    def close(self) -> None:
        """Nothing to close: the windows are this process's memory."""
