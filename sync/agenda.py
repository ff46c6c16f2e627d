"""The 1:1 agenda and the stale list, built from the pair's state alone (no tool is
contacted, so they are instant and work offline; run `pairsync sync` first for fresh data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sync.config import PairConfig
from sync.facilitation import Facilitator
from sync.model import Item, Kind, Owner
from sync.state import ItemRecord


@dataclass(frozen=True, slots=True)
class StaleEntry:
    item_id: str
    item: Item
    age_days: int
    last_tool: str | None
    ball_with: str


def ball_with(config: PairConfig, item: Item) -> str:
    """Who has to move next: decisions wait for the executive, others for their owner."""
    if item.kind is Kind.DECISION or item.owner is Owner.EXECUTIVE:
        return config.pair.executive
    if item.owner is Owner.ASSISTANT:
        return config.pair.assistant
    return "nobody yet (no owner)"


def stale_items(
    config: PairConfig, records: Mapping[str, ItemRecord], now: datetime
) -> list[StaleEntry]:
    facilitator = Facilitator(config, records, now)
    entries = [
        StaleEntry(
            item_id,
            record.item,
            (now - record.touched_at).days,
            record.touched_by,
            ball_with(config, record.item),
        )
        for item_id, record in records.items()
        if facilitator.is_stale(item_id, record.item)
    ]
    return sorted(entries, key=lambda e: (-e.age_days, e.item.title))


def five_whys_progress(item: Item) -> str | None:
    if item.kind is not Kind.PROBLEM or not item.steps:
        return None
    done = sum(step.done for step in item.steps)
    if done == len(item.steps):
        return "root cause agreed"
    return f"{done}/{len(item.steps)} steps"


def render_agenda(
    config: PairConfig, records: Mapping[str, ItemRecord], since: datetime | None, now: datetime
) -> str:
    """Markdown for the next 1:1; `since` is the last agenda (None: everything is new)."""
    live = {i: r for i, r in records.items() if not r.item.archived}

    def changed(record: ItemRecord) -> bool:
        return since is None or record.touched_at > since

    def is_new(record: ItemRecord) -> bool:
        return since is None or (record.created_at is not None and record.created_at > since)

    pair = config.pair
    heading = f"# 1:1 {pair.executive} / {pair.assistant} — {now:%Y-%m-%d}"
    scope = f"Changes since {since:%Y-%m-%d %H:%M} UTC." if since else "First agenda: everything."
    sections: list[tuple[str, list[str]]] = [
        (
            f"Decisions waiting for {pair.executive}",
            [
                _line(r.item)
                for r in live.values()
                if r.item.kind is Kind.DECISION and not r.item.done
            ],
        ),
        (
            "New since last time",
            [_line(r.item) for r in live.values() if is_new(r) and not r.item.done],
        ),
        (
            "Changed since last time",
            [
                _line(r.item)
                for r in live.values()
                if changed(r) and not is_new(r) and not r.item.done
            ],
        ),
        (
            "Stale: keep, park or kill?",
            [
                f"{_line(e.item)} — untouched {e.age_days} days, ball with {e.ball_with}"
                for e in stale_items(config, records, now)
            ],
        ),
        (
            "Five Whys",
            [
                f"{_line(r.item)} — {progress}"
                for r in live.values()
                if (progress := five_whys_progress(r.item)) is not None
            ],
        ),
        ("Wins", [_line(r.item) for r in live.values() if r.item.done and changed(r)]),
    ]
    out = [heading, "", scope, ""]
    for title, lines in sections:
        out += [f"## {title}", ""]
        out += sorted(lines) or ["- nothing"]
        out.append("")
    return "\n".join(out)


def _line(item: Item) -> str:
    due = f" (due {item.due.isoformat()})" if item.due else ""
    owner = f" [{item.owner.value}]" if item.owner else ""
    return f"- {item.kind.value}: {item.title}{due}{owner}"
