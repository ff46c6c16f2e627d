"""Many pairs against the simulators, as the real `pairsync sync --config-dir` runs them
(a child process), and one pair's settled run with every request slowed down:

- `shared_key`: P pairs whose Trello tokens all belong to one API key push their boards in
  one run; the simulator counts the busiest 10-second window of the key (Trello allows
  300) and every 429.
- `per_machine`: P settled pairs of three targets each (a Markdown file, a Trello board
  with the assistant's own API key and token, as `pairsync init` asks for, an Asana
  project with its own token) synced with `latency` added to every request: wall time,
  the child's CPU time and peak memory, extrapolated to a 15-minute window.
- `settled_pair`: one settled pair of three targets, in this process, with and without the
  latency: targets in parallel cost about one round trip.

The simulators run in this process with their OpenAPI checks off: the request shapes are
the tests' business, and validating thousands of requests would make the simulators, not
pairsync, the slow part. Their clocks run in real time (`speed`), so the rate limits are
the published ones.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters import adapter_for
from adapters.asana.sim.server import AsanaSimulator
from adapters.trello.sim.server import TrelloSimulator
from bench import clones
from bench.child import ChildRun, sync_dir
from bench.local import board_text, make_items
from sync.config import load_config
from sync.model import Kind
from sync.run.engine import sync_pair
from sync.store.state import State


@dataclass
class Sims:
    trello: TrelloSimulator
    asana: AsanaSimulator

    def latency(self, seconds: float) -> None:
        self.trello.faults.delay_seconds = self.asana.app.faults.delay_seconds = seconds

    def requests(self) -> int:
        return self.trello.request_count() + self.asana.app.stats.total

    def throttled(self) -> int:
        return self.trello.app.stats.throttled + self.asana.app.stats.throttled

    def reads_and_writes(self) -> dict[str, tuple[int, int]]:
        """Per service, the GET requests and the others it served so far."""
        counted = {}
        for name, app in (("trello", self.trello.app), ("asana", self.asana.app)):
            reads = sum(n for route, n in app.stats.requests.items() if route.startswith("GET "))
            counted[name] = (reads, sum(app.stats.requests.values()) - reads)
        return counted


@contextmanager
def simulators(speed: float = 1.0) -> Iterator[Sims]:
    sims = Sims(TrelloSimulator(speed=speed).start(), AsanaSimulator(speed=speed).start())
    sims.trello.app.validate = sims.asana.app.validate = False
    try:
        yield sims
    finally:
        sims.trello.stop()
        sims.asana.stop()


def _typed_board(items: int) -> str:
    """A person's board of `items` goals, decisions and actions (no problems: their Five
    Whys would only add setup requests to a figure about settled runs)."""
    chosen = {k: v for k, v in make_items(items * 2, steps=False).items() if v.kind != Kind.PROBLEM}
    return board_text(dict(list(chosen.items())[:items]), with_ids=False)


def write_pairs(
    folder: Path, sims: Sims, pairs: int, items: int, asana: bool = True, one_key: bool = True
) -> list[Path]:
    """P pair files: the executive's Markdown board of `items`, the assistant's Trello
    board (a token of its own; of the one API key, or of a key of its own), and with
    `asana` an Asana project (a token of its own)."""
    (folder / "boards").mkdir(exist_ok=True)
    typed = _typed_board(items)
    paths = []
    for index in range(pairs):
        name = f"pair-{index:04d}"
        key = sims.trello.key if one_key else secrets.token_hex(16)
        token = sims.trello.add_token(f"assistant-{index}", key)
        board = sims.trello.create_board(f"{name} board", token=token)
        (folder / "boards" / f"{name}.md").write_text(typed)
        targets: list[dict[str, object]] = [
            {"name": "notes", "type": "markdown", "role": "executive", "path": f"boards/{name}.md"},
            {
                "name": "trello",
                "type": "trello",
                "role": "assistant",
                "board_id": board,
                "api_key": key,
                "token": token,
                "base_url": sims.trello.base_url,
                **sims.trello.pacing(),
            },
        ]
        if asana:
            world = sims.asana.seed(token=f"asana-token-{index}", project_name=name)
            targets.append(
                {
                    "name": "asana",
                    "type": "asana",
                    "project_gid": world.project_gid,
                    "token": world.token,
                    "base_url": sims.asana.base_url,
                    **sims.asana.pacing(),
                }
            )
        config = {"pair": {"name": name}, "state": {"path": f"state/{name}.sqlite"}}
        path = folder / f"{name}.toml"
        path.write_text(clones.pair_text(config | {"targets": targets}))
        paths.append(path)
    return paths


@contextmanager
def fleet(pairs: int, items: int, **keys: bool) -> Iterator[tuple[Sims, Path, list[Path]]]:
    """Simulators and a folder of P pair files on them (`write_pairs` takes `keys`)."""
    with simulators() as sims, tempfile.TemporaryDirectory(prefix="pairsync-bench-") as tmp:
        folder = Path(tmp)
        yield sims, folder, write_pairs(folder, sims, pairs, items, **keys)


@dataclass(frozen=True)
class SharedKey:
    pairs: int
    items: int
    requests: int
    seconds: float
    busiest_window: int
    """The most requests of the API key in any 10 seconds, as the simulator counted."""
    key_limit: int
    throttled: int


def shared_key(pairs: int = 20, items: int = 20) -> SharedKey:
    with fleet(pairs, items, asana=False) as (sims, folder, _):
        run = sync_dir(folder)
        key = sims.trello.key
        return SharedKey(
            pairs,
            items,
            sims.trello.request_count(),
            run.seconds,
            sims.trello.app.key_limiter.busiest.get(key, 0),
            sims.trello.app.key_limiter.limit,
            sims.trello.app.stats.throttled,
        )


@dataclass(frozen=True)
class PerMachine:
    pairs: int
    items: int
    latency: float
    workers: int | None
    run: ChildRun
    requests: int
    throttled: int
    finished: int
    """Pairs whose timed run finished (all of them, unless the run was killed)."""
    real: int = 0
    """Pairs pushed and settled by pairsync; the others are their clones (`bench.clones`)."""
    setup_seconds: float = 0.0
    writes: int = 0
    """Requests of the timed run other than reads (a settled run makes none)."""
    changed: int = 0
    """Pairs whose timed run failed, or created, updated or archived anything (a settled
    run: none)."""

    @property
    def pairs_per_window(self) -> float:
        """Pairs one run would finish in 15 minutes at the measured pace (linear)."""
        return self.finished * WINDOW / min(self.run.seconds, WINDOW)

    @property
    def settled(self) -> bool:
        """Whether every pair's timed run was a settled one: 2 requests a pair (its board's
        actions, its project's events), no 429, every pair finished, nothing written."""
        return (self.requests, self.throttled, self.finished, self.writes, self.changed) == (
            2 * self.pairs,
            0,
            self.pairs,
            0,
            0,
        )


