"""Trello's penalty for a client that keeps knocking past its limit: more than 200
rejected requests of one API key in a 10-second window block the key (every token of it)
for the rest of that window, whatever its limits would allow by then. The window starts
at the oldest of those rejections; answers while blocked are not counted again."""

from __future__ import annotations

import threading
from collections import deque

from adapters.simkit import SimClock

BLOCK_AFTER = 200
"""Rejections of one key in one window that Trello still answers without a block."""


class KeyBlock:
    def __init__(self, window: float, clock: SimClock) -> None:
        self.window = window
        self.clock = clock
        self._rejected: dict[str, deque[float]] = {}
        self._until: dict[str, float] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> float:
        """Simulated seconds the key stays blocked (0: it is not)."""
        with self._lock:
            return max(self._until.get(key, 0.0) - self.clock.window_now(), 0.0)

    def rejected(self, key: str) -> None:
        """Count a 429 of the key; the 201st in one window blocks it for the rest of it."""
        with self._lock:
            now = self.clock.window_now()
            times = self._rejected.setdefault(key, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            times.append(now)
            if len(times) > BLOCK_AFTER:
                self._until[key] = times[0] + self.window
                times.clear()
