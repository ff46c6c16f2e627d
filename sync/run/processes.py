"""Pairs on every core (`--processes N`): a `--config-dir` run's pairs in slices, each
slice synced by one of N worker processes on its own thread pool.

One process holds one core (the GIL), and a settled pair costs a few milliseconds of
CPU, so thousands of pairs are CPU-bound long before they are network-bound. The
workers are forked from a fork server (`multiprocessing`'s forkserver): a fresh
interpreter started from this one, never a copy of it, so no thread, lock, connection or
SQLite handle of this process is inherited, as with spawn; but the server imports what a
pair's sync needs once (`PRELOAD`, the adapters of the pairs' target types) and every
worker shares those pages until it writes them, where spawned workers imported
everything again (about 50 MiB each). Workers share one thing more, the rate budgets: a
SQLite file in a temporary folder (`adapters.machine_budgets`), so a Trello API key or an
Asana token used by pairs in several processes stays under its published limit. SIGINT
and SIGTERM are the parent's to handle: it tells the workers to start no new pair, and
they finish the ones going.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import TypeVar

import tomli

from adapters import TARGET_TYPES, machine_budgets
from sync.logs import configure_logging, logging_options

R = TypeVar("R")
T = TypeVar("T")

SLICES_PER_PROCESS = 8
"""Slices handed to each process: enough that one slow slice does not leave a core idle
at the end, few enough that each slice keeps its threads busy."""
MAX_SLICE = 500
PRELOAD = ("__main__", "sync.run.pairs")
"""What the fork server imports for every worker: the command line's module (else each
worker would import it again as `__mp_main__`) and the sync of a pair."""

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


def adapter_modules(pair_file: Path) -> list[str]:
    """The modules of the adapters a pair file's targets use, for the fork server to
    import (`worker_processes`); none for a file that does not parse: its pair's own sync
    says what is wrong with it."""
    try:
        targets = tomli.loads(pair_file.read_text(encoding="utf-8")).get("targets", [])
        kinds = {str(target.get("type")) for target in targets if isinstance(target, dict)}
    except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError, AttributeError):
        return []
    known = sorted(kinds & TARGET_TYPES.keys())
    return [TARGET_TYPES[kind].adapter.partition(":")[0] for kind in known]


def stopping() -> bool:
    """In a worker process: the parent asked to start no new pair."""
    return bool(_stop) and _stop[0].is_set()


def in_processes(
    items: Sequence[T],
    work: Callable[[list[T]], R],
    failed: Callable[[list[T], str], R],
    processes: int,
    should_stop: Callable[[], bool],
    on_done: Callable[[int], None],
    shared: frozenset[int] | None = None,
    preload: Sequence[str] = (),
) -> list[R]:
    """`work` on slices of `items` (pair files and what goes with them) in `processes`
    worker processes: a result per slice, in the order of `items`. `on_done(n)` as each
    slice finishes; a slice whose process died gives `failed(slice, reason)` (the others'
    results stand). The workers start with the modules `preload` (`adapter_modules`)
    imported; `shared`: the credentials several pairs use (`machine_budgets.join`; None:
    any may be)."""
    size = max(1, min(MAX_SLICE, len(items) // (processes * SLICES_PER_PROCESS)))
    slices = [list(items[i : i + size]) for i in range(0, len(items), size)]
    with worker_processes(processes, preload, shared) as (pool, stop):
        futures = [pool.submit(work, part) for part in slices]
        sizes = {future: len(part) for future, part in zip(futures, slices, strict=True)}
        pending: set[Future[R]] = set(futures)
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
            results.append(future.result())
        else:
            reason = f"internal error: a worker process died ({type(error).__name__})"
            results.append(failed(part, reason))
    return results


@contextmanager
def worker_processes(
    processes: int, preload: Sequence[str] = (), shared: frozenset[int] | None = None
) -> Iterator[tuple[ProcessPoolExecutor, Event]]:
    """`processes` workers sharing one budgets file (for the credentials in `shared`;
    None: all), forked from a fork server that imported `PRELOAD` and `preload` (modules),
    and the event that tells them to start no new pair (`stopping`); on exit, waits for
    the work given to them."""
    with _fork_server(preload) as context:
        stop = context.Event()
        with tempfile.TemporaryDirectory(prefix="pairsync-budgets-") as folder:
            path = Path(folder) / "budgets.sqlite"
            start = (path, processes, shared, stop, logging_options(), dict(os.environ))
            with ProcessPoolExecutor(processes, context, _start, start) as pool:
                yield pool, stop


_servers_in_use = [0]
_servers_lock = threading.Lock()


@contextmanager
def _fork_server(preload: Sequence[str]) -> Iterator[BaseContext]:
    """The fork server's context (spawn where there is none), its server stopped when
    the last pool using it has closed: between two runs of `pairsync run` it holds no
    memory, and the workers' CPU time is counted as this process's children's (the
    server reaps them; this process reaps the server)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        yield multiprocessing.get_context("spawn")
        return
    context = multiprocessing.get_context("forkserver")
    with _servers_lock:
        if not _servers_in_use[0]:
            context.set_forkserver_preload([*PRELOAD, *preload])
        _servers_in_use[0] += 1
    try:
        yield context
    finally:
        with _servers_lock:
            _servers_in_use[0] -= 1
            if not _servers_in_use[0]:
                # The one way to stop it (Python's own tests use it); if it is gone, the
                # server ends with this process instead.
                getattr(forkserver._forkserver, "_stop", lambda: None)()


def _start(
    budgets: Path,
    processes: int,
    shared: frozenset[int] | None,
    stop: Event,
    logs: tuple[bool, bool],
    environ: dict[str, str],
) -> None:
    """A worker process's set-up: the fork server's imports left out of the collector's
    scans (`gc.freeze`: they are never garbage, and a scan would write to every shared
    page), this process's environment as the parent has it now (the server's dates from
    its start), the parent's logging, the shared budgets, and signals left to the
    parent."""
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(environ)
    configure_logging(*logs)
    logging.getLogger("pairsync").debug("worker process %d started", os.getpid())
    machine_budgets.join(budgets, processes, shared)
    _stop[:] = [stop]
