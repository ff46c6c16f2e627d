"""The targets of one pair, read at once: a settled sync takes about as long as its
slowest target, not the sum of them. Threads, because the client libraries (py-trello,
the asana SDK, requests) are synchronous and the work is waiting on the network; the
state database stays with the calling thread (SQLite connections are not shared), so
only the adapters' own work runs here and the caller records each result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import TypeVar

from adapters.base import Adapter

T = TypeVar("T")


def each_target(
    adapters: Sequence[Adapter], work: Callable[[Adapter], T]
) -> Iterator[tuple[Adapter, T]]:
    """Run `work` on every adapter at once; yield (adapter, result) as each finishes. An
    exception in one is raised here once the others have finished."""
    if len(adapters) < 2:
        yield from ((adapter, work(adapter)) for adapter in adapters)
        return
    with ThreadPoolExecutor(len(adapters), thread_name_prefix="pairsync-target") as pool:
        futures = {pool.submit(work, adapter): adapter for adapter in adapters}
        for future in as_completed(futures):
            yield futures[future], future.result()
