"""An in-memory document tool: the reference implementation of the publisher contract
(`sync.documents.base`), used by the contract suite and the engine's tests. Documents live
on a `Shelf` shared by every publisher made on it, so a new publisher on the same shelf is
pairsync after a lost state; the shelf's hands act as a person in the tool."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from sync.documents.base import (
    Changes,
    Document,
    EntryRef,
    Mark,
    Part,
    Published,
    Publisher,
    PublishError,
    Readback,
)
from sync.documents.config import DocumentBase


class MemoryDocuments(DocumentBase):
    type: Literal["memory"] = "memory"


@dataclass
class Page:
    marker: str
    title: str
    parts: list[Part]
    """pairsync's parts, top to bottom, with the marks a person set on them."""
    own_text: str = ""
    """What a person wrote outside pairsync's parts."""
    version: int = 0


@dataclass
class Shelf:
    """The tool's store, and a person's hands in it."""

    pages: dict[str, Page] = field(default_factory=dict)
    _versions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def touch(self, page: Page) -> None:
        page.version = next(self._versions)

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        """A person ticks or answers an entry."""
        page = self.pages[remote_id]
        page.parts = [
            replace(
                part,
                entries=tuple(
                    replace(e, mark=mark) if (part.key, e.key) == ref else e for e in part.entries
                ),
            )
            for part in page.parts
        ]
        self.touch(page)

    def write_own(self, remote_id: str, text: str) -> None:
        page = self.pages[remote_id]
        page.own_text += text
        self.touch(page)

    def delete(self, remote_id: str) -> None:
        del self.pages[remote_id]

    def shown(self, remote_id: str) -> str:
        """The page as a person reads it."""
        page = self.pages[remote_id]
        shown = Document("agenda", "", page.title, tuple(page.parts)).text()
        return f"{shown}\n{page.own_text}" if page.own_text else shown


class MemoryPublisher(Publisher):
    type_name = "memory"

    def __init__(
        self,
        config: MemoryDocuments,
        pair: str,
        base_dir: Path = Path("."),
        config_file: Path | None = None,
        shelf: Shelf | None = None,
    ) -> None:
        super().__init__(config, pair, base_dir, config_file)
        self.shelf = shelf if shelf is not None else Shelf()
        self.fail_with: str | None = None
        """A fault: every request raises `PublishError` with this line."""

    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes:
        self._request()
        now = {rid: str(page.version) for rid, page in self.shelf.pages.items()}
        return Changes({rid: now.get(rid) for rid, v in known.items() if now.get(rid) != v})

    def read(self, remote_id: str) -> Readback:
        self._request()
        page = self._page(remote_id)
        marks = {
            (part.key, entry.key): entry.mark
            for part in page.parts
            for entry in part.entries
            if entry.mark != Mark()
        }
        return Readback(str(page.version), marks)

    def publish(self, document: Document, remote_id: str | None) -> Published:
        self._request()
        if remote_id is None:
            remote_id = f"page-{len(self.shelf.pages) + 1}"
            page = Page(document.marker(self.pair), document.title, [])
            self.shelf.pages[remote_id] = page
        page = self._page(remote_id)
        present = {part.key for part in page.parts}
        fresh = [part for part in document.parts if part.key not in present]
        by_key = {part.key: part for part in document.parts}
        page.title = document.title
        page.parts = fresh + [by_key.get(part.key, part) for part in page.parts]
        self.shelf.touch(page)
        return Published(remote_id, str(page.version))

    def find(self, document: Document) -> str | None:
        self._request()
        marker = document.marker(self.pair)
        return next((rid for rid, p in self.shelf.pages.items() if p.marker == marker), None)

    def _page(self, remote_id: str) -> Page:
        page = self.shelf.pages.get(remote_id)
        if page is None:
            raise PublishError(self.name, f"page {remote_id} is gone")
        return page

    def _request(self) -> None:
        self.requests += 1
        if self.fail_with is not None:
            raise PublishError(self.name, self.fail_with)
