"""`pairsync worker` processes on PostgreSQL's job queue, against the Trello simulator:
every sync one pair's at a time on all workers, a killed worker's sync taken up by
another, a shared API key under its limit across workers, SIGTERM ending cleanly."""

from __future__ import annotations

import itertools
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.slack.actions import Click
from adapters.trello.sim.entities import Card
from adapters.trello.sim.server import Person, TrelloSimulator
from sync.jobs.queue import defer_click, defer_sync, queue_app
from sync.store.postgres import PostgresState
from tests.cli_run import pairsync, start_pairsync
from tests.postgres import finished_runs
from tests.serve_pair import post_trello, quiet, trello_delivery
from tests.serve_rig import serving, wait_for
from tests.three_tools import ThreeTools
from tests.worker_rig import Fleet, make_fleet, workers, workers_on

DELAY = 0.4
"""Seconds every Trello request takes: a sync of a settled pair lasts at least this."""


@pytest.fixture
def trello() -> Iterator[TrelloSimulator]:
    sim = TrelloSimulator(speed=100).start()
    yield sim
    sim.stop()
    assert sim.app.violations == []


def defer_all(fleet: Fleet, until: Callable[[], bool] = lambda: True) -> None:
    """Ask for a sync of every pair now, and again every 0.1 s until `until()`."""
    app = queue_app(fleet.database)
    deadline = time.monotonic() + 60
    with app.open():
        while True:
            for pair in fleet.tokens:
                defer_sync(app, pair, delay=0)
            if until() or time.monotonic() > deadline:
                return
            time.sleep(0.1)


def test_two_workers_share_the_pairs_and_never_sync_one_twice_at_once(
    trello: TrelloSimulator, database_url: str, tmp_path: Path
) -> None:
    fleet = make_fleet(tmp_path, trello, database_url, pairs=6)
    fleet.sync_all()  # the first push: from here on a sync reads the board once
    trello.faults.delay_seconds = DELAY
    start = time.monotonic()
    with workers(fleet, 2, "--concurrency", "3") as (one, two):
        # a stream of requests for every pair, faster than its syncs: while a sync runs,
        # one more waits (procrastinate's lock and queueing lock), never a second at once
        defer_all(
            fleet, until=lambda: all(len(_reads_since(fleet, p, start)) >= 3 for p in fleet.tokens)
        )
        assert one.stop() == 0 and two.stop() == 0
    for pair in fleet.tokens:
        reads = _reads_since(fleet, pair, start)
        gaps = [later - earlier for earlier, later in itertools.pairwise(reads)]
        assert min(gaps) >= DELAY * 0.9, f"{pair} synced twice at once: {reads}"
        assert len(reads) >= 3
    assert "pair-0000/trello: 0 created" in one.stdout + two.stdout
    assert one.stdout and two.stdout, "both workers took syncs"
    for worker in (one, two):
        assert "pairsync worker: stopped; every running sync finished" in worker.stderr


def _reads_since(fleet: Fleet, pair: str, start: float) -> list[float]:
    return sorted(at for at in fleet.board_reads(pair) if at >= start)


@pytest.mark.slow
def test_a_killed_workers_sync_is_taken_up_and_the_pair_converges_once(
    trello: TrelloSimulator, database_url: str, tmp_path: Path
) -> None:
    fleet = make_fleet(tmp_path, trello, database_url, pairs=1)
    fleet.sync_all()
    pair = next(iter(fleet.tokens))
    board_id = fleet.boards[pair]
    person = Person(trello, trello.backend.tokens[fleet.tokens[pair]])  # the pair's assistant
    person.create_card(board_id, "Actions", "Call the bank")
    trello.faults.stall_write_next = 1  # the sync's first Trello write is held...
    with workers(fleet, 1) as (doomed,):
        defer_all(fleet)
        wait_for(trello.app.stalled.is_set, 30)
        doomed.stop(signal.SIGKILL)  # ... and its worker dies while it waits
    trello.app.release()  # the write lands; its answer goes to a dead process
    killed_at = time.monotonic()
    with workers(fleet, 1) as (heir,):
        wait_for(lambda: bool(_reads_since(fleet, pair, killed_at)), 30)
        wait_for(lambda: "Call the bank" in _board_file(fleet, pair), 30)
        assert heir.stop() == 0
    assert "its worker stopped mid-sync; the sync is queued again" in heir.stderr
    fleet.sync_all()  # settled: nothing more to do, nothing made twice
    assert _board_file(fleet, pair).count("Call the bank") == 1
    cards = [c for c in trello.board(board_id).cards.values() if c.name == "Call the bank"]
    assert len(cards) == 1


def _board_file(fleet: Fleet, pair: str) -> str:
    return (fleet.folder / "boards" / f"{pair}.md").read_text()


LIMIT = 10


@pytest.fixture
def limited_fleet(database_url: str, tmp_path: Path) -> Iterator[Fleet]:
    """Six pairs on one Trello API key whose limit is `LIMIT` a window (the simulator's
    10-second window lasts 1 s); afterwards, every request stayed under it."""
    trello = TrelloSimulator(speed=10).start()
    try:
        trello.app.key_limiter.limit = LIMIT
        yield make_fleet(tmp_path, trello, database_url, pairs=6)
        assert trello.app.stats.total > 5 * LIMIT, "requests for more than five windows"
        assert trello.app.stats.throttled == 0, (
            f"{trello.app.stats.throttled} of {trello.app.stats.total} got 429"
        )
    finally:
        trello.stop()


