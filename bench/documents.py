"""The pair's record in a document tool, counted: a pair with a Markdown board of `problems`
problems (each with its Five Whys record) and a decision, publishing into OneNote or
Evernote through their simulators, synced as cron would (`run_pair`, fresh publishers
each run): the first publish, the run right after it, a settled run, and the run after
`k` problems were retitled on the board (k Five Whys records and the agenda to update).
Requests are the publisher's own count; the simulators count the same calls."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters import simulator_class
from sync.config import load_config
from sync.run.pair import run_pair

PAIR = """[pair]
name = "bench"
executive = "Dana"
assistant = "Lee"
timezone = "UTC"

[state]
path = "state.sqlite"

[[targets]]
name = "board"
type = "markdown"
path = "board.md"

[[documents]]
name = "record"
publish = ["decisions", "five_whys"]
{keys}
"""
NAMES = {"onenote": "OneNote", "evernote": "Evernote"}


@dataclass(frozen=True)
class Published:
    kind: str
    documents: int
    k: int
    first: int
    echo: int
    settled: int
    k_changes: int
    changed_documents: int


def measure(kind: str, problems: int, k: int) -> Published:
    sim: Any = simulator_class(kind)(speed=60).start()
    try:
        with tempfile.TemporaryDirectory(prefix="pairsync-bench-documents-") as folder:
            return _measure(kind, sim, Path(folder), problems, k)
    finally:
        sim.stop()


def _measure(kind: str, sim: Any, folder: Path, problems: int, k: int) -> Published:
    keys = sim.config_keys(folder / "consent.json")
    table = "\n".join(f'{key} = "{value}"' for key, value in keys.items())
    (folder / "pair.toml").write_text(PAIR.format(keys=table), encoding="utf-8")
    titles = [f"Problem {i}: reports are late" for i in range(problems)]
    lines = "\n".join(f"- [ ] {title}" for title in titles)
    board = folder / "board.md"
    board.write_text(
        f"## Goals\n\n## Decisions\n\n- [ ] Approve the offsite\n\n## Problems\n\n{lines}\n\n"
        "## Actions\n",
        encoding="utf-8",
    )

    def requests() -> tuple[int, int]:
        summary = run_pair(load_config(folder / "pair.toml"))
        assert not summary.documents.errors, summary.documents.errors
        return summary.documents.requests["record"], len(summary.documents.publications)

    first, documents = requests()
    echo, _ = requests()
    settled, _ = requests()
    text = board.read_text(encoding="utf-8")
    for title in titles[:k]:
        text = text.replace(f"- [ ] {title}", f"- [ ] {title} (again)", 1)
    board.write_text(text, encoding="utf-8")
    changed, written = requests()
    return Published(kind, documents, k, first, echo, settled, changed, written)
