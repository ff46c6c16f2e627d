"""A `Document` as an Evernote note's ENML, merged into what the note holds, and the marks
read back from it.

ENML has no ids (`id` and `class` are refused) but keeps a div's `title`, so pairsync's
parts are `<div title="ps-P">` and an entry is `<div title="ps-P-E"><en-todo
checked="…"/>text</div>`, its answer the `<div title="ps-P-E-a">` under it (`docids`).
Evernote replaces a note's content whole: an update reads the note, replaces pairsync's
divs by title, puts new parts above the parts already there, and keeps every other node
(a person's own text) as it was.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.entities import name2codepoint

from adapters.docids import ANSWER, entry_id, marks_from, part_id
from sync.documents.base import Document, EntryRef, Mark, Part

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE en-note SYSTEM "http://xml.evernote.com/pub/enml2.dtd">\n'
)
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})


class NotENML(ValueError):
    """The content is not well-formed ENML."""


def parse(content: str) -> ET.Element:
    """The `en-note` element of a note's content (HTML entities, which ENML's DTD defines,
    read as the characters they name)."""

    def numeric(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in _XML_ENTITIES or name not in name2codepoint:
            return match.group(0)
        return f"&#{name2codepoint[name]};"

    body = re.sub(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", "", content)
    try:
        root = ET.fromstring(_ENTITY.sub(numeric, body))
    except ET.ParseError as exc:
        raise NotENML(str(exc)) from None
    if root.tag != "en-note":
        raise NotENML(f"the root element is {root.tag}, not en-note")
    return root


def serialize(root: ET.Element) -> str:
    return HEADER + ET.tostring(root, encoding="unicode")


def note_content(document: Document) -> str:
    """The ENML of a new note."""
    root = ET.Element("en-note")
    root.extend(part_element(part) for part in document.parts)
    return serialize(root)


def merged(content: str, document: Document) -> str:
    """The note's ENML with pairsync's parts as `document` says and the rest kept."""
    root = parse(content)
    parents = {child: parent for parent in root.iter() for child in parent}
    present = {
        node.get("title"): node
        for node in root.iter("div")
        if node.get("title", "").startswith("ps-")
    }
    fresh = []
    for part in document.parts:
        old = present.get(part_id(part.key))
        if old is None:
            fresh.append(part_element(part))
            continue
        parent = parents[old]
        at = list(parent).index(old)
        parent.remove(old)
        parent.insert(at, part_element(part))
    ours = [i for i, child in enumerate(root) if _ours(child)]
    at = ours[0] if ours else 0
    for offset, element in enumerate(fresh):
        root.insert(at + offset, element)
    return serialize(root)


def _ours(node: ET.Element) -> bool:
    return node.get("title", "").startswith("ps-")


def part_element(part: Part) -> ET.Element:
    div = ET.Element("div", {"title": part_id(part.key)})
    ET.SubElement(div, "h2").text = part.heading
    if part.note:
        ET.SubElement(div, "div").text = part.note
    if part.table is not None:
        table = ET.SubElement(div, "table", {"border": "1"})
        for cells, tag in [(part.table.columns, "th"), *((r.cells, "td") for r in part.table.rows)]:
            row = ET.SubElement(table, "tr")
            for cell in cells:
                ET.SubElement(row, tag).text = cell
    for entry in part.entries:
        ident = entry_id(part.key, entry.key)
        line = ET.SubElement(div, "div", {"title": ident})
        if entry.mark.ticked is not None:
            checked = "true" if entry.mark.ticked else "false"
            ET.SubElement(line, "en-todo", {"checked": checked}).tail = entry.text
        else:
            line.text = entry.text
        if entry.mark.answer is not None:
            ET.SubElement(div, "div", {"title": ident + ANSWER}).text = entry.mark.answer
    return div


def marks(content: str) -> dict[EntryRef, Mark]:
    """Ticks and answers of every pairsync entry in the note, by (part, entry) key."""
    root = parse(content)
    ids: set[str] = set()
    ticks: dict[str, bool] = {}
    texts: dict[str, str] = {}
    for node in root.iter("div"):
        ident = node.get("title", "")
        if not ident.startswith("ps-"):
            continue
        ids.add(ident)
        texts[ident] = " ".join("".join(node.itertext()).split())
        todo = node.find("en-todo")
        if todo is not None:
            ticks[ident] = todo.get("checked", "false").lower() == "true"
    return marks_from(ids, ticks, texts)


def text(content: str) -> str:
    """The note as a person reads it in Evernote: ☐ / ☑ for to-dos, table rows."""
    lines: list[str] = []
    _lines(parse(content), lines)
    return "\n".join(lines)


def _lines(element: ET.Element, lines: list[str]) -> None:
    for child in element:
        if child.tag == "table":
            for row in child.iter("tr"):
                lines.append(" | ".join(" ".join("".join(c.itertext()).split()) for c in row))
        elif (
            child.tag == "div"
            and child.get("title", "").startswith("ps-")
            and child.find("h2") is not None
        ):
            _lines(child, lines)
        elif child.tag == "h2":
            lines += ["", " ".join("".join(child.itertext()).split())]
        else:
            todo = child.find("en-todo")
            box = "" if todo is None else "☑ " if todo.get("checked") == "true" else "☐ "
            shown = " ".join("".join(child.itertext()).split())
            if child.get("title", "").endswith(ANSWER):
                lines.append(f"    {shown}" if shown else "    …")
            else:
                lines.append(box + shown)
