"""Trello's penalty for a client that keeps knocking past its limit: more than 200
rejected requests of one API key in a 10-second window block the key (every token of it)
for the rest of that window, whatever its limits would allow by then. The window starts
at the oldest of those rejections; answers while blocked are not counted again."""

from __future__ import annotations

from adapters.simclock import RateLimiter, SimClock

BLOCK_AFTER = 200
"""Rejections of one key in one window that Trello still answers without a block."""


class KeyBlock:
    def __init__(self, window: float, clock: SimClock) -> None:
        self.clock = clock
        self._rejections = RateLimiter(BLOCK_AFTER, window, clock)
        self._until: dict[str, float] = {}

    def blocked(self, key: str) -> float:
        """Simulated seconds the key stays blocked (0: it is not)."""
        return max(self._until.get(key, 0.0) - self.clock.window_now(), 0.0)

    def rejected(self, key: str) -> None:
        """Count a 429 of the key; the 201st in one window blocks it for the rest of it."""
        rest = self._rejections.admit(key)  # a window already holding 200 admits no more
        if rest:
            self._until[key] = self.clock.window_now() + rest
