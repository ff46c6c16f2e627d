"""Webhook delivery for the simulators, as the services do it: a background thread sends
what happened since the last delivery to each registered callback, in real HTTP, with
the service's signature; a failed delivery is tried again a little later, a few times.

Fault switches (`HookFaults`, also `POST /_sim/hook_faults` with their names):
`drop_next` deliveries are lost (as Asana's at-most-once delivery may lose one),
`drop_all` loses every one, `delay_seconds` holds each before it is sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

log = logging.getLogger("pairsync.sim")

TICK_SECONDS = 0.05
RETRY_SECONDS = 1.0
ATTEMPTS = 3


@dataclass
class HookFaults:
    drop_next: int = 0
    drop_all: bool = False
    delay_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One POST to make: to `url`, with `headers` (the signature) and `body`."""

    url: str
    headers: dict[str, str]
    body: bytes


@dataclass
class DeliveryLog:
    sent: int = 0
    dropped: int = 0
    failed: int = 0
    statuses: list[int] = field(default_factory=list)


class Deliverer:
    """Calls `collect()` every tick (it returns what is due and moves its cursors), and
    sends each `Outgoing` in order, off the simulator's lock."""

    def __init__(self, collect: Callable[[], list[Outgoing]]) -> None:
        self.collect = collect
        self.faults = HookFaults()
        self.log = DeliveryLog()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sim-hooks", daemon=True)
        self._http = requests.Session()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._http.close()

    def _loop(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            for outgoing in self.collect():
                if self.faults.drop_all or self.faults.drop_next > 0:
                    self.faults.drop_next = max(0, self.faults.drop_next - 1)
                    self.log.dropped += 1
                    continue
                if self.faults.delay_seconds and self._stop.wait(self.faults.delay_seconds):
                    return
                self._send(outgoing)

    def _send(self, outgoing: Outgoing) -> None:
        for attempt in range(ATTEMPTS):
            try:
                answer = self._http.post(
                    outgoing.url, data=outgoing.body, headers=outgoing.headers, timeout=10
                )
                self.log.statuses.append(answer.status_code)
                if answer.status_code < 300:
                    self.log.sent += 1
                    return
            except requests.RequestException as exc:
                log.debug("webhook delivery to %s failed: %s", outgoing.url, exc)
            if attempt + 1 < ATTEMPTS and self._stop.wait(RETRY_SECONDS):
                return
        self.log.failed += 1

    def check(
        self, method: str, url: str, headers: dict[str, str] | None = None, timeout: float = 5.0
    ) -> requests.Response | None:
        """A request made while a webhook is created (Trello's HEAD, Asana's handshake);
        None when the callback cannot be reached in `timeout` seconds."""
        try:
            return requests.request(method, url, headers=headers, data=b"", timeout=timeout)
        except requests.RequestException:
            return None
