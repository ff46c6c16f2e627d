"""Which pair syncs when, for `pairsync serve`: debounced, one sync per pair at a time.

A webhook or a button marks its pair due; the sync starts once the pair has been quiet
for `debounce` seconds (a burst of 20 events is one sync), or `max_delay` after the
first event of a burst that never goes quiet. A pair never syncs twice at once in this
process (`running`), nor alongside a cron `pairsync sync` (the same lock file: `run_pair`
takes it); a run that found the lock held is tried again a second later. Events that
arrive during a sync make one more sync after it. Syncs run on a small thread pool, so a
webhook is answered at once.

A chat click is queued per pair (`queue`) and applied in its turn like a sync: never
beside one of this process, and, while another process holds the lock, tried again
every second until it frees; then the pair syncs. A click is never dropped for a long
sync.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from sync.errors import LockHeld
from sync.run.pairs import PairResult, sync_lean
from sync.run.processes import adapter_modules, worker_processes
from sync.settings import process_settings

log = logging.getLogger("pairsync.serve")

LOCK_RETRY_SECONDS = 1.0


@dataclass
class _Due:
    first: float
    last: float
    event_at: float | None
    """When the earliest webhook of this burst arrived (None: a poll): the latency clock."""


@dataclass(frozen=True, slots=True)
class Finished:
    pair: str
    result: PairResult
    started: float
    ended: float
    """Both `time.time()`: shown on the status page."""
    event_at: float | None
    """`time.monotonic()` of the earliest webhook it answered, for the latency histogram."""


class SyncRequests(Protocol):
    """What serve asks of whoever runs its syncs: this process (`PairWorker`), or the job
    queue of many machines (`sync.jobs.deferrer.QueueDeferrer`)."""

    def request(self, pair: str, *, event: bool = True, delay: float | None = None) -> None: ...
    def queue(self, pair: str, click: Callable[[], None]) -> None: ...
    def poll_all(self) -> None: ...
    def waiting(self) -> int: ...
    def running(self) -> int: ...
    def stop(self) -> None: ...


class PairWorker:
    def __init__(
        self,
        paths: dict[str, Path],
        on_finished: Callable[[Finished], None],
        *,
        debounce: float = 0.5,
        max_delay: float = 5.0,
        workers: int = 4,
        processes: int = 1,
    ) -> None:
        """`processes` > 1: syncs run in that many worker processes (`--processes`), which
        share the rate budgets; clicks stay here."""
        self.paths = paths
        """Pair name -> its config file."""
        self.on_finished = on_finished
        self.debounce = debounce
        self.max_delay = max_delay
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sync")
        self._processes = ExitStack()
        self._in_processes: ProcessPoolExecutor | None = None
        if processes > 1:
            preload = adapter_modules(next(iter(paths.values()))) if paths else []
            pool = worker_processes(processes, preload)
            self._in_processes, _ = self._processes.enter_context(pool)
        self._due: dict[str, _Due] = {}
        self._running: set[str] = set()
        self._clicks: dict[str, list[Callable[[], None]]] = {}
        self._clicks_at: dict[str, float] = {}
        """When each pair's queued clicks are next tried."""
        self._stopping = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._dispatch, name="dispatch", daemon=True)
        self._thread.start()

    def request(self, pair: str, *, event: bool = True, delay: float | None = None) -> None:
        """Make `pair` due; `event` starts the latency clock (a webhook, a button),
        `delay` overrides the debounce (0: a poll, at once)."""
        now = time.monotonic()
        wait = self.debounce if delay is None else delay
        with self._wake:
            due = self._due.get(pair)
            if due is None:
                self._due[pair] = _Due(now, now + wait, now if event else None)
            else:
                due.last = max(due.last, now + wait) if delay is None else min(due.last, now + wait)
                if event and due.event_at is None:
                    due.event_at = now
            self._wake.notify()

    def queue(self, pair: str, click: Callable[[], None]) -> None:
        """Apply `click` (it raises `LockHeld` while another run holds the lock) as soon as
        no run of the pair is going, then sync the pair."""
        with self._wake:
            self._clicks.setdefault(pair, []).append(click)
            self._clicks_at.setdefault(pair, time.monotonic())
            self._wake.notify()

    def poll_all(self) -> None:
        for pair in self.paths:
            self.request(pair, event=False, delay=0)

    def waiting(self) -> int:
        """Pairs due for a sync that has not started."""
        with self._wake:
            return len(self._due)

    def running(self) -> int:
        with self._wake:
            return len(self._running)

    def stop(self) -> None:
        """Start no new sync; wait for the running ones to finish."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()
        self._pool.shutdown(wait=True)
        self._processes.close()
        for pair, clicks in self._clicks.items():  # the last ones, waiting for the lock
            for click in clicks:
                try:
                    with_lock_wait(click)
                except LockHeld as exc:
                    log.warning(
                        "%s: a chat click was not applied before serve stopped: %s", pair, exc
                    )

    # -- the dispatcher thread ------------------------------------------------------------
    def _dispatch(self) -> None:
        with self._wake:
            while not self._stopping:
                now = time.monotonic()
                ready = [
                    pair
                    for pair, due in self._due.items()
                    if pair not in self._running
                    and (now >= due.last or now >= due.first + self.max_delay)
                ]
                clicked = [
                    pair
                    for pair, at in self._clicks_at.items()
                    if pair not in self._running and now >= at
                ]
                for pair in clicked:
                    del self._clicks_at[pair]
                    self._running.add(pair)
                    self._pool.submit(self._apply_clicks, pair, self._clicks.pop(pair))
                ready = [pair for pair in ready if pair not in self._running]
                for pair in ready:
                    due = self._due.pop(pair)
                    self._running.add(pair)
                    self._pool.submit(self._sync, pair, due)
                waits = [
                    min(d.last, d.first + self.max_delay) - now
                    for p, d in self._due.items()
                    if p not in self._running
                ] + [at - now for p, at in self._clicks_at.items() if p not in self._running]
                self._wake.wait(timeout=max(0.01, min(waits, default=1.0)))

    def _apply_clicks(self, pair: str, clicks: list[Callable[[], None]]) -> None:
        """Apply the pair's queued clicks in order; those left when the lock is held wait
        for the next try."""
        left = list(clicks)
        while left:
            try:
                left[0]()
            except LockHeld:
                break
            except Exception:  # a click's bug must not stop the others, nor serve
                log.warning("%s: a chat click could not be applied", pair, exc_info=True)
            left.pop(0)
        with self._wake:
            self._running.discard(pair)
            if left:
                self._clicks[pair] = left + self._clicks.get(pair, [])
                self._clicks_at[pair] = time.monotonic() + LOCK_RETRY_SECONDS
            self._wake.notify()
        if len(left) < len(clicks):
            self.request(pair)

    def _sync(self, pair: str, due: _Due) -> None:
        started = time.time()
        try:
            if self._in_processes is None:
                result = sync_lean(self.paths[pair])
            else:
                result = self._in_processes.submit(sync_lean, self.paths[pair]).result()
        except BaseException:  # sync_lean reports every error; this is the last guard
            log.exception("%s: sync crashed", pair)
            result = PairResult(self.paths[pair], None, "internal error")
        with self._wake:
            self._running.discard(pair)
            if result.lock_held and not self._stopping:
                retry = self._due.setdefault(pair, due)
                retry.last = min(retry.last, time.monotonic() + LOCK_RETRY_SECONDS)
                if due.event_at is not None:
                    retry.event_at = due.event_at
            self._wake.notify()
        if not result.lock_held:
            self.on_finished(Finished(pair, result, started, time.time(), due.event_at))


def with_lock_wait(click: Callable[[], None]) -> None:
    """Try `click` for as long as a run waits for the lock ($PAIRSYNC_LOCK_WAIT)."""
    deadline = time.monotonic() + process_settings().lock_wait
    while True:
        try:
            click()
            return
        except LockHeld:
            if time.monotonic() >= deadline:
                raise
