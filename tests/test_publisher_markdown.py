"""Markdown notes in a folder pass the publisher contract; a person edits the files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.markdown.documents import MarkdownDocuments, MarkdownPublisher
from sync.documents.base import EntryRef, Mark
from tests.publisher_contract import MakePublisher, PublisherContract


class FileHands:
    """A person in an editor: edits the note's text as it is on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        path = self.folder / remote_id
        text = path.read_text(encoding="utf-8")
        part = text.index(f"<!-- pairsync:part {ref[0]} -->")
        line = re.compile(
            r"- \[[ x]\] (.*?) <!-- " + re.escape(ref[1]) + r" -->\n(    Answer:.*\n)?"
        )
        found = line.search(text, part)
        assert found is not None
        box = "- [x]" if mark.ticked else "- [ ]"
        answer = found.group(2) or ""
        if mark.answer is not None:
            answer = f"    Answer: {mark.answer}\n"
        new = f"{box} {found.group(1)} <!-- {ref[1]} -->\n{answer}"
        path.write_text(text[: found.start()] + new + text[found.end() :], encoding="utf-8")

    def write_own(self, remote_id: str, text: str) -> None:
        path = self.folder / remote_id
        path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")

    def delete(self, remote_id: str) -> None:
        (self.folder / remote_id).unlink()

    def shown(self, remote_id: str) -> str:
        return (self.folder / remote_id).read_text(encoding="utf-8")


@pytest.fixture
def make_publisher(tmp_path: Path) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> MarkdownPublisher:
        return MarkdownPublisher(
            MarkdownDocuments(name="vault", type="markdown", folder=Path("record")), pair, tmp_path
        )

    return make


@pytest.fixture
def hands(tmp_path: Path) -> FileHands:
    return FileHands(tmp_path / "record")


class TestMarkdownPublisher(PublisherContract):
    publisher_class = MarkdownPublisher
