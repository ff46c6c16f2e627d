"""A per-pair lock file beside the state database, so overlapping cron runs never interleave."""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sync.errors import LockHeld, StateUnavailable
from sync.settings import process_settings

log = logging.getLogger("pairsync")


@contextmanager
def pair_lock(state_path: Path, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold `<state>.lock`; wait up to `wait_seconds` (default: $PAIRSYNC_LOCK_WAIT or 10)
    for another run of the same pair, then give up."""
    if wait_seconds is None:
        wait_seconds = process_settings().lock_wait
    lock_path = Path(os.path.normpath(state_path.with_name(state_path.name + ".lock")))
    try:
        lock_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateUnavailable(
            f"{lock_path}: cannot create the lock file: {exc.strerror}"
        ) from None
    try:
        deadline = time.monotonic() + wait_seconds
        waiting = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not waiting:
                    log.info("%s: another run of this pair holds the lock; waiting", lock_path)
                    waiting = True
                if time.monotonic() >= deadline:
                    raise LockHeld(
                        f"{lock_path}: another pairsync run of this pair is still going; "
                        "this run gave up after waiting "
                        f"{wait_seconds:g} s (the next scheduled run will catch up)"
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)
