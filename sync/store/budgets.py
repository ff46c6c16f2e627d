"""Rate budgets counted outside one process, the part of the pacing (`adapters.pacing`)
that the store keeps: every process or machine that shares a Trello API key or an Asana
token takes its slots here, so the key's published limit holds across all of them.
Backends: `sync.store.sqlite.budgets` (the processes of one machine, one file) and
`sync.store.postgres.budgets` (every machine, one database). A limit's name is a hash,
never the credential."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager

STRANDED = 120.0
"""Seconds after its take that a request still in flight stops counting (its process
died): longer than any request's timeout."""
POLL = 0.05
"""Seconds between tries while every slot of a window is in flight."""


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
