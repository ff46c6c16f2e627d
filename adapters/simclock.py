"""The simulators' clock, which can run faster than real time for rate-limit windows only,
and the sliding-window rate limiter that counts requests against it."""

from __future__ import annotations

import threading
import time
from collections import deque


class SimClock:
    """The simulator's two clocks. Timestamps on data (`now`) follow real time plus an
    offset a test may set, and never repeat (each reading is at least 1 ms after the last,
    as versions built from them must change on every write). Only the rate-limit window
    (`window_now`) runs `speed` times faster, so a test or bench waits out a 10-second or
    one-minute window in a fraction of it, while ages and due dates do not drift with the
    speed of the machine."""

    def __init__(self, speed: float = 1.0) -> None:
        self.speed = speed
        self._real_start = time.monotonic()
        self._sim_start = time.time()
        self.offset = 0.0
        self._last = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, in simulated time."""
        with self._lock:
            reading = max(self._sim_start + self._elapsed() + self.offset, self._last + 0.001)
            self._last = reading
            return reading

    def window_now(self) -> float:
        """The rate-limit window's clock: real time compressed by `speed`."""
        return self._sim_start + self._elapsed() * self.speed + self.offset

    def _elapsed(self) -> float:
        return time.monotonic() - self._real_start

    def to_real(self, sim_seconds: float) -> float:
        return sim_seconds / self.speed


class RateLimiter:
    """At most `limit` requests per `window` simulated seconds per key (a sliding window)."""

    def __init__(self, limit: int, window: float, clock: SimClock) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self.busiest: dict[str, int] = {}
        """The most requests one window of each key has held (the bench reports it)."""

    def admit(self, key: str) -> float:
        """Record a request; return 0 if admitted, else the simulated seconds to wait."""
        with self._lock:
            now = self.clock.window_now()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return hits[0] + self.window - now
            hits.append(now)
            self.busiest[key] = max(self.busiest.get(key, 0), len(hits))
            return 0.0

    def wait(self, key: str) -> float:
        """The simulated seconds until `key` has a free slot (0: now), recording nothing."""
        with self._lock:
            now = self.clock.window_now()
            hits = [t for t in self._hits.get(key, ()) if t > now - self.window]
            return hits[-self.limit] + self.window - now if len(hits) >= self.limit else 0.0

    def remaining(self, key: str) -> int:
        with self._lock:
            now = self.clock.window_now()
            hits = self._hits.get(key, deque())
            return self.limit - sum(1 for t in hits if t > now - self.window)
