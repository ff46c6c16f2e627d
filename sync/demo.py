"""`pairsync demo`: a whole pair in a temporary directory, with no credentials.

It writes a config and two Markdown boards (the executive's, seeded with one item of
each kind, and the assistant's, empty), syncs, edits both boards as people would, syncs
again and shows the result, using the same code paths as `pairsync sync`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from sync.config import load_config
from sync.engine import RunSummary, run_pair, summary_lines

Echo = Callable[[str], None]

CONFIG = """\
# The demo pair: two Markdown boards kept in sync (see config.example.toml for every key).
[pair]
name = "demo"
executive = "Dana Smith"
assistant = "Lee Park"
conflict_policy = "latest"

[state]
path = "state/demo.sqlite"

[[targets]]
name = "executive-notes"
type = "markdown"
role = "executive"
path = "executive.md"

[[targets]]
name = "assistant-notes"
type = "markdown"
role = "assistant"
path = "assistant.md"
"""

EXECUTIVE_BOARD = """\
---
kanban-plugin: basic
---

## Goals

- [ ] Close the EMEA partnership by year end @{2026-12-31} #q4 #owner/executive

## Decisions

- [ ] Approve the offsite budget #owner/executive
	Two venues quoted; Lisbon is 15% cheaper.

## Problems

- [ ] The weekly report reaches the board late

## Actions

- [ ] Book flights for the Lisbon offsite @{2026-12-05} #owner/assistant

"""


def run_demo(keep: Path | None, echo: Echo) -> None:
    with ExitStack() as stack:
        if keep is None:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pairsync-demo-")))
        else:
            folder = keep
            folder.mkdir(parents=True, exist_ok=True)
        config_path = folder / "demo.toml"
        config_path.write_text(CONFIG, encoding="utf-8")
        executive_board = folder / "executive.md"
        assistant_board = folder / "assistant.md"
        executive_board.write_text(EXECUTIVE_BOARD, encoding="utf-8")
        echo(f"pairsync demo in {folder}")
        echo("The executive's board has a goal, a decision, a problem and an action;")
        echo("the assistant's board is empty.\n")

        _sync(config_path, "1. First sync", echo)

        echo("2. People edit their boards:")
        echo("   - the assistant ticks 'Book flights for the Lisbon offsite' in assistant.md")
        _edit(assistant_board, "- [ ] Book flights", "- [x] Book flights")
        echo("   - the executive renames the decision in executive.md")
        _edit(executive_board, "Approve the offsite budget", "Approve the Lisbon offsite budget")
        echo("   - the assistant ticks 'Why 1?' in the Five Whys of the problem\n")
        _edit(assistant_board, "- [ ] Why 1?", "- [x] Why 1? the export runs on Mondays")
        _sync(config_path, "3. Second sync", echo)
        _sync(config_path, "4. Third sync (nothing changed, nothing written)", echo)

        for board in (executive_board, assistant_board):
            echo(f"--- {board.name} ---")
            echo(board.read_text(encoding="utf-8"))
        if keep is not None:
            echo(f"The demo files are kept in {folder}; try: pairsync sync --config {config_path}")


def _sync(config_path: Path, title: str, echo: Echo) -> RunSummary:
    summary = run_pair(load_config(config_path))
    echo(f"{title}:")
    for line in summary_lines(summary):
        echo(f"   {line}")
    echo("")
    return summary


def _edit(board: Path, old: str, new: str) -> None:
    text = board.read_text(encoding="utf-8")
    board.write_text(text.replace(old, new, 1), encoding="utf-8")