WINDOW = 900.0
"""Seconds of a cron window: 15 minutes."""


def per_machine(
    pairs: int = 200,
    items: int = 10,
    latency: float = 0.15,
    workers: int | None = None,
    timeout: float | None = None,
    setup_nice: int = 0,
    ready: Callable[[], None] = lambda: None,
    real: int | None = None,
    processes: int | None = None,
) -> PerMachine:
    """Push and settle `real` pairs (all P by default) without latency (setup, at
    `setup_nice`), clone them into P (`bench.clones`), wait for `ready`, then time one
    settled run of all P with the latency, in `processes` (pairsync's default: one per
    core), killed after `timeout` seconds (`finished` says how many pairs it synced)."""
    real = min(real or pairs, pairs)
    started = time.perf_counter()
    with fleet(real, items, one_key=False) as (sims, folder, paths):
        sync_dir(folder, workers=32, nice=setup_nice)  # the first push
        sync_dir(folder, workers=32, nice=setup_nice)  # its echo
        if pairs > real:
            _clone(sims, folder, paths, pairs - real, setup_nice)
        setup_seconds = time.perf_counter() - started
        ready()
        sims.latency(latency)
        requests, throttled = sims.requests(), sims.throttled()
        counted = sims.reads_and_writes()
        run = sync_dir(folder, workers, timeout, processes=processes)
        finished, changed = settled_runs(folder, 3)
        now = sims.reads_and_writes()
        return PerMachine(
            pairs,
            items,
            latency,
            workers,
            run,
            sims.requests() - requests,
            sims.throttled() - throttled,
            finished,
            real,
            setup_seconds,
            sum(now[name][1] - counted[name][1] for name in now),
            changed,
        )


def _clone(sims: Sims, folder: Path, sources: list[Path], count: int, nice: int) -> None:
    """`count` clones of the settled pairs `sources`, made on a thread of its own at
    priority `nice` (Linux prioritises threads one by one; the simulators' threads that
    serve the timed run keep theirs)."""

    def work() -> None:
        if nice:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        with sims.trello.app.lock, sims.asana.app.lock:
            clones.clone_pairs(
                sims.trello.backend, sims.asana.backend, folder, sources, count, len(sources)
            )

    with ThreadPoolExecutor(1) as thread:
        thread.submit(work).result()


def settled_runs(folder: Path, runs: int) -> tuple[int, int]:
    """(pairs of the folder whose state records `runs` finished runs, pairs whose last run
    failed or created, updated or archived anything in any target)."""
    finished = changed = 0
    for path in (folder / "state").glob("*.sqlite"):
        with closing(sqlite3.connect(path)) as db:
            (count,) = db.execute(
                "SELECT COUNT(*) FROM runs WHERE finished_at IS NOT NULL"
            ).fetchone()
            last = db.execute("SELECT summary FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        finished += count >= runs
        targets = json.loads(last[0] or "{}").get("targets", {}) if last else {}
        changed += any(target.get(what) for target in targets.values() for what in _WRITES)
    return finished, changed


_WRITES = ("created", "updated", "archived")


@dataclass(frozen=True)
class SettledPair:
    latency: float
    seconds: float
    """Best of a few settled runs with the latency on every request."""
    local_seconds: float
    """The same run without latency: pairsync's own work."""
    requests: int
    """Per run, over the network (the Markdown file's read is not one)."""


def settled_pair(latency: float = 0.15, repeat: int = 5) -> SettledPair:
    with fleet(1, 20) as (sims, _folder, (path,)):
        config = load_config(path)
        state = State.open(config.state_path)
        try:

            def run() -> float:
                adapters = [adapter_for(target) for target in config.targets]
                started = time.perf_counter()
                summary = sync_pair(config, state, adapters=adapters)
                seconds = time.perf_counter() - started
                if summary.failed:
                    raise RuntimeError(f"settled pair failed: {summary.targets}")
                return seconds

            run()  # the push
            run()  # its echo
            local = min(run() for _ in range(repeat))
            sims.latency(latency)
            before = sims.requests()
            timed = min(run() for _ in range(repeat))
            requests = (sims.requests() - before) // repeat
        finally:
            state.close()
    return SettledPair(latency, timed, local, requests)
