"""When each pair is due, spread over the period: pure.

A pair's syncs fall at the same offset into every period (a stable hash of its name),
so 100,000 pairs every 15 minutes arrive at about 111 a second, never all at minute 0,
and each pair keeps a steady rhythm whichever worker defers it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def offset(pair: str, period: float) -> float:
    """Seconds into every period at which `pair` is due."""
    digest = int.from_bytes(hashlib.sha256(pair.encode()).digest()[:8], "big")
    return (digest % 1_000_000) / 1_000_000 * period


def due_between(
    pairs: Iterable[str], start: float, end: float, period: float
) -> list[tuple[str, float]]:
    """The pairs due in [start, end) (epoch seconds), each once, at its first due moment."""
    found = []
    for pair in pairs:
        at = start + (offset(pair, period) - start) % period
        if at < end:
            found.append((pair, at))
    return sorted(found, key=lambda due: due[1])
