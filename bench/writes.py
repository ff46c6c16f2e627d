"""Runs that write, with every request slowed down (`fleet.simulators`):

- `writing_pair`: one settled pair of three targets where each run writes to all three
  (a person edited the file and Trello): the targets are read, then written, at once.
- `first_push`: P pairs' boards pushed to Trello (every assistant's token of one API key,
  whose limit is the floor) and Asana in one `--config-dir` run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from adapters import adapter_for
from adapters.trello.config import TrelloTarget
from adapters.trello.sim.server import Person as TrelloPerson
from bench.child import ChildRun, sync_dir
from bench.fleet import fleet
from sync.config import load_config
from sync.run.engine import sync_pair
from sync.store.state import State


@dataclass(frozen=True)
class WritingPair:
    latency: float
    edits: int
    """Items a person retitled in the file and as many others in Trello, before each run."""
    seconds: float
    """Best of a few such runs with the latency on every request."""
    local_seconds: float
    """The same runs without latency: pairsync's own work."""
    requests: dict[str, tuple[int, int]]
    """Per service, (reads, writes) of one run as its simulator counted them (the Markdown
    file's reads and writes are not requests: it has no latency)."""

    @property
    def floor(self) -> float:
        """Seconds the slowest reader's reads and then the slowest writer's writes take:
        the least a run can take when its targets are read, then written, at once."""
        reads = max(reads for reads, _ in self.requests.values())
        writes = max(writes for _, writes in self.requests.values())
        return (reads + writes) * self.latency


def writing_pair(latency: float = 0.15, edits: int = 3, repeat: int = 3) -> WritingPair:
    """One settled pair of three targets where every run writes to all three: a person
    retitles `edits` items in the Markdown file (written to Trello and Asana) and as many
    others in Trello (written to the file and Asana)."""
    with fleet(1, 20) as (sims, folder, (path,)):
        config = load_config(path)
        board_path = folder / "boards" / "pair-0000.md"
        trello = config.targets[1]
        assert isinstance(trello, TrelloTarget)
        member = sims.trello.backend.tokens[trello.token.get_secret_value()]
        person = TrelloPerson(sims.trello, member)
        state = State.open(config.state_path)
        try:

            def run(n: int) -> tuple[float, dict[str, tuple[int, int]]]:
                cards = sorted(sims.trello.cards(trello.board_id), key=lambda c: c.id)
                text = board_path.read_text()
                for card in cards[:edits]:
                    text = text.replace(f" {card.name}", f" {card.name} {n}f", 1)
                board_path.write_text(text)
                for card in cards[edits : 2 * edits]:
                    person.edit_card(card.id, name=f"{card.name} {n}t")
                adapters = [adapter_for(target) for target in config.targets]
                before = sims.reads_and_writes()
                started = time.perf_counter()
                summary = sync_pair(config, state, adapters=adapters)
                seconds = time.perf_counter() - started
                written = [summary.targets[t.name].updated for t in config.targets]
                if summary.failed or written != [edits, edits, 2 * edits]:
                    raise RuntimeError(f"writing pair: {written} updated, {summary.targets}")
                after = sims.reads_and_writes()
                return seconds, {
                    name: (reads - before[name][0], writes - before[name][1])
                    for name, (reads, writes) in after.items()
                }

            sync_pair(config, state, adapters=[adapter_for(t) for t in config.targets])
            local = min(run(n)[0] for n in range(repeat))
            sims.latency(latency)
            seconds, requests = min(run(repeat + n) for n in range(repeat))
        finally:
            state.close()
    return WritingPair(latency, edits, seconds, local, requests)


@dataclass(frozen=True)
class FirstPush:
    pairs: int
    items: int
    latency: float
    run: ChildRun
    requests: dict[str, int]
    """Per service, what its simulator counted (429 answers included)."""
    throttled: dict[str, int]
    """Per service, the requests it answered 429."""
    busiest_window: int
    """The most requests of the shared Trello API key in any 10 seconds."""
    key_limit: int

    @property
    def floor(self) -> float:
        """The least seconds the shared key's limit allows for the Trello requests."""
        return self.requests["trello"] * 10 / self.key_limit


def first_push(pairs: int = 100, items: int = 50, latency: float = 0.15) -> FirstPush:
    """P pairs whose Markdown boards of `items` each are pushed to a Trello board (every
    assistant's token of one API key: the key's limit is the floor) and an Asana project
    (a token each), in one `--config-dir` run with `latency` on every request."""
    with fleet(pairs, items) as (sims, folder, _):
        sims.latency(latency)
        run = sync_dir(folder)
        cards = sum(len(board.cards) for board in sims.trello.backend.boards.values())
        tasks = len(sims.asana.backend.tasks)
        if (cards, tasks) != (pairs * items, pairs * items):
            raise RuntimeError(f"first push: {cards} cards and {tasks} tasks made")
        key = sims.trello.key
        return FirstPush(
            pairs,
            items,
            latency,
            run,
            {"trello": sims.trello.request_count(), "asana": sims.asana.app.stats.total},
            {"trello": sims.trello.app.stats.throttled, "asana": sims.asana.app.stats.throttled},
            sims.trello.app.key_limiter.busiest.get(key, 0),
            sims.trello.app.key_limiter.limit,
        )
