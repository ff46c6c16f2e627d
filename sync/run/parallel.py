"""The targets of one pair, read and written at once: a sync takes about as long as its
slowest target, not the sum of them. Threads, because the client libraries (py-trello,
the asana SDK, requests) are synchronous and the work is waiting on the network; the
state database stays with the calling thread (SQLite connections are not shared), so
only the adapters' own work runs here and the caller records each result.

The threads are the process's (`TARGET_THREADS`, started as needed and kept): a pool
started and joined per pair and phase cost a quarter of a millisecond of CPU each time.
The calling thread works on the first target itself rather than wait: a hand-off to
another thread and back costs more CPU than a settled Markdown file's read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from typing import TypeVar

from adapters.base import Adapter

T = TypeVar("T")

TARGET_THREADS = 256
"""Targets read or written at once in a process: 16 pairs (`--workers`) of three targets
take 48; more pairs at once queue their targets here."""
_THREADS = ThreadPoolExecutor(TARGET_THREADS, thread_name_prefix="pairsync-target")


def each_target(
    adapters: Sequence[Adapter], work: Callable[[Adapter], T]
) -> Iterator[tuple[Adapter, T]]:
    """Run `work` on every adapter at once; yield (adapter, result) as each finishes. An
    exception in one is raised here once every other result was yielded, so the caller
    records what the others did."""
    if not adapters:
        return
    failed: BaseException | None = None
    futures = {_THREADS.submit(work, adapter): adapter for adapter in adapters[1:]}
    try:
        try:  # the first on this thread, which would only wait: one hand-off fewer
            first = work(adapters[0])
        except Exception as exc:  # raised below, after the others' results
            failed = exc
        else:
            yield adapters[0], first
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # raised below, after the others' results
                failed = failed or exc
                continue
            yield futures[future], result
    finally:
        wait(futures)  # a caller that stops early still finds every target's work done
    if failed is not None:
        raise failed
