"""Docs v1 in the simulator: a document's body as text, indexed as Docs indexes it, and
the named ranges over it.

- Indexes count UTF-16 code units (an emoji is 2), starting at 1 after the body's
  section break; the body always ends in a newline that cannot be deleted, and text
  cannot be inserted after it.
- Paragraphs are the newline-ended runs of the text; `documents.get` answers them as
  structural elements with their start and end indexes.
- Named ranges move with the text: an insertion before a range shifts it, one inside it
  (after its start, before its end) grows it; a deletion shrinks or removes them.
- Every change makes a new `revisionId`; a `batchUpdate` whose `writeControl` asks for an
  older one (`requiredRevisionId`) is refused with 400 and changes nothing, as Docs does.
  A batch applies all its requests or none.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.simkit import ServiceError

Json = dict[str, Any]


def units(text: str) -> int:
    """The length of `text` in UTF-16 code units (Docs' index unit)."""
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, index: int) -> int:
    """The Python string offset of Docs index `index` (1-based, UTF-16) in the body."""
    count = 1
    for offset, char in enumerate(text):
        if count == index:
            return offset
        count += 2 if ord(char) > 0xFFFF else 1
        if count > index:
            raise ServiceError(400, f"Index {index} is inside a surrogate pair.")
    if count == index:
        return len(text)
    raise ServiceError(400, f"Index {index} must be less than the end index of the body.")


def _after_deletion(index: int, start: int, end: int) -> int:
    """Where `index` is once [start, end) is deleted."""
    if index <= start:
        return index
    return start if index <= end else index - (end - start)


@dataclass
class NamedRange:
    id: str
    name: str
    start: int
    end: int


@dataclass
class Doc:
    id: str
    title: str
    text: str = "\n"
    ranges: list[NamedRange] = field(default_factory=list)
    revision: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    @property
    def end(self) -> int:
        return 1 + units(self.text)

    def insert(self, index: int, text: str) -> None:
        if not 1 <= index < self.end:
            raise ServiceError(400, f"The insertion index {index} must be inside the body.")
        at = _offset(self.text, index)
        self.text = self.text[:at] + text + self.text[at:]
        grown = units(text)
        for named in self.ranges:
            if named.start >= index:
                named.start += grown
                named.end += grown
            elif named.end > index:
                named.end += grown

    def delete(self, start: int, end: int) -> None:
        if not 1 <= start < end or end >= self.end:
            raise ServiceError(
                400, "Invalid deletion range: the body's last newline cannot be deleted."
            )
        first, last = _offset(self.text, start), _offset(self.text, end)
        self.text = self.text[:first] + self.text[last:]
        for named in self.ranges:
            named.start = _after_deletion(named.start, start, end)
            named.end = _after_deletion(named.end, start, end)
        self.ranges = [named for named in self.ranges if named.end > named.start]

    def paragraphs(self) -> list[Json]:
        content: list[Json] = [{"endIndex": 1, "sectionBreak": {"sectionStyle": {}}}]
        index = 1
        for line in self.text.splitlines(keepends=True):
            end = index + units(line)
            run = {
                "startIndex": index,
                "endIndex": end,
                "textRun": {"content": line, "textStyle": {}},
            }
            style = {"namedStyleType": "NORMAL_TEXT", "direction": "LEFT_TO_RIGHT"}
            paragraph = {"elements": [run], "paragraphStyle": style}
            content.append({"startIndex": index, "endIndex": end, "paragraph": paragraph})
            index = end
        return content

    def json(self) -> Json:
        named: dict[str, Json] = {}
        for each in self.ranges:
            entry = named.setdefault(each.name, {"name": each.name, "namedRanges": []})
            entry["namedRanges"].append(
                {
                    "namedRangeId": each.id,
                    "name": each.name,
                    "ranges": [{"startIndex": each.start, "endIndex": each.end}],
                }
            )
        return {
            "documentId": self.id,
            "title": self.title,
            "body": {"content": self.paragraphs()},
            "namedRanges": named,
            "revisionId": self.revision,
        }

    def plain(self) -> str:
        """The text as a person reads it."""
        return self.text


class Documents:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.docs: dict[str, Doc] = {}
        self.edits_before_writes: list[Callable[[Doc], None]] = []
        """A fault: a person's edits, each made just before the next `batchUpdate` is
        applied (after the client read the document), as a race with an editor."""

    def create(self, doc_id: str, title: str) -> Doc:
        self.docs[doc_id] = Doc(doc_id, title)
        return self.docs[doc_id]

    def get(self, doc_id: str) -> Doc:
        found = self.docs.get(doc_id)
        if found is None:
            raise ServiceError(404, f"Requested entity was not found: {doc_id}")
        return found

    def batch_update(self, doc: Doc, requests: list[Json], control: Json | None) -> list[Json]:
        if self.edits_before_writes:
            self.edits_before_writes.pop(0)(doc)
        wanted = (control or {}).get("requiredRevisionId")
        if wanted is not None and wanted != doc.revision:
            raise ServiceError(
                400,
                "The document was modified after the required revision ID "
                f"{wanted}; read it again and retry.",
            )
        saved = copy.deepcopy((doc.text, doc.ranges))
        try:
            replies = [self._one(doc, index, request) for index, request in enumerate(requests)]
        except ServiceError:
            doc.text, doc.ranges = saved
            raise
        doc.revision = secrets.token_urlsafe(12)
        return replies

    def _one(self, doc: Doc, index: int, request: Json) -> Json:
        (name, body), *rest = request.items()
        if rest:
            raise ServiceError(400, f"Invalid requests[{index}]: more than one kind of request")
        if name == "insertText":
            at_end = "endOfSegmentLocation" in body
            doc.insert(doc.end - 1 if at_end else body["location"]["index"], body.get("text", ""))
            return {}
        if name == "deleteContentRange":
            doc.delete(body["range"]["startIndex"], body["range"]["endIndex"])
            return {}
        if name == "createNamedRange":
            span = body["range"]
            start, end = span["startIndex"], span["endIndex"]
            if not 1 <= start < end <= doc.end or not 1 <= len(body["name"]) <= 256:
                raise ServiceError(400, f"Invalid requests[{index}].createNamedRange")
            made = NamedRange("kix." + secrets.token_hex(6), body["name"], start, end)
            doc.ranges.append(made)
            return {"createNamedRange": {"namedRangeId": made.id}}
        if name == "deleteNamedRange":
            doc.ranges = [
                r
                for r in doc.ranges
                if r.name != body.get("name") and r.id != body.get("namedRangeId")
            ]
            return {}
        raise ServiceError(400, f"Invalid requests[{index}]: {name} is not simulated")
