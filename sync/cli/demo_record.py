"""The demo's `[[documents]]`: the pair's record as Markdown notes (always), in OneNote and
in Evernote (each when its extra is installed: their simulators need msal and evernote3).
People tick and answer Five Whys steps there; the demo shows each page and note as a
person reads it."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from adapters import simulator_class
from adapters.docids import ANSWER, entry_id

Echo = Callable[[str], None]

MARKDOWN = """
[[documents]]
name = "record-notes"
type = "markdown"
folder = "record"                   # one note per document, as in an Obsidian vault
"""


def installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in modules)


class DemoRecord:
    """The document tools of the demo, started on `stack`."""

    def __init__(self, stack: ExitStack, folder: Path) -> None:
        self.folder = folder
        self.onenote: Any = None
        self.evernote: Any = None
        self.tables = MARKDOWN
        if installed("msal", "yaml", "cryptography"):
            self.onenote = simulator_class("onenote")().start()
            stack.callback(self.onenote.stop)
            keys = self.onenote.config_keys(folder / "microsoft-consent.json")
            self.tables += _table("dana-onenote", keys)
        if installed("evernote"):
            self.evernote = simulator_class("evernote")().start()
            stack.callback(self.evernote.stop)
            self.tables += _table("lee-evernote", self.evernote.config_keys())

    def where(self) -> list[str]:
        lines = ["  Documents: Markdown notes in record/"]
        if self.onenote is not None:
            lines.append(f"  OneNote (Graph) simulator: {self.onenote.base_url}")
        if self.evernote is not None:
            lines.append(f"  Evernote (Thrift) simulator: {self.evernote.base_url}")
        if self.onenote is None or self.evernote is None:
            lines.append("  (install the onenote and evernote extras to see those two as well)")
        return lines

    def people(self, echo: Echo) -> None:
        """Dana answers a Five Whys step in OneNote; Lee writes a line of their own into
        the problem's note in Evernote."""
        if self.onenote is not None:
            page = self._page(self.onenote, "Five Whys")
            why2 = entry_id("steps", "step-3")
            self.onenote.person.tick(page, why2)
            self.onenote.person.type(page, why2 + ANSWER, "the report template waits for it")
            echo("   - Dana ticks 'Why 2?' in OneNote and types its answer under it")
        if self.evernote is not None:
            notes = self.evernote.app.service.account.notes.values()
            guid = next(n.guid for n in notes if n.title.startswith("Five Whys"))
            self.evernote.person.write_own(guid, "Lee: ask finance who owns the export job.")
            echo("   - Lee adds a line of their own to the Five Whys note in Evernote")

    def show(self, echo: Echo) -> None:
        if self.onenote is not None:
            echo("\n--- OneNote: Dana's section, each page as a person reads it ---")
            for page in list(self.onenote.app.pages):
                echo(self.onenote.person.shown(page) + "\n")
        if self.evernote is not None:
            echo("--- Evernote: Lee's notebook 'Pair record', each note as a person reads it ---")
            for note in self.evernote.app.service.account.notes.values():
                if note.active:
                    echo(self.evernote.person.shown(note.guid) + "\n")
        echo("--- record/ (Markdown notes) ---")
        echo("  " + ", ".join(sorted(p.name for p in (self.folder / "record").glob("*.md"))))

    @staticmethod
    def _page(sim: Any, title: str) -> str:
        return str(next(p.id for p in sim.app.pages.values() if p.title.startswith(title)))


def _table(name: str, keys: dict[str, str]) -> str:
    lines = "\n".join(f'{key} = "{value}"' for key, value in keys.items())
    return f'\n[[documents]]\nname = "{name}"\n{lines}\n'
