"""The job queue in PostgreSQL (procrastinate) and its tasks.

Why procrastinate: its `lock` runs one sync per pair at a time on every machine, its
`queueing_lock` keeps at most one more waiting (so 20 webhook events during a sync make
one more sync, not 20), `schedule_in` folds a burst into that one, its periodic tasks are
deferred once per tick across all workers, and its workers' heartbeats tell which jobs a
dead machine left behind. The database holding the state is then the only service to run.

Tasks:
- `pairsync.sync_pair(pair)`: one sync of one pair (`sync_lean`, as a `--config-dir` run
  syncs each of its pairs: its secrets forgotten after).
- `pairsync.click(pair, item_id, action, user)`: a Slack button pressed (serve verified
  it), applied under the pair's job lock, so never beside a sync of the pair; then a sync.
- `pairsync.tick(timestamp)`: every `TICK_SECONDS`, defers the pairs due in the next tick
  (`sync.jobs.due`), and puts back in the queue the jobs of workers that stopped beating.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from procrastinate import App, JobContext, PsycopgConnector, exceptions
from procrastinate.jobs import Status

from adapters.slack.actions import Click, apply_click
from sync.config import load_config
from sync.errors import LockHeld, PairsyncError
from sync.jobs.due import due_between
from sync.run.pairs import PairResult, sync_lean

log = logging.getLogger("pairsync.worker")

SYNC_TASK = "pairsync.sync_pair"
CLICK_TASK = "pairsync.click"
TICK_TASK = "pairsync.tick"
TICK_SECONDS = 5
"""How often the periodic tick runs (a divisor of 60: cron's seconds column)."""
BURST_SECONDS = 2.0
"""A webhook's or a button's sync waits this long, so the rest of a burst joins it."""
LOCK_RETRY_SECONDS = 1.0


def queue_app(url: str, connections: int = 4) -> App:
    """An app that can defer jobs (serve, the tests); `worker_app` also runs them."""
    return App(connector=PsycopgConnector(conninfo=url, min_size=1, max_size=connections))


def _sync_job(app: App, pair: str, at: dt.datetime | None, delay: float) -> Any:
    key = f"pair:{pair}"
    if at is not None:
        return app.configure_task(SYNC_TASK, lock=key, queueing_lock=key, schedule_at=at)
    return app.configure_task(
        SYNC_TASK, lock=key, queueing_lock=key, schedule_in={"seconds": delay}
    )


def defer_sync(app: App, pair: str, delay: float = BURST_SECONDS) -> bool:
    """Queue a sync of `pair` in `delay` seconds; False when one is waiting already
    (it will see this change too)."""
    try:
        _sync_job(app, pair, None, delay).defer(pair=pair)
    except exceptions.AlreadyEnqueued:
        return False
    return True


async def defer_sync_async(app: App, pair: str, at: dt.datetime | None = None) -> bool:
    try:
        await _sync_job(app, pair, at, 0).defer_async(pair=pair)
    except exceptions.AlreadyEnqueued:
        return False
    return True


def defer_click(app: App, click: Click, delay: float = 0) -> None:
    """Queue a verified click; every click is applied (no queueing lock)."""
    key = f"pair:{click.pair}"
    job = app.configure_task(CLICK_TASK, lock=key, schedule_in={"seconds": delay})
    job.defer(pair=click.pair, item_id=click.item_id, action=click.action, user=click.user)


@dataclass
class PairFiles:
    """The pairs a worker knows: name -> file, re-read when a name is missing (a pair
    file added on this machine after the worker started)."""

    load: Callable[[], dict[str, Path]]
    report: Callable[[PairResult], None]
    paths: dict[str, Path] = field(default_factory=dict)

    def path(self, pair: str) -> Path | None:
        if pair not in self.paths:
            self.paths = self.load()
        return self.paths.get(pair)


def worker_app(
    url: str, pairs: PairFiles, every_seconds: float, stalled_seconds: float, concurrency: int
) -> App:
    """The app of `pairsync worker`: the queue, with the sync and tick tasks."""
    app = queue_app(url, connections=concurrency + 4)

    @app.task(name=SYNC_TASK, pass_context=True)
    def sync_pair(context: JobContext, pair: str) -> None:
        path = pairs.path(pair)
        if path is None:
            log.warning("%s: no pair file of that name in this worker's --config-dir", pair)
            return
        result = sync_lean(path)
        if result.lock_held:  # a cron `pairsync sync` of the pair on this machine
            defer_sync(app, pair, LOCK_RETRY_SECONDS)
            return
        pairs.report(result)

    @app.task(name=CLICK_TASK, pass_context=True)
    def click(context: JobContext, pair: str, item_id: str, action: str, user: str) -> None:
        path = pairs.path(pair)
        if path is None:
            log.warning("%s: no pair file of that name in this worker's --config-dir", pair)
            return
        click = Click(pair, item_id, action, user)
        try:
            apply_click(load_config(path), click)
        except LockHeld:  # a cron `pairsync sync` of the pair: the click waits its turn
            defer_click(app, click, LOCK_RETRY_SECONDS)
            return
        except PairsyncError as exc:
            log.warning("slack %s: button %s by %s not applied: %s", pair, action, user, exc)
            return
        pairs.report(sync_lean(path))

    @app.periodic(cron=f"* * * * * */{TICK_SECONDS}")
    @app.task(name=TICK_TASK, queueing_lock=TICK_TASK)
    async def tick(timestamp: int) -> None:
        names = list(pairs.load())
        for pair, at in due_between(names, timestamp, timestamp + TICK_SECONDS, every_seconds):
            await defer_sync_async(app, pair, dt.datetime.fromtimestamp(at, dt.UTC))
        await requeue_stalled(app, stalled_seconds)

    del sync_pair, click, tick  # registered on the app
    return app


async def requeue_stalled(app: App, stalled_seconds: float) -> None:
    """Put back in the queue the syncs of workers that stopped beating (killed, or their
    machine gone); when the pair has a sync waiting already, that one will do."""
    manager = app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_seconds):
        pair = job.task_kwargs.get("pair", "?")
        try:
            await manager.retry_job(job)
            log.warning("%s: its worker stopped mid-sync; the sync is queued again", pair)
        except exceptions.ConnectorException:
            await manager.finish_job(job, status=Status.FAILED, delete_job=False)
            log.warning("%s: its worker stopped mid-sync; the sync waiting will do", pair)
