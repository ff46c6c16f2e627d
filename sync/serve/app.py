"""The HTTP face of `pairsync serve`, on Starlette (served by uvicorn).

Why Starlette + uvicorn: both are maintained, small, typed, and do the HTTP parts we
must not hand-write (parsing, keep-alive, graceful shutdown on SIGTERM, streaming the
body so an oversized one is refused without reading it all); Starlette's routing and
Jinja2 templates are all a status page needs. The work itself is synchronous (the client
libraries are), so it runs on the worker's threads and the event loop only answers.

Routes: `HEAD|POST /hooks/<pair>/<target>` (Trello, Asana), `POST /slack/actions`,
`GET /` (status page), `GET /pairs/<pair>/agenda`, `GET /healthz`, `GET /metrics`. The
page, the agenda and the metrics are for this machine alone, or for whoever has the token
(`sync.serve.access`); the webhooks and Slack carry their own signatures. Every refused
request is one WARNING line and a count in /metrics; no parsing runs on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters.hooks import Delivery, receive, type_of
from adapters.slack import actions as slack
from sync.config import PairConfig, load_config
from sync.contract import TargetBase
from sync.errors import MissingExtra, PairsyncError, StateError
from sync.serve.access import Access
from sync.serve.metrics import Metrics
from sync.serve.status import PairStatus, agenda_text, pair_status, pulse_png
from sync.serve.worker import Finished, SyncRequests
from sync.store import webhooks as hookstore

log = logging.getLogger("pairsync.serve")

MAX_BODY = 1024 * 1024
SEEN_EVENTS = 2000
"""Event identities remembered per target, so a redelivered event syncs nothing."""


class TooLarge(Exception):
    pass


class BodyMissing(Exception):
    """The body did not arrive: the client went away, or was slower than the timeout."""


async def read_body(request: Request, timeout: float, limit: int = MAX_BODY) -> bytes:
    """The body, refusing (`TooLarge`) past `limit` bytes without reading the rest, and
    (`BodyMissing`) when it is not all there within `timeout` seconds."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge()
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise TooLarge()
                chunks.append(chunk)
    except ClientDisconnect:
        raise BodyMissing("the client went away before its body was complete") from None
    except TimeoutError:
        raise BodyMissing(f"the body did not arrive within {timeout:g} s") from None
    return b"".join(chunks)


