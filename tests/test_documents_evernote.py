"""The pair's record in Evernote, through the engine and the SDK's own Thrift: a person
ticks and answers in a note, the board follows; a settled run is one getSyncState."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from adapters.docids import ANSWER, entry_id
from adapters.evernote.sim.server import EvernoteSimulator
from tests.channel_pair import WEDNESDAY, ChannelPair
from tests.test_documents import PROBLEM, run


@pytest.fixture
def pair(tmp_path: Path, evernote: EvernoteSimulator) -> ChannelPair:
    table = "\n".join(f'{key} = "{value}"' for key, value in evernote.config_keys().items())
    pair = ChannelPair(tmp_path / "pair", f'\n[[documents]]\nname = "evernote"\n{table}\n')
    text = pair.board.read_text(encoding="utf-8")
    pair.board.write_text(text.replace("## Problems\n", f"## Problems\n\n{PROBLEM}"), "utf-8")
    return pair


def test_ticks_and_answers_in_evernote_reach_the_board_and_a_settled_run_is_one_call(
    pair: ChannelPair, evernote: EvernoteSimulator
) -> None:
    run(pair)
    notes = evernote.app.service.account.notes.values()
    assert sorted(n.title for n in notes) == [
        "1:1 — Dana Smith / Lee Park",
        "Decisions — Dana Smith / Lee Park",
        "Five Whys — Board reports are late",
    ]
    second = run(pair, WEDNESDAY + timedelta(minutes=15))
    assert second.documents.requests == {"evernote": 1}
    guid = next(n.guid for n in notes if n.title.startswith("Five Whys"))
    why1 = entry_id("steps", "step-2")
    evernote.person.tick(guid, why1)
    evernote.person.type(guid, why1 + ANSWER, "the numbers arrive on Friday")
    evernote.person.write_own(guid, "Dana: ask finance.")
    taken = run(pair, WEDNESDAY + timedelta(minutes=30))
    assert taken.documents.read_back == {"evernote": ["Board reports are late"]}
    assert "    - [x] Why 1? — the numbers arrive on Friday" in pair.board.read_text("utf-8")
    assert "Dana: ask finance." in evernote.person.shown(guid)
    before = dict(evernote.app.calls)
    settled = run(pair, WEDNESDAY + timedelta(minutes=45))
    assert settled.documents.publications == []
    calls = {k: v - before.get(k, 0) for k, v in evernote.app.calls.items()}
    assert {k: v for k, v in calls.items() if v} == {"getSyncState": 1}


def test_a_note_put_in_the_trash_is_made_again(
    pair: ChannelPair, evernote: EvernoteSimulator
) -> None:
    run(pair)
    notes = evernote.app.service.account.notes
    guid = next(n.guid for n in notes.values() if n.title.startswith("Decisions"))
    evernote.person.trash(guid)
    summary = run(pair, WEDNESDAY + timedelta(minutes=15))
    assert [p.verb for p in summary.documents.publications] == ["created"]
    live = [n.title for n in notes.values() if n.active]
    assert live.count("Decisions — Dana Smith / Lee Park") == 1
