"""Wall time of a first push under the service's real rate limit, against the least time
that limit allows: the requests the push needed (429 answers not counted) at the limit's
rate. Trello allows 100 requests per 10 s per token, Asana's free plan 150 per minute,
Notion an average of 3 per second per integration (90 per 30 s in the simulator).

The simulators run on a compressed clock so that the bench takes minutes, not the 20
minutes the real Asana limit would; measured and bound are both in simulated seconds.
The factor must leave the simulator idle part of the time (it validates every request
and answer against the OpenAPI description, some 10-20 ms each on one core): otherwise
the simulator, not the limit, sets the pace and the ratio says nothing about pairsync.
"""

from __future__ import annotations

from dataclasses import dataclass

from bench.rigs import TARGET, rig

SPEEDS = {"trello": 1.0, "asana": 6.0, "notion": 1.0}
"""Clock compression per simulator: Trello needs 10 requests/s, Asana 15, of simulators that
serve some 12-45 and 19-100 a second depending on the machine's other load (see
`Traffic.served_per_second`). Notion runs on a real clock, as its row was first measured."""


@dataclass(frozen=True)
class Paced:
    kind: str
    n: int
    speed: float
    limit: int
    window: float
    needed: int
    throttled: int
    real_seconds: float

    @property
    def seconds(self) -> float:
        """Simulated seconds: what the push would take against the real service."""
        return self.real_seconds * self.speed

    @property
    def bound(self) -> float:
        """The least simulated seconds the limit allows for the requests needed."""
        return self.needed * self.window / self.limit

    @property
    def demanded_per_second(self) -> float:
        """Real requests per second the limit lets through: what the simulator must serve."""
        return self.limit / self.window * self.speed


def measure(kind: str, n: int, speed: float | None = None) -> Paced:
    speed = speed or SPEEDS[kind]
    with rig(kind, speed) as bench_rig:
        assert bench_rig.sim is not None
        bench_rig.sim.app.validate = False  # the request rows check these same requests
        bench_rig.type_items(n)
        run = bench_rig.sync()
        assert bench_rig.sim is not None
        limiter = bench_rig.sim.app.limiter
    if run.summary.targets[TARGET].created != n:
        raise RuntimeError(f"{kind}: the paced push did not create {n} items")
    return Paced(
        kind,
        n,
        speed,
        limiter.limit,
        limiter.window,
        run.requests - run.throttled,
        run.throttled,
        run.seconds,
    )
