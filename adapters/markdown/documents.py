"""The pair's record as Markdown notes in a folder (an Obsidian vault, a synced folder): one
file per document, with no service and no credentials (the demo's documents).

What pairsync owns in a file is fenced by HTML comments, which Markdown viewers hide: the
first line (`<!-- pairsync:document MARKER -->`, how a lost state finds the file again)
with the title under it, and each part between `<!-- pairsync:part KEY -->` and
`<!-- /pairsync:part -->`. A person's own text outside them is kept as it is. A checkbox
is `- [ ] text <!-- entry key -->`, its answer the indented `Answer:` line under it.
A file is written whole (temp file, fsync, `os.replace`), only when pairsync's parts change.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from sync.contract import CheckLine
from sync.documents.base import (
    Changes,
    Document,
    Entry,
    EntryRef,
    Mark,
    Part,
    Published,
    Publisher,
    PublishError,
    Readback,
)
from sync.documents.config import DocumentBase


class MarkdownDocuments(DocumentBase):
    type: Literal["markdown"]
    folder: Path
    """Where the notes go (relative to the config file); made on the first publish."""


_HEADER = re.compile(r"\A<!-- pairsync:document (?P<marker>\S+) -->\n# [^\n]*\n")
_PART = re.compile(
    r"<!-- pairsync:part (?P<key>.+?) -->\n(?P<body>.*?)<!-- /pairsync:part -->\n?", re.DOTALL
)
_BOX = re.compile(r"^- \[(?P<tick>[ xX])\] (?P<text>.*?) <!-- (?P<key>\S+) -->\s*$")
_ANSWER = re.compile(r"^\s+Answer:[ \t]*(?P<answer>.*?)\s*$")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class MarkdownPublisher(Publisher):
    type_name = "markdown"

    def __init__(
        self, config: MarkdownDocuments, pair: str, base_dir: Path, config_file: Path | None = None
    ) -> None:
        super().__init__(config, pair, base_dir, config_file)
        self.folder = (base_dir / config.folder.expanduser()).resolve()

    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes:
        """One scan of the folder: a file's version is its size and modification time."""
        now = self._versions()
        return Changes({rid: now.get(rid) for rid, v in known.items() if now.get(rid) != v})

    def read(self, remote_id: str) -> Readback:
        text, version = self._load(remote_id)
        marks: dict[EntryRef, Mark] = {}
        for match in _PART.finditer(text):
            for key, mark in _marks(match.group("body")).items():
                marks[(match.group("key"), key)] = mark
        return Readback(version, marks)

    def publish(self, document: Document, remote_id: str | None) -> Published:
        if remote_id is None:
            remote_id = self._new_name(document.title)
            text = ""
        else:
            text = self._load(remote_id)[0]
        self._write(remote_id, _merged(text, document, document.marker(self.pair)))
        return Published(remote_id, self._versions().get(remote_id))

    def find(self, document: Document) -> str | None:
        marker = document.marker(self.pair)
        for name in sorted(self._versions()):
            header = _HEADER.match(self._load(name)[0])
            if header is not None and header.group("marker") == marker:
                return name
        return None

    def check(self) -> list[CheckLine]:
        if self.folder.is_dir() and not os.access(self.folder, os.W_OK):
            return [CheckLine("folder", False, f"{self.folder} is not writable")]
        return [CheckLine("folder", True, str(self.folder))]

    # -- files ------------------------------------------------------------------------------
    def _versions(self) -> dict[str, str]:
        self.requests += 1
        try:
            with os.scandir(self.folder) as entries:
                return {
                    e.name: f"{e.stat().st_mtime_ns}-{e.stat().st_size}"
                    for e in entries
                    if e.name.endswith(".md") and e.is_file()
                }
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise PublishError(self.name, f"cannot list {self.folder}: {exc.strerror}") from None

    def _load(self, name: str) -> tuple[str, str]:
        self.requests += 1
        path = self.folder / name
        try:
            data = path.read_bytes()
            st = path.stat()
        except OSError as exc:
            raise PublishError(self.name, f"cannot read {path}: {exc.strerror}") from None
        return data.decode("utf-8", "surrogateescape"), f"{st.st_mtime_ns}-{st.st_size}"

    def _new_name(self, title: str) -> str:
        stem = " ".join(_UNSAFE.sub(" ", title).split()).strip(" .")[:120] or "pairsync"
        taken = self._versions()
        name, number = f"{stem}.md", 2
        while name in taken:
            name, number = f"{stem} ({number}).md", number + 1
        return name

    def _write(self, name: str, text: str) -> None:
        self.requests += 1
        path = self.folder / name
        temp = self.folder / f".{name}.{secrets.token_hex(4)}.pairsync-tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with temp.open("wb") as file:
                file.write(text.encode("utf-8", "surrogateescape"))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise PublishError(self.name, f"cannot write {path}: {exc.strerror}") from None


def _merged(text: str, document: Document, marker: str) -> str:
    """The file with pairsync's header and parts as `document` says; a part the file has
    and the document lacks stays; new parts go above the parts already there."""
    header = f"<!-- pairsync:document {marker} -->\n# {_line(document.title)}\n"
    found = _HEADER.match(text)
    rest = text[found.end() :] if found else ("\n" + text if text else "")
    present = {m.group("key") for m in _PART.finditer(rest)}
    fresh = "".join(_part(p) for p in document.parts if p.key not in present)
    by_key = {p.key: p for p in document.parts}
    rest = _PART.sub(
        lambda m: _part(by_key[m.group("key")]) if m.group("key") in by_key else m.group(0), rest
    )
    first = _PART.search(rest)
    at = first.start() if first else len(rest)
    if fresh and not first:
        fresh = ("\n" if rest and not rest.startswith("\n") else "") + fresh
    return header + rest[:at] + fresh + ("\n" if fresh and first else "") + rest[at:]


def _part(part: Part) -> str:
    lines = [f"<!-- pairsync:part {part.key} -->", f"## {_line(part.heading)}", ""]
    if part.note:
        lines += [_line(part.note), ""]
    if part.table is not None:
        lines.append("| " + " | ".join(part.table.columns) + " |")
        lines.append("|" + " --- |" * len(part.table.columns))
        lines += ["| " + " | ".join(_cell(c) for c in row.cells) + " |" for row in part.table.rows]
        lines.append("")
    lines += [line for entry in part.entries for line in _entry(entry)]
    if part.entries:
        lines.append("")
    return "\n".join(lines) + "\n<!-- /pairsync:part -->\n"


def _entry(entry: Entry) -> list[str]:
    box = {None: "-", False: "- [ ]", True: "- [x]"}[entry.mark.ticked]
    lines = [f"{box} {_line(entry.text)} <!-- {entry.key} -->"]
    if entry.mark.answer is not None:
        lines.append(f"    Answer: {_line(entry.mark.answer)}".rstrip())
    return lines


def _marks(body: str) -> dict[str, Mark]:
    marks: dict[str, Mark] = {}
    lines = body.splitlines()
    for index, line in enumerate(lines):
        box = _BOX.match(line)
        if box is None:
            continue
        following = _ANSWER.match(lines[index + 1]) if index + 1 < len(lines) else None
        answer = following.group("answer") if following else None
        marks[box.group("key")] = Mark(box.group("tick") != " ", answer)
    return marks


def _line(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    return _line(text).replace("|", "\\|")
