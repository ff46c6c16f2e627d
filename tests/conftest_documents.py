"""Fixtures of the document services' simulators (OneNote's Graph, Evernote's Thrift), each
failing the test at teardown if a request or answer broke the service's description; and
`IdHands`, a person in a tool that names pairsync's entries by `adapters.docids`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from adapters.docids import ANSWER, entry_id
from adapters.evernote.sim.server import EvernoteSimulator
from adapters.onenote.sim.server import OneNoteSimulator
from sync.documents.base import EntryRef, Mark


@pytest.fixture
def onenote() -> Iterator[OneNoteSimulator]:
    sim = OneNoteSimulator(speed=60).start()
    yield sim
    sim.stop()
    assert sim.violations == [], "requests or answers broke Graph's OneNote description"


@pytest.fixture
def evernote() -> Iterator[EvernoteSimulator]:
    sim = EvernoteSimulator(speed=60).start()
    yield sim
    sim.stop()


class IdHands:
    """A person ticking, answering, writing and deleting in OneNote or Evernote (the
    simulators' `person`, and how that tool deletes a document)."""

    def __init__(self, person: Any, delete: Callable[[str], None]) -> None:
        self.person = person
        self.delete = delete

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        ident = entry_id(*ref)
        if mark.ticked is not None:
            self.person.tick(remote_id, ident, mark.ticked)
        if mark.answer is not None:
            self.person.type(remote_id, ident + ANSWER, mark.answer)

    def write_own(self, remote_id: str, text: str) -> None:
        self.person.write_own(remote_id, text)

    def shown(self, remote_id: str) -> str:
        return str(self.person.shown(remote_id))
