"""Fixtures for the Trello simulator and adapter: a fresh simulator per test on a free
loopback port, whose teardown fails the test if any request or answer broke the
official OpenAPI description."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.trello.adapter import TrelloAdapter
from adapters.trello.config import TrelloTarget
from adapters.trello.sim.server import TrelloSimulator


@pytest.fixture
def trello_sim() -> Iterator[TrelloSimulator]:
    """Clock at 100x: Trello's 10-second rate-limit window lasts 0.1 s."""
    sim = TrelloSimulator(speed=100).start()
    yield sim
    sim.stop()
    assert sim.violations == [], "requests or answers broke the Trello OpenAPI description"


@pytest.fixture
def trello_board(trello_sim: TrelloSimulator) -> str:
    """An empty board: the adapter creates the lists it needs."""
    return trello_sim.create_board("Team board")


@pytest.fixture
def make_trello_adapter(
    trello_sim: TrelloSimulator, trello_board: str, tmp_path: Path
) -> Iterator[Callable[..., TrelloAdapter]]:
    """Build adapters on the simulator's board; keyword arguments override config keys."""
    made: list[TrelloAdapter] = []

    def make(**overrides: Any) -> TrelloAdapter:
        config: dict[str, Any] = {
            "name": "assistant-trello",
            "type": "trello",
            "board_id": trello_board,
            "api_key": SecretStr(trello_sim.key),
            "token": SecretStr(trello_sim.token),
            "base_url": trello_sim.base_url,
            "retry_seconds": 2.0,
            **trello_sim.pacing(),
        }
        config.update(overrides)
        adapter = TrelloAdapter(TrelloTarget(**config))
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()
