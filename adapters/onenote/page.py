"""A `Document` as OneNote page HTML, the PATCH commands that update it in place, and the
marks read back from the HTML Graph returns.

What pairsync writes is addressed by `data-id` (OneNote keeps it on every element it was
given): the page's container `<div data-id="MARKER">` holds one `<div data-id="ps-P">`
per part; a checkbox is a `<p data-tag="to-do" data-id="ps-P-E">`, its answer the
`<p data-id="ps-P-E-a">` under it. Keys are base32-encoded into the ids (OneNote
allows letters, digits and '-' there), so ids read back give the keys. Updates replace
pairsync's parts by id; a person's own paragraphs around them are never addressed.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from adapters.docids import ANSWER, entry_id, marks_from, part_id
from sync.documents.base import Document, EntryRef, Mark, Part

TODO = "to-do"
DONE = "to-do:completed"


def page_html(document: Document, marker: str) -> str:
    """The whole page, for `POST /sections/{id}/pages` (Content-Type: text/html)."""
    parts = "".join(part_html(part) for part in document.parts)
    return (
        f"<!DOCTYPE html><html><head><title>{_text(document.title)}</title></head>"
        f'<body><div data-id="{marker}">{parts}</div></body></html>'
    )


def part_html(part: Part) -> str:
    body = [f"<h2>{_text(part.heading)}</h2>"]
    if part.note:
        body.append(f"<p>{_text(part.note)}</p>")
    if part.table is not None:
        head = "".join(f"<td><b>{_text(c)}</b></td>" for c in part.table.columns)
        rows = "".join(
            "<tr>" + "".join(f"<td>{_text(c)}</td>" for c in row.cells) + "</tr>"
            for row in part.table.rows
        )
        body.append(f'<table border="1"><tr>{head}</tr>{rows}</table>')
    for entry in part.entries:
        ident = entry_id(part.key, entry.key)
        tag = (
            ""
            if entry.mark.ticked is None
            else f' data-tag="{DONE if entry.mark.ticked else TODO}"'
        )
        body.append(f'<p data-id="{ident}"{tag}>{_text(entry.text)}</p>')
        if entry.mark.answer is not None:
            body.append(f'<p data-id="{ident}{ANSWER}">{_text(entry.mark.answer)}</p>')
    return f'<div data-id="{part_id(part.key)}">{"".join(body)}</div>'


def patch_commands(document: Document, marker: str, shown: PageContent) -> list[dict[str, str]]:
    """The commands that make the page show `document`: each part it has replaced in place,
    new parts prepended to pairsync's container (in the document's order), the title."""
    commands: list[dict[str, str]] = []
    if shown.title != document.title:
        commands.append({"target": "title", "action": "Replace", "content": document.title})
    fresh = [part for part in document.parts if part_id(part.key) not in shown.ids]
    for part in document.parts:
        if part_id(part.key) in shown.ids:
            commands.append(
                {"target": f"#{part_id(part.key)}", "action": "Replace", "content": part_html(part)}
            )
    if fresh:
        where = f"#{marker}" if marker in shown.ids else "body"
        action = "Prepend" if marker in shown.ids else "Append"
        commands += [
            {"target": where, "action": action, "content": part_html(part)}
            for part in (reversed(fresh) if action == "Prepend" else fresh)
        ]
    return commands


@dataclass
class PageContent:
    """What pairsync reads of a page's HTML: its title, the data-ids on it, and per
    data-id the element's `data-tag` and text."""

    title: str = ""
    ids: set[str] = field(default_factory=set)
    tags: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def marks(self) -> dict[EntryRef, Mark]:
        """Ticks and answers of every pairsync entry on the page, by (part, entry) key."""
        ticks = {}
        for ident, tags in self.tags.items():
            todo = [t for t in tags.split(",") if t.startswith(TODO)]
            if todo:
                ticks[ident] = todo[0] == DONE
        return marks_from(self.ids, ticks, self.texts)


def read_page(source: str) -> PageContent:
    reader = _Reader()
    reader.feed(source)
    reader.close()
    return reader.content


class _Reader(HTMLParser):
    """Collects the title and, for every element with a data-id, its tag and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.content = PageContent()
        self._open: list[tuple[str, str | None]] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values: dict[str, Any] = dict(attrs)
        ident = values.get("data-id")
        if tag == "title":
            self._in_title = True
        if ident:
            self.content.ids.add(ident)
            self.content.texts.setdefault(ident, "")
            if values.get("data-tag"):
                self.content.tags[ident] = values["data-tag"]
        if tag not in _VOID:
            self._open.append((tag, ident))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.content.title += data
        for _, ident in self._open:
            if ident is not None:
                self.content.texts[ident] += data

    def close(self) -> None:
        super().close()
        self.content.title = " ".join(self.content.title.split())
        self.content.texts = {k: " ".join(v.split()) for k, v in self.content.texts.items()}


_VOID = frozenset({"meta", "br", "img", "input", "hr", "link", "object"})


def _text(value: str) -> str:
    return html.escape(" ".join(value.split()), quote=False)
