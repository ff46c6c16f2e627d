"""The publisher contract: how the core keeps the pair's record in a document tool (Google
Docs, OneNote, Evernote, a Markdown folder).

The core builds a `Document` (pure data: parts of entries or a table, each with a stable
key) and hands it to a `Publisher`, which renders it in its own format and creates it, or
updates in place the parts pairsync wrote earlier, leaving a person's own text around them
alone. The core stores the remote id, the version and what the document showed, so that
a settled run asks only `changed` (one request) and reads or writes nothing else.

Terminology:
- document key: what a document is about (`agenda`, `decisions`, `five_whys <item id>`);
  at most one document per key and `[[documents]]` entry, found again after a lost state
  by the `marker` the publisher stores on it.
- part: a block pairsync owns inside the document (a data-id, a named range); a part
  pairsync wrote earlier that this document lacks (an earlier 1:1's agenda) stays as it
  is; a new part goes above the parts already there, so the newest meeting is on top.
- entry: one line of a part; with `ticked` not None it is a checkbox, with `answer` not
  None it has room for an answer a person types. `read` returns what a person set there
  (`Mark`), by (part key, entry key).
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from sync.contract import CheckLine
from sync.errors import PairsyncError

DocumentKind = Literal["agenda", "decisions", "five_whys"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("agenda", "decisions", "five_whys")


@dataclass(frozen=True, slots=True)
class Mark:
    """What a person can set on an entry: the tick (None: no checkbox) and the answer
    (None: no room for one; "" an empty room)."""

    ticked: bool | None = None
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    """Stable within its part: an item id, `why-3`."""
    text: str
    mark: Mark = Mark()


@dataclass(frozen=True, slots=True)
class Row:
    key: str
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Part:
    key: str
    """Stable within the document: `log`, `steps`, `agenda 2026-12-10T10:00`."""
    heading: str
    note: str = ""
    entries: tuple[Entry, ...] = ()
    table: Table | None = None


EntryRef = tuple[str, str]
"""(part key, entry key): where a mark was read."""


@dataclass(frozen=True, slots=True)
class Document:
    kind: DocumentKind
    key: str
    title: str
    parts: tuple[Part, ...]

    def text(self, marks: bool = True) -> str:
        """The plain-text rendering: `--dry-run`'s output; without the marks, what
        `substance` covers."""
        lines = [self.title]
        for part in self.parts:
            lines += ["", part.heading]
            if part.note:
                lines.append(part.note)
            if part.table is not None:
                lines.append(" | ".join(part.table.columns))
                lines += [" | ".join(row.cells) for row in part.table.rows]
            lines += [_entry_line(entry, marks) for entry in part.entries]
        return "\n".join(lines)

    @property
    def substance(self) -> str:
        """A hash of everything but the marks (compared apart: a person sets them too)."""
        return hashlib.sha256(self.text(marks=False).encode("utf-8")).hexdigest()

    def marks(self) -> dict[EntryRef, Mark]:
        """The marks this document shows, by (part key, entry key)."""
        return {
            (part.key, entry.key): entry.mark
            for part in self.parts
            for entry in part.entries
            if entry.mark != Mark()
        }

    def marker(self, pair: str) -> str:
        """A stable tag the publisher stores on the document (a data-id, application
        data), so a document published before a crash or a lost state is found again
        instead of made twice; with the pair's name in it, so two pairs never share one."""
        return "pairsync-" + hashlib.sha256(f"{pair} {self.key}".encode()).hexdigest()[:24]


def _entry_line(entry: Entry, marks: bool) -> str:
    if not marks:
        return f"- {entry.text}"
    box = {None: "-", False: "- [ ]", True: "- [x]"}[entry.mark.ticked]
    line = f"{box} {entry.text}"
    if entry.mark.answer is not None:
        line += f"\n    Answer: {entry.mark.answer or '…'}"
    return line


@dataclass(frozen=True, slots=True)
class Published:
    """What `publish` answers: the document's remote id and its version after the write
    (None: the tool does not say; the next `changed` reports it, and `read` shows marks
    equal to what was written)."""

    remote_id: str
    version: str | None


@dataclass(frozen=True, slots=True)
class Changes:
    """What `changed` answers."""

    versions: dict[str, str | None]
    """Remote id -> its version now, for each document that changed since the version
    given (None: it is gone, a person deleted it)."""
    cursor: str | None = None
    """Opaque; handed back to the next `changed`."""


@dataclass(frozen=True, slots=True)
class Readback:
    """What a person set in one document: marks by (part key, entry key), of every part
    pairsync wrote there (earlier agendas included), and the version read (None: the tool
    does not say it with the content; the version `changed` reported stands)."""

    version: str | None
    marks: Mapping[EntryRef, Mark] = field(default_factory=dict)


class PublishError(PairsyncError):
    """A document could not be reached or refused a write; the line names the entry."""

    def __init__(self, document: str, message: str, uncertain: bool = False) -> None:
        super().__init__(f"document {document}: {message}")
        self.document = document
        self.uncertain = uncertain
        """The write may have reached the service (a timeout, a dropped connection)."""


class Publisher(abc.ABC):
    """One configured `[[documents]]` entry.

    - `changed(known, cursor)`: of the documents published earlier (remote id -> version),
      those changed since, in one request for all of them;
    - `read(remote_id)`: the marks a person set there (`Readback`);
    - `publish(document, remote_id)`: create it (remote_id None) or update in place the
      parts pairsync wrote, leaving a person's own text alone; returns `Published`;
    - `find(document)`: the remote id of the document carrying `document.marker`, or None;
    - `cursor_after(cursor)`: the cursor to keep after the run's writes;
    - `check()`: what can be verified without writing.
    Each raises `PublishError` with one line. `requests` counts the requests made;
    `shows_ticks` is False where the tool's API cannot read a tick back (Google Docs).
    """

    type_name: ClassVar[str]
    shows_ticks: ClassVar[bool] = True

    def __init__(
        self, config: Any, pair: str, base_dir: Path, config_file: Path | None = None
    ) -> None:
        self.config = config
        self.pair = pair
        self.base_dir = base_dir
        """Where relative paths in the config start (the config file's folder)."""
        self.config_file = config_file
        """The pair's file, for the lines that tell a person which command to run."""
        self.requests = 0

    @property
    def name(self) -> str:
        return str(self.config.name)

    @abc.abstractmethod
    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes: ...

    @abc.abstractmethod
    def read(self, remote_id: str) -> Readback: ...

    @abc.abstractmethod
    def publish(self, document: Document, remote_id: str | None) -> Published: ...

    @abc.abstractmethod
    def find(self, document: Document) -> str | None: ...

    def cursor_after(self, cursor: str | None) -> str | None:
        """The cursor to keep after this run's writes (given: the one `changed` answered,
        or the stored one); by default that one."""
        return cursor

    def check(self) -> list[CheckLine]:
        """`pairsync check`: what can be verified without writing anything."""
        return [CheckLine("reach", True, "not checked")]

    def close(self) -> None:  # noqa: B027 (optional hook: most publishers hold nothing)
        """Release connections (default: nothing to release)."""
