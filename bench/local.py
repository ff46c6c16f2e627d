"""Local cost: parse a 10,000-item Markdown board and merge it with a 10,000-item state and
a second, in-memory target — the whole read + merge + plan, without network or disk."""

from __future__ import annotations

import gc
import time
import tracemalloc
from datetime import date

from adapters.base import RemoteItem, Snapshot
from adapters.markdown.board import parse, render_card
from sync.merge import TargetView, plan
from sync.model import Item, Kind, Owner, Step
from sync.state import Link

KINDS = list(Kind)
HEADINGS = {
    "Goals": Kind.GOAL,
    "Decisions": Kind.DECISION,
    "Problems": Kind.PROBLEM,
    "Actions": Kind.ACTION,
    "Archive": None,
}


def make_items(n: int) -> dict[str, Item]:
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
            steps=tuple(Step(f"Why {k}?", k < 2) for k in range(8)) if kind is Kind.PROBLEM else (),
        )
    return items


def board_text(items: dict[str, Item]) -> str:
    parts = ["---\nkanban-plugin: basic\n---\n"]
    for heading, kind in HEADINGS.items():
        parts.append(f"\n## {heading}\n\n")
        parts.extend(
            render_card(item, item_id) for item_id, item in items.items() if item.kind is kind
        )
    return "".join(parts)


def measure(n: int = 10_000, changed: int = 10) -> dict[str, float]:
    """Seconds and peak MiB for parse + plan of `n` items with `changed` of them edited."""
    items = make_items(n)
    text = board_text(items)
    for item_id in list(items)[:changed]:
        text = text.replace(items[item_id].title, items[item_id].title + " (edited)", 1)
    links = {item_id: Link(item_id, "v", item) for item_id, item in items.items()}
    memory = Snapshot(
        {item_id: RemoteItem(item_id, item, item_id, "v") for item_id, item in items.items()}
    )
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    board = parse(text, HEADINGS)
    markdown = Snapshot(
        {
            card.item_id: RemoteItem(card.item_id, card.item, card.item_id, "changed")
            for _, card, _ in board.cards()
            if card.item_id
        }
    )
    result = plan(
        items,
        [
            TargetView("notes", "shared", markdown, links),
            TargetView("memory", "shared", memory, links),
        ],
        "latest",
        lambda: "x",
    )
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    writes = sum(len(w) for w in result.writes.values())
    assert len(markdown.items) == n, len(markdown.items)
    assert writes == changed, writes
    return {"seconds": seconds, "peak_mib": peak / 2**20, "writes": writes}


if __name__ == "__main__":
    print(measure())
