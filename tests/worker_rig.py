"""Many machines in one test: pairs on the Trello simulator (a Markdown board and a Trello
board each, every pair's Trello token of one API key), a migrated PostgreSQL database
holding the queue and every pair's state (PAIRSYNC_DATABASE_URL), and real `pairsync
worker` child processes on them.

A pair is known to the simulator by its token: `syncs_of` reads from the simulator's
request log when each sync of a settled pair read its board (one GET a sync)."""

from __future__ import annotations

import signal
import subprocess
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from adapters.trello.sim.server import TrelloSimulator
from bench.fleet import Sims, write_pairs
from tests.cli_run import pairsync, start_pairsync
from tests.serve_rig import wait_for

FAST_BEATS = {"PAIRSYNC_WORKER_HEARTBEAT": "0.5", "PAIRSYNC_WORKER_STALLED_AFTER": "2"}
"""A worker that stops beating counts as gone after 2 s (30 s by default)."""


@dataclass
class Fleet:
    folder: Path
    trello: TrelloSimulator
    database: str
    tokens: dict[str, str] = field(default_factory=dict)
    """Pair name -> its Trello token."""
    boards: dict[str, str] = field(default_factory=dict)
    """Pair name -> its Trello board's id."""

    @property
    def env(self) -> dict[str, str]:
        return {"PAIRSYNC_DATABASE_URL": self.database}

    def sync_all(self) -> None:
        """One `pairsync sync --config-dir`: the first push, or a settled run."""
        command = ("sync", "--config-dir", str(self.folder))
        result = pairsync(*command, cwd=self.folder, env=self.env)
        assert result.returncode == 0, result.stderr

    def board_reads(self, pair: str) -> list[float]:
        """When each read of the pair's board (its actions: one a settled sync) arrived."""
        token = self.tokens[pair]
        return [
            at
            for key, method, path, at in list(self.trello.app.calls)
            if key == token and method == "GET" and "/boards/" in path and path.endswith("/actions")
        ]


def make_fleet(folder: Path, trello: TrelloSimulator, database: str, pairs: int) -> Fleet:
    sims = Sims(trello, None)  # type: ignore[arg-type]  # no Asana: write_pairs(asana=False)
    paths = write_pairs(folder, sims, pairs, items=3, asana=False)
    fleet = Fleet(folder, trello, database)
    for path in paths:
        trello_target = tomllib.loads(path.read_text())["targets"][1]
        fleet.tokens[path.stem] = trello_target["token"]
        fleet.boards[path.stem] = trello_target["board_id"]
    result = pairsync("db", "migrate", "--database", database, cwd=folder)
    assert result.returncode == 0, result.stderr
    return fleet


@dataclass
class Worker:
    process: subprocess.Popen[str]
    stdout: str = ""
    stderr: str = ""

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        self.stdout, self.stderr = self.process.communicate(timeout=60)
        return self.process.returncode


def _registered(database: str) -> int:
    with psycopg.connect(database) as db:
        row = db.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def workers(fleet: Fleet, count: int, *args: str, every: str = "1h") -> Iterator[list[Worker]]:
    with workers_on(
        fleet.folder, fleet.database, count, *args, every=every, env=fleet.env
    ) as started:
        yield started


@contextmanager
def workers_on(
    folder: Path,
    database: str,
    count: int,
    *args: str,
    every: str = "1h",
    env: dict[str, str] | None = None,
) -> Iterator[list[Worker]]:
    """`count` worker processes until the block ends (then SIGTERM, if still running)."""
    started = [
        Worker(
            start_pairsync(
                "worker",
                "--database",
                database,
                "--config-dir",
                str(folder),
                "--every",
                every,
                *args,
                cwd=folder,
                env={**FAST_BEATS, **(env or {})},
            )
        )
        for _ in range(count)
    ]
    try:
        wait_for(lambda: _registered(database) >= count, 60)  # beating: SIGTERM is theirs now
        yield started
    finally:
        for worker in started:
            if worker.process.poll() is None:
                worker.stop()
