"""Local cost: parse a 10,000-item Markdown board and merge it with a 10,000-item state and
a second, in-memory target — the whole read + merge + plan, without network or disk.

Time and memory are measured in separate passes: tracemalloc slows allocation-heavy code
about fivefold, so a timed pass under it would report tracemalloc, not pairsync."""

from __future__ import annotations

import gc
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date

from fractional_indexing import generate_n_keys_between  # type: ignore[import-untyped]

from adapters.markdown.board import parse
from adapters.markdown.card import render_card
from sync.contract import Link, RemoteItem, Snapshot
from sync.model import BASE_KINDS, Item, Kind, Owner, Step
from sync.plan.merge import plan
from sync.plan.observe import TargetView
from sync.settings import tune_collector

KINDS = list(BASE_KINDS)
HEADINGS = {
    "Goals": Kind.GOAL,
    "Decisions": Kind.DECISION,
    "Problems": Kind.PROBLEM,
    "Actions": Kind.ACTION,
    "Archive": None,
}


def make_items(n: int, steps: bool = True) -> dict[str, Item]:
    """`n` items, a quarter of each kind; problems carry the 8 Five Whys steps when
    `steps` (else pairsync seeds them, as on a board a person typed)."""
    items = {}
    for i in range(n):
        kind = KINDS[i % 4]
        items[f"{i:016x}"] = Item(
            kind=kind,
            title=f"Item number {i} about something important",
            notes=f"Notes for item {i}\nsecond line",
            done=i % 7 == 0,
            due=date(2027, 1 + i % 12, 1 + i % 28) if i % 3 else None,
            owner=Owner.EXECUTIVE if i % 2 else Owner.ASSISTANT,
            labels=frozenset({"q4"} if i % 5 else {"q4", "board"}),
            steps=tuple(Step(f"Why {k}?", k < 2) for k in range(8))
            if steps and kind is Kind.PROBLEM
            else (),
        )
    return items


def board_text(items: dict[str, Item], with_ids: bool = True) -> str:
    """An Obsidian-Kanban file of `items`; without ids it is a board a person typed."""
    parts = ["---\nkanban-plugin: basic\n---\n"]
    for heading, kind in HEADINGS.items():
        parts.append(f"\n## {heading}\n\n")
        parts.extend(
            render_card(item, item_id if with_ids else None)
            for item_id, item in items.items()
            if item.kind is kind
        )
    return "".join(parts)


@dataclass(frozen=True)
class Inputs:
    """What a run holds before it reads: the state's items and links, the board file's
    text, and the other target's snapshot."""

    items: dict[str, Item]
    text: str
    links: dict[str, Link]
    memory: Snapshot


def settled(items: dict[str, Item]) -> dict[str, Item]:
    """`items` as a settled pair's state holds them: each list ranked in the order the
    board shows it, as the first sync left it (unranked items are the first run after
    order was mirrored, which ranks every item and rewrites every link's base)."""
    lists: dict[Kind, list[str]] = {}
    for item_id, item in items.items():
        lists.setdefault(item.kind, []).append(item_id)
    ranked = dict(items)
    for item_ids in lists.values():
        ranks = generate_n_keys_between(None, None, len(item_ids))
        for item_id, rank in zip(item_ids, ranks, strict=True):
            ranked[item_id] = items[item_id].with_(rank=rank)
    return ranked


def inputs(n: int, changed: int) -> Inputs:
    items = settled(make_items(n))
    text = board_text(items)
    for item_id in list(items)[:changed]:
        text = text.replace(items[item_id].title, items[item_id].title + " (edited)", 1)
    links = {item_id: Link(item_id, "v", item) for item_id, item in items.items()}
    memory = Snapshot(
        {item_id: RemoteItem(item_id, item, item_id, "v") for item_id, item in items.items()}
    )
    return Inputs(items, text, links, memory)


def read_and_plan(given: Inputs) -> int:
    """Parse the file and plan against the state and the other target; the writes planned."""
    board = parse(given.text, HEADINGS)
    markdown = Snapshot(
        {
            card.item_id: RemoteItem(card.item_id, card.item, card.item_id, "changed")
            for _, card, _ in board.cards()
            if card.item_id
        }
    )
    result = plan(
        given.items,
        [
            TargetView("notes", "shared", markdown, given.links),
            TargetView("memory", "shared", given.memory, given.links),
        ],
        "latest",
        lambda: "x",
    )
    assert len(markdown.items) == len(given.items), len(markdown.items)
    return sum(len(w) for w in result.writes.values())


def measure(
    n: int = 10_000, changed: int = 10, repeat: int = 3, memory: bool = True
) -> dict[str, float]:
    """Seconds for parse + plan of `n` items with `changed` of them edited (the best of
    `repeat` passes, as timeit advises: other work on the machine only ever adds time),
    wall and CPU (the process's own: on a shared machine, wall time also counts the
    others' work), and the peak MiB of the whole run's Python heap (state, file text,
    parse and plan) in a separate pass (unless `memory` is False)."""
    given = inputs(n, changed)
    tune_collector()  # as `pairsync sync --config` runs one pair
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        started, cpu_started = time.perf_counter(), time.process_time()
        writes = read_and_plan(given)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        assert writes == changed, writes
    del given
    gc.collect()
    if not memory:
        return {"seconds": min(times), "cpu_seconds": min(cpu), "writes": writes}
    tracemalloc.start()
    try:
        read_and_plan(inputs(n, changed))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return {
        "seconds": min(times),
        "cpu_seconds": min(cpu),
        "peak_mib": peak / 2**20,
        "writes": writes,
    }


if __name__ == "__main__":
    print(measure())
