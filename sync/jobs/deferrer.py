"""`pairsync serve` with a database: a verified webhook defers its pair's sync to the job
queue (`BURST_SECONDS` later, so the rest of a burst joins it), and a verified Slack click
a job of its own, instead of syncing in serve's own process; `pairsync worker` processes
run them. Polling is the workers' periodic tick, so serve polls nothing itself.

Deferring is a database round trip: a thread does it, so a webhook is answered at once.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from procrastinate import exceptions

from adapters.slack.actions import Click, PendingClick
from sync.jobs.queue import BURST_SECONDS, SYNC_TASK, defer_click, defer_sync, queue_app

log = logging.getLogger("pairsync.serve")


class QueueDeferrer:
    """What `Service` asks of its worker (`request`, `poll_all`, `waiting`, `running`,
    `stop`), answered by the job queue."""

    def __init__(self, url: str) -> None:
        self.app = queue_app(url)
        self.app.open()
        self._asks: queue.SimpleQueue[str | Click | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._defer, name="defer", daemon=True)
        self._thread.start()

    def request(self, pair: str, *, event: bool = True, delay: float | None = None) -> None:
        self._asks.put(pair)

    def queue(self, pair: str, click: Callable[[], None]) -> None:
        """A verified Slack click: a job of its own (`pairsync.click`) when it is one of
        ours, applied by a worker when no sync of the pair runs."""
        if isinstance(click, PendingClick):
            self._asks.put(click.click)
        else:
            self._asks.put(pair)

    def poll_all(self) -> None:
        """The workers' tick polls every pair; nothing to do here."""

    def waiting(self) -> int:
        return self._count("todo")

    def running(self) -> int:
        return self._count("doing")

    def _count(self, status: str) -> int:
        try:
            queues = self.app.job_manager.list_queues(task=SYNC_TASK, status=status)
        except exceptions.ConnectorException:
            return 0
        return sum(int(found[status]) for found in queues)

    def stop(self) -> None:
        self._asks.put(None)
        self._thread.join()
        self.app.close()

    def _defer(self) -> None:
        while (ask := self._asks.get()) is not None:
            try:
                if isinstance(ask, Click):
                    defer_click(self.app, ask)
                else:
                    defer_sync(self.app, ask, BURST_SECONDS)
            except exceptions.ConnectorException as exc:
                log.warning("%s: could not queue it (%s)", ask, exc)
