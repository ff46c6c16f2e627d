"""`GET /metrics` in the Prometheus text format, through prometheus_client, on a registry
of our own (so that two servers in one test process never share counters)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

from adapters.retry import Retriable, on_retriable
from sync.serve.worker import Finished


class Metrics:
    def __init__(self, waiting: Callable[[], int], running: Callable[[], int]) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # `*_created` doubles output
        self.registry = CollectorRegistry()
        r = self.registry
        self.runs = Counter("pairsync_runs", "Syncs of a pair", ["pair"], registry=r)
        self.failures = Counter(
            "pairsync_run_failures", "Syncs in which some target failed", ["pair"], registry=r
        )
        self.requests = Counter(
            "pairsync_requests", "HTTP requests to a tool", ["pair", "target"], registry=r
        )
        self.rate_limited = Counter(
            "pairsync_rate_limited", "429 answers from any tool (retried)", registry=r
        )
        self.deliveries = Counter(
            "pairsync_webhook_deliveries",
            "Webhook and button requests accepted",
            ["source"],
            registry=r,
        )
        self.rejections = Counter(
            "pairsync_webhook_rejections",
            "Webhook and button requests refused (bad signature, unknown pair, too large)",
            ["source", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "pairsync_event_to_synced_seconds",
            "From the first webhook of a burst to the end of the sync it caused",
            buckets=(0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300),
            registry=r,
        )
        Gauge(
            "pairsync_syncs_waiting", "Pairs due for a sync (debouncing)", registry=r
        ).set_function(waiting)
        Gauge("pairsync_syncs_running", "Syncs in progress", registry=r).set_function(running)
        on_retriable(self._retriable)

    def _retriable(self, exc: Retriable) -> None:
        if "429" in str(exc):
            self.rate_limited.inc()

    def finished(self, run: Finished, now: float) -> None:
        self.runs.labels(run.pair).inc()
        if not run.result.ok:
            self.failures.labels(run.pair).inc()
        if run.result.summary is not None:
            for target, summary in run.result.summary.targets.items():
                self.requests.labels(run.pair, target).inc(summary.requests)
        if run.event_at is not None:
            self.latency.observe(now - run.event_at)

    def text(self) -> bytes:
        return generate_latest(self.registry)
