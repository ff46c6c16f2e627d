"""A talking point ticked in the agenda document (Markdown notes here; OneNote and
Evernote show ticks the same way, Google Docs none) is discussed: its `discuss` label
comes off the board on the next run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sync.documents.base import Mark
from sync.run.summary import summary_lines
from tests.channel_pair import WEDNESDAY, ChannelPair
from tests.test_documents import VAULT, notes, run
from tests.test_publisher_markdown import FileHands


def test_a_talking_point_ticked_in_the_agenda_note_is_discussed(tmp_path: Path) -> None:
    pair = ChannelPair(tmp_path / "pair", VAULT, decisions=("Approve the offsite budget #discuss",))
    run(pair)
    agenda = "1 1 — Dana Smith Lee Park.md"
    text = notes(pair)[agenda]
    assert "To discuss: decision: Approve the offsite budget — new" in text
    part = text.split("<!-- pairsync:part ", 1)[1].split(" -->", 1)[0]
    after = text.split("To discuss: decision: Approve the offsite budget")[1]
    item_id = after.split("<!-- ", 1)[1].split(" -->", 1)[0]

    FileHands(pair.folder / "record").mark(agenda, (part, item_id), Mark(True))
    summary = run(pair, WEDNESDAY + timedelta(minutes=15))

    discussed = "took off the agenda as discussed 'Approve the offsite budget'"
    assert f"{discussed} (ticked in the agenda)" in summary_lines(summary)
    assert "#discuss" not in pair.board.read_text(encoding="utf-8")
    assert "To discuss" not in notes(pair)[agenda].split("<!-- pairsync:part ")[1]
