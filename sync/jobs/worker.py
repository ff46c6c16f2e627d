"""`pairsync worker`: take the pairs' syncs from the queue until SIGTERM or Ctrl-C, which
start no new sync, let the running ones finish, and return (exit 0).

Every worker on every machine has the same pair files (`--config-dir`); the queue says
which pair to sync, procrastinate's lock makes it one worker's at a time, and the
rate budgets of shared keys are counted in the database for all of them.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

from adapters import machine_budgets
from sync.jobs.queue import PairFiles, worker_app
from sync.run.pairs import PairResult
from sync.serve.run import pair_paths
from sync.settings import process_settings
from sync.store import pgschema


def run_worker(
    url: str,
    directory: Path,
    *,
    concurrency: int,
    every_seconds: int,
    every: str,
    report: Callable[[PairResult], None],
    say: Callable[[str], None],
) -> None:
    paths = pair_paths(directory)  # every file must load: ConfigError, exit 2
    pgschema.require_current(url, queue=True)
    settings = process_settings()
    machine_budgets.join_database(url)
    pairs = PairFiles(lambda: pair_paths(directory), report, paths)
    app = worker_app(url, pairs, every_seconds, settings.worker_stalled_after, concurrency)
    say(
        f"pairsync worker: {len(paths)} pair{'' if len(paths) == 1 else 's'} from "
        f"{directory}, {concurrency} at a time, each every {every}; "
        f"jobs from {pgschema.where(url)}"
    )
    try:
        app.run_worker(
            concurrency=concurrency,
            name=f"{socket.gethostname()}:{os.getpid()}",
            update_heartbeat_interval=settings.worker_heartbeat,
            stalled_worker_timeout=settings.worker_stalled_after,
            delete_jobs="successful",
        )
    finally:
        machine_budgets.leave_database()
    say("pairsync worker: stopped; every running sync finished")
