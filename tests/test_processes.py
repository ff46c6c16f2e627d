"""`--processes`: the pairs of a directory synced by several processes, whose requests on
one Trello API key stay within its limit together (the simulator counts every window)."""

from __future__ import annotations

import re
from pathlib import Path

from adapters.asana.sim.server import AsanaSimulator
from adapters.trello.sim.server import TrelloSimulator
from bench.fleet import Sims, write_pairs
from tests.cli_run import pairsync

KEY_LIMIT = 10
"""Requests per 10 simulated seconds on the shared key: a push of the pairs needs several
windows, so the processes must wait for each other."""


def test_pairs_of_one_api_key_in_two_processes_never_meet_its_limit(tmp_path: Path) -> None:
    sims = Sims(TrelloSimulator(speed=10).start(), AsanaSimulator(speed=10).start())
    try:
        sims.trello.app.key_limiter.limit = KEY_LIMIT
        write_pairs(tmp_path, sims, pairs=6, items=3, asana=False, one_key=True)
        args = ("--verbose", "sync", "--config-dir", str(tmp_path), "--workers", "2")
        pushed = pairsync(*args, "--processes", "2", cwd=tmp_path)
        assert pushed.returncode == 0, pushed.stderr
        busiest = sims.trello.app.key_limiter.busiest[sims.trello.key]
        throttled = sims.trello.app.stats.throttled
        requests = sims.trello.request_count()
        # A new run knows nothing of the last one's requests: started within the key's
        # window, it may meet a 429, which it waits out (Retry-After) and goes on.
        again = pairsync("sync", "--config-dir", str(tmp_path), "--processes", "2", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
    finally:
        sims.trello.stop()
        sims.asana.stop()
    assert len(set(re.findall(r"worker process (\d+) started", pushed.stderr))) == 2
    assert requests > 2 * KEY_LIMIT  # the push spans windows: the limit bound the pace
    assert throttled == 0 and busiest <= KEY_LIMIT
    lines = [line for line in again.stdout.splitlines() if "/trello:" in line]
    assert len(lines) == 6 and all(" - ok" in line for line in lines)
