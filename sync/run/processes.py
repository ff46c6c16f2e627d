"""Pairs on every core (`--processes N`): a `--config-dir` run's pairs in slices, each
slice synced by one of N worker processes on its own thread pool.

One process holds one core (the GIL), and a settled pair costs a few milliseconds of
CPU, so thousands of pairs are CPU-bound long before they are network-bound. The
processes are spawned (a fresh interpreter: no thread, lock or connection of this one
is inherited) and share one thing, the rate budgets: a SQLite file in a temporary
folder (`adapters.machine_budgets`), so a Trello API key or an Asana token used by pairs
in several processes stays under its published limit. SIGINT and SIGTERM are the parent's
to handle: it tells the workers to start no new pair, and they finish the ones going.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import signal
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import TypeVar

from adapters import machine_budgets
from sync.logs import configure_logging, logging_options

R = TypeVar("R")

SLICES_PER_PROCESS = 8
"""Slices handed to each process: enough that one slow slice does not leave a core idle
at the end, few enough that each slice keeps its threads busy."""
MAX_SLICE = 500

_stop: list[Event] = []
"""In a worker process: set when the parent was told to stop."""


def cores() -> int:
    """The cores this process may run on (the default of `--processes`)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def processes_for(pairs: int, workers: int, asked: int) -> int:
    """How many processes `pairs` need: one while a process's `workers` threads can take
    every pair at once (a small directory, and every test, stays in this process), else
    at most `asked`."""
    return max(1, min(asked, math.ceil(pairs / workers)))


def stopping() -> bool:
    """In a worker process: the parent asked to start no new pair."""
    return bool(_stop) and _stop[0].is_set()


def in_processes(
    items: Sequence[Path],
    work: Callable[[list[Path]], list[R]],
    failed: Callable[[Path, str], R],
    processes: int,
    should_stop: Callable[[], bool],
    on_done: Callable[[int], None],
) -> list[R]:
    """`work` on slices of `items` in `processes` worker processes; results in the order
    of `items`. `on_done(n)` as each slice finishes; a slice whose process died gives
    `failed(item, reason)` for each of its items (the others' results stand)."""
    size = max(1, min(MAX_SLICE, len(items) // (processes * SLICES_PER_PROCESS)))
    slices = [list(items[i : i + size]) for i in range(0, len(items), size)]
    with worker_processes(processes) as (pool, stop):
        futures = [pool.submit(work, part) for part in slices]
        sizes = {future: len(part) for future, part in zip(futures, slices, strict=True)}
        pending: set[Future[list[R]]] = set(futures)
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                on_done(sizes[future])
            if should_stop():
                stop.set()
    results: list[R] = []
    for part, future in zip(slices, futures, strict=True):
        error = future.exception()
        if error is None:
            results += future.result()
        else:
            reason = f"internal error: a worker process died ({type(error).__name__})"
            results += [failed(item, reason) for item in part]
    return results


@contextmanager
def worker_processes(processes: int) -> Iterator[tuple[ProcessPoolExecutor, Event]]:
    """`processes` spawned workers sharing one budgets file, and the event that tells them
    to start no new pair (`stopping`); on exit, waits for the work given to them."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    with tempfile.TemporaryDirectory(prefix="pairsync-budgets-") as folder:
        start = (Path(folder) / "budgets.sqlite", processes, stop, logging_options())
        with ProcessPoolExecutor(processes, context, _start, start) as pool:
            yield pool, stop


def _start(budgets: Path, processes: int, stop: Event, logs: tuple[bool, bool]) -> None:
    """A worker process's set-up: the parent's logging, the shared budgets, and signals
    left to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(*logs)
    logging.getLogger("pairsync").debug("worker process %d started", os.getpid())
    machine_budgets.join(budgets, processes)
    _stop[:] = [stop]