class Service:
    """What the routes share: the pairs, the worker, the last runs, the metrics."""

    def __init__(
        self,
        paths: dict[str, Path],
        worker_factory: Callable[[Callable[[Finished], None]], SyncRequests],
        *,
        every: str,
        next_poll: Callable[[], datetime | None],
        public_url: str | None = None,
        auth_token: str | None = None,
        report: Callable[[Finished], None] = lambda _: None,
        find_pairs: Callable[[], dict[str, Path]] | None = None,
        request_timeout: float = 10.0,
    ) -> None:
        self.paths = paths
        """Pair name -> its file; shared with the worker, grown by `rescan`."""
        self.find_pairs = find_pairs
        self.request_timeout = request_timeout
        self._rescanning = threading.Lock()
        self.every = every
        self.next_poll = next_poll
        self.public_url = public_url.rstrip("/") if public_url else None
        self.access = Access(auth_token)
        self.report = report
        self.last: dict[str, Finished] = {}
        self._seen: dict[tuple[str, str], OrderedDict[str, None]] = {}
        self.worker = worker_factory(self._finished)
        self.metrics = Metrics(self.worker.waiting, self.worker.running)
        self.templates = Environment(
            loader=PackageLoader("sync.serve", "templates"), autoescape=select_autoescape()
        )
        self.templates.filters["when"] = _when

    def _finished(self, run: Finished) -> None:
        self.last[run.pair] = run
        self.metrics.finished(run, time.monotonic())
        self.report(run)

    def config(self, pair: str) -> PairConfig | None:
        """The pair's config as its file says now; None for an unknown pair, or a file
        edited into an error since serve started (logged; its syncs report it too)."""
        path = self.paths.get(pair) or self.rescan().get(pair)
        if path is None:
            return None
        try:
            return load_config(path)
        except PairsyncError as exc:
            log.warning("%s: %s", pair, str(exc).splitlines()[0])
            return None

    def new_events(self, pair: str, target: str, events: tuple[str, ...]) -> int:
        seen = self._seen.setdefault((pair, target), OrderedDict())
        fresh = [e for e in events if e not in seen]
        for event in fresh:
            seen[event] = None
        while len(seen) > SEEN_EVENTS:
            seen.popitem(last=False)
        return len(fresh)

    def statuses(self) -> list[PairStatus]:
        found = []
        for pair, path in self.paths.items():
            try:
                config = load_config(path)
            except PairsyncError as exc:
                found.append(PairStatus(pair, path.name, ok=False, error=str(exc).splitlines()[0]))
                continue
            found.append(pair_status(config, path, self.last.get(pair), self.next_poll()))
        return found

    def failing(self) -> list[str]:
        return [s.name for s in self.statuses() if s.ok is False]

    def rescan(self) -> dict[str, Path]:
        """Pair files added to the directory since serve started: known from now on, and
        synced at once. A file that does not load, or names a pair or target another
        pair has, is left out with one line (every time it is looked for)."""
        if self.find_pairs is None:
            return {}
        with self._rescanning:
            found = self.find_pairs()
            new = {pair: path for pair, path in found.items() if pair not in self.paths}
            self.paths.update(new)
        for pair in new:
            log.info("%s: new pair file %s; syncing it", pair, new[pair].name)
            self.worker.request(pair, event=False, delay=0)
        return new

    # -- routes ---------------------------------------------------------------------------
    async def hook(self, request: Request) -> Response:
        pair, target_name = request.path_params["pair"], request.path_params["target"]
        config = await run_in_threadpool(self.config, pair)
        targets: list[TargetBase] = list(config.targets) if config else []
        target = next((t for t in targets if t.name == target_name), None)
        if config is None or target is None:
            return self._refused("webhook", 404, f"{pair}/{target_name}", "no such pair or target")
        try:
            body = await read_body(request, self.request_timeout)
        except TooLarge:
            return self._refused(type_of(target), 413, f"{pair}/{target_name}", "body over 1 MB")
        except BodyMissing as exc:
            return self._refused(type_of(target), 400, f"{pair}/{target_name}", str(exc))
        hook = await run_in_threadpool(hookstore.load, config, target_name)
        path = request.url.path
        fallback = f"{self.public_url}{path}" if self.public_url else str(request.url)
        urls = tuple(u for u in hook.callback_urls if urlsplit(u).path == path) or (fallback,)
        headers = {k.lower(): v for k, v in request.headers.items()}
        delivery = Delivery(request.method, headers, body, urls, request.path_params.get("key"))
        verdict = await run_in_threadpool(receive, delivery, target, hook)
        if verdict.status >= 400:
            where = f"{pair}/{target_name}"
            return self._refused(type_of(target), verdict.status, where, verdict.reason)
        if verdict.new_secret is not None and hook.handshake_expected(delivery):
            # the handshake of the registration waiting on this URL (`sync.store.webhooks`)
            await run_in_threadpool(
                hookstore.save_handshake, config, target_name, verdict.new_secret
            )
            log.info(
                "webhook %s/%s: handshake answered; its secret is kept once the webhook is made",
                pair,
                target_name,
            )
        elif verdict.new_secret is not None:  # a tool that registers nothing (Notion)
            await run_in_threadpool(hookstore.save_secret, config, target_name, verdict.new_secret)
            log.info("webhook %s/%s: verification token stored", pair, target_name)
        if request.method == "POST":  # not Trello's HEAD check
            self.metrics.deliveries.labels(type_of(target)).inc()
        if self.new_events(pair, target_name, verdict.events):
            self.worker.request(pair)
        return Response(status_code=200, headers=verdict.headers)

    def _refused(self, source: str, status: int, where: str, reason: str) -> Response:
        """One log line, never with a signature, a secret or the body; the answer."""
        self.metrics.rejections.labels(source, str(status)).inc()
        log.warning("%s %s refused (%d): %s; no sync", source, where, status, reason)
        return PlainTextResponse(f"{reason}\n", status_code=status)

    async def slack_actions(self, request: Request) -> Response:
        try:
            body = await read_body(request, self.request_timeout)
        except TooLarge:
            return self._refused("slack", 413, "actions", "body over 1 MB")
        except BodyMissing as exc:
            return self._refused("slack", 400, "actions", str(exc))
        answer = await slack.actions(
            request,
            body,
            self.configs,
            lambda status, where, reason: self._refused("slack", status, where, reason),
            self.worker.queue,
        )
        if answer.status_code == 200:
            self.metrics.deliveries.labels("slack").inc()
        return answer

    def configs(self) -> list[PairConfig]:
        """Every pair's config that loads now."""
        return [config for pair in list(self.paths) if (config := self.config(pair))]

    async def page(self, request: Request) -> Response:
        statuses = await run_in_threadpool(self.statuses)
        html = self.templates.get_template("status.html").render(
            pairs=statuses,
            failing=sum(1 for s in statuses if s.ok is False),
            every=self.every,
            now=datetime.now(UTC),
        )
        return HTMLResponse(html)

    async def agenda(self, request: Request) -> Response:
        config = await run_in_threadpool(self.config, request.path_params["pair"])
        if config is None:
            return PlainTextResponse("no such pair\n", status_code=404)
        try:
            text = await run_in_threadpool(agenda_text, config)
        except StateError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=503)
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")

    async def pulse(self, request: Request) -> Response:
        """The pair's pulse chart (8 weeks, from its run history), as `pairsync pulse`."""
        config = await run_in_threadpool(self.config, request.path_params["pair"])
        if config is None:
            return PlainTextResponse("no such pair\n", status_code=404)
        try:
            png = await run_in_threadpool(pulse_png, config)
        except MissingExtra as exc:
            return PlainTextResponse(f"{exc}\n", status_code=501)
        except StateError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=503)
        return Response(png, media_type="image/png")

    async def healthz(self, request: Request) -> Response:
        """ok or failing for anyone (a load balancer's check); which pairs fail only
        for whoever may read the status page."""
        failing = await run_in_threadpool(self.failing)
        if not failing:
            return PlainTextResponse("ok\n")
        named = self.access.refusal(_headers(request)) is None
        text = f"failing: {', '.join(failing)}\n" if named else "failing\n"
        return PlainTextResponse(text, status_code=503)

    async def metrics_text(self, request: Request) -> Response:
        return Response(self.metrics.text(), media_type="text/plain; version=0.0.4")


