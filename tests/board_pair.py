"""What the rigs of one pair with a Markdown board file share (tests/three_tools.py, with
Trello and Asana; tests/notion_pair.py, with Notion): the pair's folder, config and
state, a sync as `pairsync sync` runs it, what each target shows, and a person's hands
in the board file, finding items by their link-back id as a person finds a card by its
title. A rig adds its tools' hands and writes `pair.toml`."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from adapters import adapter_for, build_adapters
from adapters.base import Adapter
from adapters.markdown.card import render_card
from sync.config import PairConfig, load_config
from sync.contract import DEFAULT_LISTS, AdapterContext, RemoteItem, new_item_id
from sync.model import Item
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State
from tests.tool_hands import insert_card, md_span

ARCHIVE = "Archive"
FIVE_WHYS = ("Why did it happen?", "Countermeasure agreed")
"""Two steps instead of the default eight: every problem costs fewer requests."""

EMPTY_BOARD = (
    "---\nkanban-plugin: basic\n---\n\n"
    + "".join(f"## {name}\n\n" for name in [*DEFAULT_LISTS.values(), ARCHIVE])
    + '%% kanban:settings\n```\n{"kanban-plugin":"basic"}\n```\n%%\n'
)
_MARKER = re.compile(r"\^ps-([0-9a-f]{16})")


@dataclass
class BoardPair:
    folder: Path

    md_target = "notes"
    """The name of the pair's Markdown target."""

    @property
    def config_path(self) -> Path:
        return self.folder / "pair.toml"

    @property
    def board_path(self) -> Path:
        return self.folder / "board.md"

    def config(self) -> PairConfig:
        return load_config(self.config_path)

    def quicken(self, adapter: Adapter) -> None:
        """Shorten the adapter's 5xx backoff for tests (a rig with such tools says how)."""

    # -- the pair --------------------------------------------------------------------------
    def adapter(self, tool: str) -> Adapter:
        """The target's adapter, told the places its state recorded (none before a sync)."""
        config = self.config()
        target = next(t for t in config.targets if t.name == tool)
        places = {}
        if config.state_path.exists():
            state = State.open(config.state_path)
            places = state.places(tool)
            state.close()
        return adapter_for(target, AdapterContext(config.pair.zone, places))

    def sync(
        self,
        now: datetime | None = None,
        new_id: Callable[[], str] = new_item_id,
        accept_vanished: list[str] | tuple[str, ...] = (),
        on_step: Callable[[str], None] = lambda _: None,
    ) -> RunSummary:
        """One `sync_pair` run on the config, with the adapters `pairsync sync` builds.
        `on_step` is told before each target is read and written (in that target's
        thread), a point where a test can act as a person mid-run."""
        config = self.config()
        state = State.open(config.state_path)
        places = {target.name: state.places(target.name) for target in config.targets}
        adapters = build_adapters(config.targets, config.pair.zone, places, state.links())
        for adapter in adapters:
            self.quicken(adapter)
        try:
            return sync_pair(
                config,
                state,
                now=now,
                new_id=new_id,
                adapters=adapters,
                accept_vanished=accept_vanished,
                on_step=on_step,
            )
        finally:
            state.close()
            for adapter in adapters:
                adapter.close()

    def canonical(self) -> dict[str, Item]:
        """The shared board as the state database keeps it."""
        state = State.open(self.config().state_path)
        try:
            return {item_id: record.item for item_id, record in state.items().items()}
        finally:
            state.close()

    def shown(self, tool: str) -> dict[str | None, list[RemoteItem]]:
        """The tool's board as its adapter reads it (a full read), by link-back id; items a
        person made that carry no id yet are under None."""
        adapter = self.adapter(tool)
        try:
            snapshot = adapter.read()
        finally:
            adapter.close()
        found: dict[str | None, list[RemoteItem]] = {}
        for remote in snapshot.items.values():
            found.setdefault(remote.item_id, []).append(remote)
        return found

    # -- a person in the board file -----------------------------------------------------------
    def md_footers(self) -> Counter[str]:
        """Every card in the file, counted by link-back id: a count above 1 is a duplicate."""
        text = self.board_path.read_text() if self.board_path.exists() else ""
        return Counter(_MARKER.findall(text))

    def md_lines(self) -> list[str]:
        if not self.board_path.exists():
            self.board_path.write_text(EMPTY_BOARD, encoding="utf-8")
        return self.board_path.read_text(encoding="utf-8").splitlines(keepends=True)

    def md_write(self, lines: list[str]) -> None:
        self.board_path.write_text("".join(lines), encoding="utf-8")

    def md_insert(self, heading: str, card: str, lines: list[str] | None = None) -> None:
        """Put a card right under `## heading` (added before the settings if missing)."""
        lines = self.md_lines() if lines is None else lines
        insert_card(lines, heading, card)
        self.md_write(lines)

    def md_replace(self, item_id: str, change: Callable[[Item], Item]) -> None:
        """Rewrite the item's card with `change` applied to what the file shows."""
        remote = self.shown(self.md_target)[item_id][0]
        lines = self.md_lines()
        start, end = md_span(lines, item_id)
        lines[start:end] = [render_card(change(remote.item), item_id)]
        self.md_write(lines)

    def md_edit(self, item_id: str, **fields: Any) -> None:
        self.md_replace(item_id, lambda item: item.with_(**fields))

    def md_tick(self, item_id: str, index: int, done: bool) -> None:
        """Tick (or untick) the item's Five Whys step at `index`."""

        def ticked(item: Item) -> Item:
            steps = list(item.steps)
            steps[index] = replace(steps[index], done=done)
            return item.with_(steps=tuple(steps))

        self.md_replace(item_id, ticked)

    def md_move(self, item_id: str, heading: str) -> None:
        """Cut the item's card and put it under `heading`."""
        lines = self.md_lines()
        start, end = md_span(lines, item_id)
        card = "".join(lines[start:end])
        self.md_insert(heading, card, lines[:start] + lines[end:])

    def md_delete(self, item_id: str) -> None:
        lines = self.md_lines()
        start, end = md_span(lines, item_id)
        self.md_write(lines[:start] + lines[end:])
