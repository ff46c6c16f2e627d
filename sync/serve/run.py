"""Start and stop `pairsync serve`: load every pair, sync them all, then serve webhooks
and the status page while polling on `schedule` (the fallback for missed webhooks:
Asana delivers at most once). SIGTERM or Ctrl-C stop taking requests, let the running
syncs finish, and return (exit 0)."""

from __future__ import annotations

import ipaddress
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import schedule
import uvicorn

from sync.errors import ConfigError
from sync.pair_files import load_pairs
from sync.run.pairs import config_files, run_schedule
from sync.serve.app import Service, build_app
from sync.serve.listen import HeadTimeoutH11, listen
from sync.serve.worker import Finished, PairWorker, SyncRequests

log = logging.getLogger("pairsync.serve")

RESCAN_SECONDS = 10
"""How often serve looks for pair files added to its directory (also whenever a request
names a pair it does not know)."""


def pair_paths(directory: Path) -> dict[str, Path]:
    """Pair name -> file; every file must load, and no two may name one pair or one
    target (else `ConfigError`, exit 2)."""
    loaded, problems = load_pairs(config_files(directory))
    if problems:
        raise ConfigError(problems)
    return {config.pair.name: path for path, config in loaded.items()}


def added_pairs(directory: Path, known: dict[str, Path]) -> dict[str, Path]:
    """The pair files serve does not know yet that load and clash with no other pair
    (those that do not are logged, one line each)."""
    try:
        files = config_files(directory)
    except ConfigError:
        return {}
    new = [path for path in files if path not in known.values()]
    if not new:
        return {}
    loaded, problems = load_pairs([*known.values(), *new])
    for problem in problems:
        log.warning("%s; not served until it is fixed", problem)
    return {c.pair.name: p for p, c in loaded.items() if p in new and c.pair.name not in known}


def check_exposure(host: str, auth_token: str | None, public_url: str | None = None) -> None:
    """The page shows board titles: off loopback, or published by a proxy at a public
    URL, it needs a token."""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback and not auth_token:
        raise ConfigError(
            [
                f"--host {host}: the status page shows board titles; give --auth-token "
                "(or $PAIRSYNC_AUTH_TOKEN) to serve beyond 127.0.0.1"
            ]
        )
    if public_url and not auth_token:
        raise ConfigError(
            [
                f"--public-url {public_url}: the status page and the agendas are reachable "
                "from there; set PAIRSYNC_AUTH_TOKEN (or --auth-token)"
            ]
        )


def serve(
    directory: Path,
    *,
    host: str,
    port: int,
    every_seconds: int,
    every: str,
    debounce: float,
    auth_token: str | None,
    public_url: str | None,
    report: Callable[[Finished], None],
    say: Callable[[str], None],
    database_url: str | None = None,
    processes: int = 1,
    request_timeout: int = 10,
    max_connections: int = 100,
) -> None:
    """With `database_url`, syncs are deferred to the job queue for `pairsync worker`s
    (which also poll), instead of run here; else in `processes` worker processes."""
    check_exposure(host, auth_token, public_url)
    paths = pair_paths(directory)
    sock = listen(host, port)
    port = sock.getsockname()[1]
    if database_url is not None:
        from sync.store import pgschema

        pgschema.require_current(database_url, queue=True)
    log.setLevel(logging.INFO)  # handshakes and refusals are what an operator looks for
    scheduler = schedule.Scheduler()

    def next_poll() -> datetime | None:
        idle = scheduler.idle_seconds
        if idle is None or database_url is not None:
            return None
        return datetime.now(UTC) + timedelta(seconds=max(idle, 0))

    def sync_requests(finished: Callable[[Finished], None]) -> SyncRequests:
        if database_url is None:
            return PairWorker(paths, finished, debounce=debounce, processes=processes)
        from sync.jobs.deferrer import QueueDeferrer

        return QueueDeferrer(database_url)

    service = Service(
        paths,
        sync_requests,
        every=every,
        next_poll=next_poll,
        public_url=public_url,
        auth_token=auth_token,
        report=report,
        find_pairs=lambda: added_pairs(directory, paths),
        request_timeout=request_timeout,
    )
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(service),
            host=host,
            port=port,
            log_level="warning",
            log_config=None,
            access_log=False,
            http=HeadTimeoutH11,
            timeout_keep_alive=request_timeout,
            limit_concurrency=max_connections,
        )
    )
    stop = threading.Event()
    scheduler.every(every_seconds).seconds.do(service.worker.poll_all)
    scheduler.every(RESCAN_SECONDS).seconds.do(service.rescan)
    poller = threading.Thread(target=run_schedule, args=(scheduler, stop), name="poll", daemon=True)

    # uvicorn re-raises the signal it caught once it has shut down; with these handlers
    # that ends in a normal return (exit 0) instead of death by SIGTERM.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    service.worker.poll_all()
    poller.start()
    runs = f"polling every {every}"
    if database_url is not None:
        from sync.store.pgschema import where

        runs = f"syncs queued in {where(database_url)} for pairsync worker"
    say(
        f"pairsync serve: {len(paths)} pair{'' if len(paths) == 1 else 's'} on "
        f"http://{host}:{port} (webhooks at /hooks/<pair>/<target>, {runs})"
    )
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        poller.join()
        service.worker.stop()
    say("pairsync serve: stopped; every running sync finished")
