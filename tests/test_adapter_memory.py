"""The in-memory target, the reference implementation, passes the adapter contract."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.base import Adapter
from adapters.memory import MemoryAdapter, MemoryBoard, MemoryTarget
from tests.contract import AdapterContract, MakeAdapter


class OtherList:
    """A list of the tool that the target does not map."""

    def __init__(self, board: MemoryBoard) -> None:
        self.board = board

    def add(self, title: str) -> None:
        self.board.elsewhere[f"other-{len(self.board.elsewhere) + 1}"] = title

    def state(self) -> object:
        return dict(self.board.elsewhere)


@pytest.fixture
def board() -> MemoryBoard:
    return MemoryBoard()


class TestMemoryContract(AdapterContract):
    adapter_class = MemoryAdapter

    @pytest.fixture
    def make_adapter(self, board: MemoryBoard) -> MakeAdapter:
        return lambda: MemoryAdapter(MemoryTarget(name="memory", board=board))

    @pytest.fixture
    def outside(self, board: MemoryBoard) -> OtherList:
        return OtherList(board)

    @pytest.fixture
    def failures(self) -> dict[str, Callable[[], Adapter]]:
        def down() -> Adapter:
            return MemoryAdapter(
                MemoryTarget(name="memory", board=MemoryBoard(down="the tool is down"))
            )

        return {"down": down}
