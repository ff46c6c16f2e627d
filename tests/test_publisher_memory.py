"""The in-memory publisher, the reference implementation, passes the publisher contract."""

from __future__ import annotations

import pytest

from adapters.memory_documents import MemoryDocuments, MemoryPublisher, Shelf
from sync.documents.base import EntryRef, Mark
from tests.publisher_contract import MakePublisher, PublisherContract


class ShelfHands:
    def __init__(self, shelf: Shelf) -> None:
        self.shelf = shelf

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        self.shelf.mark(remote_id, ref, mark)

    def write_own(self, remote_id: str, text: str) -> None:
        self.shelf.write_own(remote_id, text)

    def delete(self, remote_id: str) -> None:
        self.shelf.delete(remote_id)

    def shown(self, remote_id: str) -> str:
        return self.shelf.shown(remote_id)


@pytest.fixture
def shelf() -> Shelf:
    return Shelf()


@pytest.fixture
def make_publisher(shelf: Shelf) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> MemoryPublisher:
        return MemoryPublisher(MemoryDocuments(name="record"), pair, shelf=shelf)

    return make


@pytest.fixture
def hands(shelf: Shelf) -> ShelfHands:
    return ShelfHands(shelf)


class TestMemoryPublisher(PublisherContract):
    publisher_class = MemoryPublisher
