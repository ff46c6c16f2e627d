"""One pair on one target, driven through the real engine: the board a person typed lives
in an in-memory target (it costs no requests), the target under test is a Markdown file
or a Trello / Asana / Notion simulator, and the pair has a real SQLite state.

Each `sync` builds a fresh target adapter, as each cron run is a fresh process (no caches
carried over), and counts what the service saw: the simulator's own request statistics
(`sim.stats`), or for a Markdown file the adapter's reads and writes of it.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from adapters import adapter_for
from adapters.asana.config import AsanaTarget
from adapters.asana.sim.server import AsanaSimulator
from adapters.base import Adapter
from adapters.markdown.config import MarkdownTarget
from adapters.memory import MemoryAdapter, MemoryTarget
from adapters.notion.config import NotionTarget
from adapters.notion.sim.server import NotionSimulator
from adapters.trello.config import TrelloTarget
from adapters.trello.sim.server import TrelloSimulator
from bench.local import make_items
from sync.config import PairConfig
from sync.contract import TargetBase
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State

KINDS = ("markdown", "trello", "asana", "notion")
Simulator = TrelloSimulator | AsanaSimulator | NotionSimulator
TARGET = "target"


@dataclass(frozen=True)
class Run:
    requests: int
    """What the service saw during the run, 429 answers included."""
    throttled: int
    """Of those, answered 429 (too many requests)."""
    seconds: float
    summary: RunSummary
    routes: Counter[str]
    """The requests per route ("GET /1/boards/<id>"), for the notes on a figure."""


class Rig:
    def __init__(
        self,
        kind: str,
        directory: Path,
        target: TargetBase,
        sim: Simulator | None,
    ) -> None:
        self.kind = kind
        self.sim = sim
        self.target = target
        self.directory = directory
        self.source = MemoryAdapter(MemoryTarget(name="typed", role="executive"))
        self.config = PairConfig(
            pair={"name": "bench"},
            state={"path": "state.sqlite"},
            targets=[target],
            config_dir=directory,
        )
        self.state = State.open(directory / "state.sqlite")
        self.runs = 0

    def cron_interval(self) -> None:
        """A quarter of an hour passes between runs, as with cron every 15 minutes, on the
        Notion simulator's clock: Notion rounds `last_edited_time` to the minute, and its
        change detection reaches back a minute or two, so runs seconds apart would see
        the last run's pages again (the other services keep exact times)."""
        if isinstance(self.sim, NotionSimulator) and self.runs:
            self.sim.app.clock.offset += 900

    def type_items(self, n: int) -> None:
        """A person's board of `n` items, a quarter of them problems (no Five Whys yet)."""
        for index, item in enumerate(make_items(n, steps=False).values()):
            self.source.put(f"typed-{index}", item)

    def edit_items(self, k: int) -> None:
        """A person retitles `k` items on their board."""
        for index in range(k):
            remote = self.source.items[f"typed-{index}"]
            self.source.put(remote.remote_id, remote.item.with_(title=remote.item.title + " (2)"))

    def sync(self) -> Run:
        self.cron_interval()
        self.runs += 1
        adapter = adapter_for(self.target)
        routes, throttled = self._served(adapter)
        started = time.perf_counter()
        try:
            summary = sync_pair(self.config, self.state, adapters=[self.source, adapter])
        finally:
            adapter.close()
        seconds = time.perf_counter() - started
        routes_after, throttled_after = self._served(adapter)
        if summary.failed:
            raise RuntimeError(f"{self.kind}: {summary.targets[TARGET].errors[:3]}")
        routes = routes_after - routes
        return Run(sum(routes.values()), throttled_after - throttled, seconds, summary, routes)

    def _served(self, adapter: Adapter) -> tuple[Counter[str], int]:
        """Requests per route the service counted so far, and how many it answered 429."""
        if self.sim is None:
            return Counter({"file reads and writes": adapter.requests}), 0
        stats = self.sim.stats
        return Counter(stats.requests), stats.throttled

    def close(self) -> None:
        self.state.close()
        if self.sim is not None:
            violations = self.sim.violations
            self.sim.stop()
            if violations:
                raise RuntimeError(
                    f"{self.kind} simulator saw requests off the spec: {violations[:3]}"
                )


@contextmanager
def rig(kind: str, speed: float | None = None, itemised: bool = False) -> Iterator[Rig]:
    """A pair on a fresh target of `kind`; `speed` compresses the simulator's clock (the
    rate limits included); None means fast enough that no limit is ever reached, yet slow
    enough that Asana's sync token (a simulated day) outlives a push of 1,000 items.
    `itemised`: the feed reports the Five Whys pairsync copies step by step (Asana: each
    subtask's creation as its parent's change; Trello: a checklist's and each check
    item's creation beside the card's copy)."""
    with tempfile.TemporaryDirectory(prefix=f"pairsync-bench-{kind}-") as tmp:
        directory = Path(tmp)
        target, sim = _target(kind, speed, directory)
        if isinstance(sim, AsanaSimulator):
            sim.backend.subtask_events = "parent" if itemised else "added"
        if isinstance(sim, TrelloSimulator):
            sim.backend.copy_actions = "each" if itemised else "card"
        bench_rig = Rig(kind, directory, target, sim)
        try:
            yield bench_rig
        finally:
            bench_rig.close()


def _target(kind: str, speed: float | None, directory: Path) -> tuple[TargetBase, Simulator | None]:
    if kind == "markdown":
        return MarkdownTarget(name=TARGET, type="markdown", path=directory / "board.md"), None
    if kind == "trello":
        trello = TrelloSimulator(speed=speed or 1000).start()
        board = trello.create_board("Bench board")
        config = TrelloTarget(
            name=TARGET,
            type="trello",
            board_id=board,
            api_key=SecretStr(trello.key),
            token=SecretStr(trello.token),
            base_url=trello.base_url,
            **trello.pacing(),
        )
        return config, trello
    if kind == "notion":
        notion = NotionSimulator(speed=speed or 1000).start()
        world = notion.seed()
        target = NotionTarget(
            name=TARGET,
            type="notion",
            data_source_id=world.data_source_id,
            token=SecretStr(world.token),
            base_url=notion.base_url,
            **notion.pacing(),
        )
        return target, notion
    asana = AsanaSimulator(speed=speed or 600).start()
    world = asana.seed()
    config = AsanaTarget(
        name=TARGET,
        type="asana",
        project_gid=world.project_gid,
        token=SecretStr(world.token),
        base_url=asana.base_url,
        **asana.pacing(),
    )
    return config, asana
