"""The fixed costs of a settled pair, each measured alone: what any change of the engine
leaves in place, and so how low a settled pair's CPU can go while a pair keeps its own
SQLite file and its tools are reached through their client libraries:

    python -m bench.floor                  # at the machine bench's 150 ms a request
    python -m bench.floor --latency 0

- each target's read of a settled pair (`Adapter.read` from its cursor: Trello's
  actions through py-trello, Asana's events through the asana SDK, the Markdown file),
  every request answered after `--latency` seconds; beside them a bare GET (urllib3, a
  kept connection, no SDK above it), the part no client library can save;
- a settled pair's state as one run uses it (`State.open`, its reads, its three commits:
  the run's start, Asana's new sync token, the run's end; `close`, which checkpoints the
  WAL into the file), and the same statements on a connection kept open;
- reading and validating one pair file (`load_config`), which a `--config-dir` run does
  twice (the clash check, then the pair's sync).

CPU of the measuring thread only (`time.thread_time`): the simulators answer from other
threads of this process. Each figure is the median of `--rounds` rounds.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import urllib3

from adapters import build_adapters
from adapters.base import Adapter
from bench import fleet
from sync.config import load_config
from sync.run.pairs import sync_lean
from sync.store.state import State

TARGETS = ("notes", "trello", "asana")


def per_call_us(call: Callable[[], object], calls: int, rounds: int) -> float:
    """Microseconds of this thread's CPU a call, the median of `rounds` rounds."""
    call()
    spent = []
    for _ in range(rounds):
        start = time.thread_time()
        for _ in range(calls):
            call()
        spent.append((time.thread_time() - start) * 1e6 / calls)
    return statistics.median(spent)


def settled_state_run(state: State) -> None:
    """The statements of a settled pair's run on its state, as the engine makes them."""
    state.claim("pair-0000", Path("floor"))
    state.items()
    state.links()
    state.recorded_places(TARGETS)
    state.holds()
    state.recorded_cursors(TARGETS)
    with state.transaction():
        run_id = state.start_run(datetime.now(UTC))
    with state.transaction():
        state.save_cursor("asana", f"sync-{time.thread_time()}")  # Asana's token is new each read
    with state.transaction():
        state.finish_run(run_id, {"pair": "pair-0000", "ok": True})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    with fleet.simulators() as sims, tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pair_file = fleet.write_pairs(folder, sims, 1, 10, one_key=False)[0]
        sync_lean(pair_file)
        sync_lean(pair_file)
        config = load_config(pair_file)
        state_file = folder / "floor.sqlite"
        shutil.copy(config.state_path, state_file)
        settled = State.open(state_file)
        places = {target.name: settled.places(target.name) for target in config.targets}
        cursors = {target.name: settled.cursor(target.name) for target in config.targets}
        adapters = build_adapters(
            config.targets, config.pair.zone, places, settled.links(), config.pair_file
        )
        settled.close()

        key = sims.trello.key
        token = sims.trello.add_token("floor", key)
        board = sims.trello.create_board("floor", token=token)
        url = f"{sims.trello.base_url}/boards/{board}/actions"
        auth = {"Authorization": f'OAuth oauth_consumer_key="{key}", oauth_token="{token}"'}
        pool = urllib3.PoolManager()
        sims.latency(args.latency)
        calls = 20  # a round within Trello's token limit (100 requests in 10 s)
        get = per_call_us(lambda: pool.request("GET", url, headers=auth).json(), calls, args.rounds)

        def settled_read(adapter: Adapter) -> Callable[[], object]:
            return lambda: adapter.read(cursors[adapter.name])

        reads = {a.name: per_call_us(settled_read(a), calls, args.rounds) for a in adapters}
        sims.latency(0)
        for adapter in adapters:
            adapter.close()

        def opened_and_closed() -> None:
            state = State.open(state_file)
            settled_state_run(state)
            state.close()

        kept = State.open(state_file)
        per_file = per_call_us(opened_and_closed, 200, args.rounds)
        kept_open = per_call_us(lambda: settled_state_run(kept), 200, args.rounds)
        kept.close()
        loading = per_call_us(lambda: load_config(pair_file), 200, args.rounds)

    rows = [
        *(
            (f"a settled read of {name} (`Adapter.read`)", micros, 1)
            for name, micros in reads.items()
        ),
        ("of which a bare GET (urllib3 alone)", get, 0),
        ("a settled pair's SQLite file: open, statements, close", per_file, 1),
        ("the same statements, the connection kept open", kept_open, 0),
        ("load_config of one pair file", loading, 2),
    ]
    print(f"Every request answered after {args.latency:g} s; CPU of the measuring thread.\n")
    print("| fixed cost | CPU each | times a settled pair |")
    print("|---|---|---|")
    for name, micros, times in rows:
        print(f"| {name} | {micros:.0f} µs | {times} |")
    floor = sum(micros * times for _, micros, times in rows) / 1000
    print(f"\nA settled pair's floor from these alone: {floor:.2f} ms of CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