Endpoint = Callable[[Request], Awaitable[Response]]


def build_app(service: Service) -> Starlette:
    def guarded(endpoint: Endpoint) -> Endpoint:
        async def check(request: Request) -> Response:
            refusal = service.access.refusal(_headers(request))
            if refusal is not None:
                return PlainTextResponse(
                    f"{refusal}\n",
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="pairsync"'},
                )
            return await endpoint(request)

        return check

    routes = [
        Route("/", guarded(service.page), methods=["GET"]),
        Route("/pairs/{pair}/agenda", guarded(service.agenda), methods=["GET"]),
        Route("/pairs/{pair}/pulse.png", guarded(service.pulse), methods=["GET"]),
        Route("/metrics", guarded(service.metrics_text), methods=["GET"]),
        Route("/healthz", service.healthz, methods=["GET"]),
        Route("/hooks/{pair}/{target}", service.hook, methods=["HEAD", "POST"]),
        Route("/hooks/{pair}/{target}/{key}", service.hook, methods=["HEAD", "POST"]),
        Route("/slack/actions", service.slack_actions, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _headers(request: Request) -> dict[str, str]:
    return {k.lower(): v for k, v in request.headers.items()}


def _when(moment: datetime, now: datetime) -> str:
    """'2026-12-01 21:03 UTC (4 min ago)' / '(in 14 min)'."""
    seconds = (now - moment).total_seconds()
    span = abs(seconds)
    amount = f"{int(span)} s" if span < 120 else f"{int(span // 60)} min"
    if span >= 7200:
        amount = f"{span / 3600:.1f} h"
    relative = "now" if span < 1 else (f"{amount} ago" if seconds > 0 else f"in {amount}")
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({relative})"
