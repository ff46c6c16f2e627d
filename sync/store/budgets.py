"""Rate budgets counted outside one process, the part of the pacing (`adapters.pacing`)
that the store keeps: every process or machine that shares a Trello API key or an Asana
token takes its slots here, so the key's published limit holds across all of them.
Backends: `sync.store.sqlite.budgets` (the processes of one machine, one file) and
`sync.store.postgres.budgets` (every machine, one database). A limit's name is a hash,
never the credential."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod


class Budgets(ABC):
    """The limits' windows; `take` blocks until the named limit has a free slot."""

    @abstractmethod
    def try_take(self, name: str, requests: int, seconds: float) -> float:
        """Take a slot of the limit `name` (`requests` per `seconds`): 0, or the seconds
        until one frees (nothing taken)."""

    @abstractmethod
    def close(self) -> None: ...

    def take(self, name: str, requests: int, seconds: float) -> None:
        while True:
            wait = self.try_take(name, requests, seconds)
            if wait <= 0:
                return
            time.sleep(min(wait, seconds))