def test_a_shared_api_key_stays_under_its_limit_with_pairs_on_two_workers(
    limited_fleet: Fleet,
) -> None:
    fleet = limited_fleet
    with workers(fleet, 2, "--concurrency", "3") as (one, two):
        defer_all(fleet)  # six first pushes at once, three on each worker
        wait_for(lambda: all(_pushed(fleet, pair) for pair in fleet.tokens), 90)
        assert one.stop() == 0 and two.stop() == 0
    assert one.stdout and two.stdout, "both workers pushed pairs"


def _pushed(fleet: Fleet, pair: str) -> bool:
    return "^ps-" in _board_file(fleet, pair)


def test_a_cron_sync_and_a_worker_on_one_key_share_its_limit_through_the_database(
    limited_fleet: Fleet,
) -> None:
    fleet = limited_fleet
    cron = fleet.folder / "cron"  # three of the pairs are synced by cron on "another machine"
    (cron / "boards").mkdir(parents=True)
    by_cron = ["pair-0003", "pair-0004", "pair-0005"]
    for name in by_cron:
        (fleet.folder / f"{name}.toml").rename(cron / f"{name}.toml")
        (fleet.folder / "boards" / f"{name}.md").rename(cron / "boards" / f"{name}.md")
        del fleet.tokens[name]
    with workers(fleet, 1, "--concurrency", "3") as (worker,):
        synced = start_pairsync("sync", "--config-dir", str(cron), cwd=cron, env=fleet.env)
        defer_all(fleet)  # three first pushes on the worker, three in the cron run
        out, err = synced.communicate(timeout=120)
        wait_for(lambda: all(_pushed(fleet, pair) for pair in fleet.tokens), 90)
        assert worker.stop() == 0
    assert synced.returncode == 0, err
    assert all("^ps-" in (cron / "boards" / f"{name}.md").read_text() for name in by_cron)
    assert "pair-0003/trello: " in out and "pair-0000/trello: " in worker.stdout


def test_serve_with_a_database_queues_a_burst_of_twenty_events_as_at_most_two_syncs(
    pair: ThreeTools, database_url: str
) -> None:
    assert pairsync("db", "migrate", "--database", database_url, cwd=pair.folder).returncode == 0
    folder = pair.folder
    moved = pairsync(
        "db", "import", "--config-dir", str(folder), "--database", database_url, cwd=folder
    )
    assert moved.returncode == 0, moved.stderr  # --database: the pair's state is there now
    pair.state_path.unlink()
    before = finished_runs(database_url, "trust")
    with (
        serving(pair.folder, "--database", database_url) as served,
        workers_on(pair.folder, database_url, 2) as (one, two),
    ):
        assert quiet(served)  # serve synced nothing itself at start
        for n in range(20):
            body, good = trello_delivery(pair, served, f"{n:024x}")
            assert post_trello(served, body, good) == 200
            time.sleep(0.05)
        wait_for(lambda: finished_runs(database_url, "trust") > before, 30)
        wait_for(lambda: quiet(served), 30)
        assert one.stop() == 0 and two.stop() == 0
    assert before < finished_runs(database_url, "trust") <= before + 2
    assert not pair.state_path.exists()
    assert "syncs queued in postgresql://" in served.stderr
    assert "trust/" not in served.stdout, "serve ran no sync of its own"
    assert "trust/trello: 0 created" in one.stdout + two.stdout


@pytest.mark.slow
def test_the_tick_queues_every_pair_once_a_period_with_no_one_asking(
    trello: TrelloSimulator, database_url: str, tmp_path: Path
) -> None:
    fleet = make_fleet(tmp_path, trello, database_url, pairs=4)
    fleet.sync_all()
    start = time.monotonic()
    with workers(fleet, 2, every="10s"):
        wait_for(lambda: all(len(_reads_since(fleet, p, start)) >= 4 for p in fleet.tokens), 90)
    for pair in fleet.tokens:
        # A pair's syncs fall at its moment of each 10 s period, or later on a busy machine,
        # and the first tick a worker runs may be one it missed just before it started (its
        # pair's moment a little in the past): from its first sync to its last, at most one
        # a period plus that one. Syncing every pair at each 5 s tick puts 4 in 15 s.
        reads = _reads_since(fleet, pair, start)
        span = reads[-1] - reads[0]
        assert len(reads) <= span / 10 + 2, f"{pair}: {len(reads)} syncs in {span:.1f} s"


def test_a_slack_click_is_a_job_applied_by_a_worker_then_synced(
    trello: TrelloSimulator, database_url: str, tmp_path: Path
) -> None:
    fleet = make_fleet(tmp_path, trello, database_url, pairs=1)
    fleet.sync_all()
    pair = next(iter(fleet.tokens))
    state = PostgresState.connect(database_url, pair)
    try:
        item_id, record = next(iter(state.items().items()))
    finally:
        state.close()
    with workers(fleet, 1) as (worker,):
        app = queue_app(fleet.database)
        with app.open():
            defer_click(app, Click(pair, item_id, "stale_kill", "dana"))
        card = record.item.title
        wait_for(lambda: any(c.closed for c in _cards(trello, fleet, pair, card)), 30)
        assert worker.stop() == 0
    assert f"{pair}/trello: 0 created, 0 updated, 1 archived" in worker.stdout


def _cards(trello: TrelloSimulator, fleet: Fleet, pair: str, title: str) -> list[Card]:
    return [c for c in trello.board(fleet.boards[pair]).cards.values() if c.name == title]
