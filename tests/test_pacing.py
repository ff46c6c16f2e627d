"""Pacing across the pairs of a long run: a key's window still counts the requests of
pairs that are done (their pacers collected, their buckets swept from memory)."""

from __future__ import annotations

import time

from adapters.pacing import Limit, Pacer
from sync.store.budgets import SWEEP_EVERY


def test_a_pair_after_the_last_one_on_its_key_still_waits_for_the_keys_window() -> None:
    limit = Limit(2, 1.0)
    sent = time.monotonic()
    done = Pacer("test-window", {"key-a": limit})
    done.wait()
    done.wait()
    del done
    for other in range(SWEEP_EVERY + 1):  # other pairs come and go: their windows are swept
        Pacer("test-window", {f"key-{other}": limit}).wait()
    Pacer("test-window", {"key-a": limit}).wait()
    assert time.monotonic() >= sent + 1.0  # the first pair's two requests still counted
