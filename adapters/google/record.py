"""The pair's record as Google Docs text, without I/O: how a `Document` is laid out, the
named ranges pairsync writes over its parts, the one `batchUpdate` that brings a document
up to date, and the answers read back.

Layout: the title, then each part: its heading, its note, a table as one line per row
(`Raised | Decision | …`), and its entries, one line each: `✓` ticked, `☐` not, `•` no
checkbox; an entry with room for an answer has an `Answer: …` line under it, where a
person types. Every part is a named range (`pairsync.part ["key"]`), and so is each
entry line and each answer line, so a person's text outside them is never touched and
their answer is found wherever the document moved it.

Docs counts indexes in UTF-16 code units, so every offset here does too (`units`).
Parts are replaced from the bottom up, so that each request's indexes are those of the
document as the requests before it left it; a new part goes above the parts already
there (the newest meeting on top).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sync.documents.base import Document, EntryRef, Mark, Part

Json = dict[str, Any]
TITLE = "pairsync.title"
BOX = {True: "✓", False: "☐", None: "•"}
ANSWER = "Answer: "


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _name(kind: str, *keys: str) -> str:
    return f"pairsync.{kind} {json.dumps(list(keys), ensure_ascii=False)}"


def _keys(name: str) -> tuple[str, list[str]] | None:
    head, _, rest = name.partition(" ")
    if not head.startswith("pairsync.") or not rest:
        return None
    try:
        keys = json.loads(rest)
    except ValueError:
        return None
    return head.removeprefix("pairsync."), [str(k) for k in keys]


@dataclass(frozen=True)
class Block:
    """Text to write at one place, with the named ranges over it (offsets in units)."""

    text: str
    ranges: tuple[tuple[str, int, int], ...]

    def __add__(self, other: Block) -> Block:
        shift = units(self.text)
        moved = tuple((n, s + shift, e + shift) for n, s, e in other.ranges)
        return Block(self.text + other.text, self.ranges + moved)


def _line(text: str, *names: str) -> Block:
    line = text.replace("\n", " ") + "\n"
    return Block(line, tuple((name, 0, units(line)) for name in names))


def part_block(part: Part) -> Block:
    block = _line(part.heading)
    for line in part.note.splitlines() if part.note else []:
        block += _line(line)
    if part.table is not None:
        block += _line(" | ".join(part.table.columns))
        for row in part.table.rows:
            block += _line(" | ".join(row.cells))
    for entry in part.entries:
        block += _line(
            f"{BOX[entry.mark.ticked]} {entry.text}", _name("entry", part.key, entry.key)
        )
        if entry.mark.answer is not None:
            block += _line(ANSWER + entry.mark.answer, _name("answer", part.key, entry.key))
    return Block(block.text, ((_name("part", part.key), 0, units(block.text)), *block.ranges))


def _joined(blocks: list[Block]) -> Block:
    joined = blocks[0]
    for block in blocks[1:]:
        joined += block
    return joined


def named_ranges(doc: Json) -> dict[str, tuple[int, int]]:
    """Name -> (start, end) of the first range of each name."""
    found = {}
    for name, group in (doc.get("namedRanges") or {}).items():
        spans = [r for nr in group.get("namedRanges", []) for r in nr.get("ranges", [])]
        if spans:
            found[name] = (int(spans[0].get("startIndex", 0)), int(spans[0]["endIndex"]))
    return found


def body_text(doc: Json) -> str:
    """The body's text from index 1 (what follows the section break)."""
    runs = []
    for element in doc.get("body", {}).get("content", []):
        for part in element.get("paragraph", {}).get("elements", []):
            runs.append(part.get("textRun", {}).get("content", ""))
    return "".join(runs)


def span_text(text: str, start: int, end: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[(start - 1) * 2 : (end - 1) * 2].decode("utf-16-le", "replace")


def marks(doc: Json) -> dict[EntryRef, Mark]:
    """The answers a person typed, by (part key, entry key); ticks are not shown by the
    Docs API, so every mark's `ticked` is None."""
    ranges = named_ranges(doc)
    text = body_text(doc)
    found: dict[EntryRef, Mark] = {}
    for name in ranges:
        parsed = _keys(name)
        if parsed is None or parsed[0] != "entry" or len(parsed[1]) != 2:
            continue
        part, entry = parsed[1]
        answer_span = ranges.get(_name("answer", part, entry))
        answer = None
        if answer_span is not None:
            line = span_text(text, *answer_span).rstrip("\n")
            answer = line.removeprefix(ANSWER.rstrip()).strip()
        found[(part, entry)] = Mark(None, answer)
    return found


def requests(doc: Json, document: Document) -> list[Json]:
    """The requests that bring `doc` (as `documents.get` answered) to `document`."""
    ranges = named_ranges(doc)
    owned = {name: _keys(name) for name in ranges}
    ops: list[tuple[int, int, Block]] = []
    """(start, end of what it replaces, block), end == start for an insertion."""
    parts = {_name("part", p.key): part_block(p) for p in document.parts}
    text = body_text(doc)
    for name, block in parts.items():
        if name in ranges:
            start, end = ranges[name]
            if span_text(text, start, end) != block.text:
                ops.append((start, end, block))
    new = [block for name, block in parts.items() if name not in ranges]
    title = _line(document.title, TITLE)
    if TITLE not in ranges:
        ops.append((1, 1, _joined([title, *new])))
    else:
        if span_text(text, *ranges[TITLE]) != title.text:
            ops.append((*ranges[TITLE], title))
        if new:
            starts = [s for n, (s, _) in ranges.items() if n.startswith("pairsync.part ")]
            top = min(starts, default=ranges[TITLE][1])
            ops.append((top, top, _joined(new)))
    out: list[Json] = []
    for start, end, block in sorted(ops, key=lambda op: (op[0], op[1]), reverse=True):
        if end > start:
            out += [
                {"deleteNamedRange": {"name": name}}
                for name, (s, e) in ranges.items()
                if owned[name] is not None and start <= s and e <= end
            ]
            out.append({"deleteContentRange": {"range": {"startIndex": start, "endIndex": end}}})
        out.append({"insertText": {"location": {"index": start}, "text": block.text}})
        out += [
            {
                "createNamedRange": {
                    "name": n,
                    "range": {"startIndex": start + s, "endIndex": start + e},
                }
            }
            for n, s, e in block.ranges
        ]
    return out
