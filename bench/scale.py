"""Many pairs on one machine: `pairsync sync --config-dir` over P pair files, each pair an
executive's Markdown board of M items (a quarter problems) and an empty assistant board,
run as the real command in a child process. Reports the wall time and the child's peak
resident memory and CPU time of the first sync (which writes every item into both boards)
and the wall time of the no-change rerun after it."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.child import ChildRun, sync_dir
from bench.local import board_text, make_items

PAIR_FILE = """\
[pair]
name = "{name}"

[state]
path = "state/{name}.sqlite"

[[targets]]
name = "notes"
type = "markdown"
role = "executive"
path = "boards/{name}-executive.md"

[[targets]]
name = "assistant"
type = "markdown"
role = "assistant"
path = "boards/{name}-assistant.md"
"""


@dataclass(frozen=True)
class Scale:
    pairs: int
    items: int
    first: ChildRun
    rerun: ChildRun


def measure(pairs: int = 100, items: int = 50) -> Scale:
    with tempfile.TemporaryDirectory(prefix="pairsync-bench-scale-") as tmp:
        directory = Path(tmp)
        (directory / "boards").mkdir()
        typed = board_text(make_items(items, steps=False), with_ids=False)
        for index in range(pairs):
            name = f"pair-{index:03d}"
            (directory / f"{name}.toml").write_text(PAIR_FILE.format(name=name))
            (directory / "boards" / f"{name}-executive.md").write_text(typed)
        first = sync_dir(directory)
        rerun = sync_dir(directory)
        filled = (directory / "boards" / "pair-000-assistant.md").read_text()
        if filled.count("- [") < items:
            raise RuntimeError("the assistant boards were not filled")
    return Scale(pairs, items, first, rerun)
