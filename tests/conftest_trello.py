"""Trello simulator fixtures (a pytest plugin registered from tests/conftest.py, made by
tests/sim_fixtures.py): `make_trello_sim`, `trello_sim` (its clock at 100x: Trello's
10-second rate-limit window lasts 0.1 s), `trello_board` (an empty board: the adapter
creates the lists it needs) and `make_trello_adapter(**overrides)`, adapters on that
board. A request or answer outside Trello's OpenAPI description fails the test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from adapters.trello.adapter import TrelloAdapter
from adapters.trello.config import TrelloTarget
from adapters.trello.sim.server import TrelloSimulator
from tests.sim_fixtures import simulator_fixtures

make_trello_sim, trello_sim, trello_board = simulator_fixtures(
    "trello",
    TrelloSimulator,
    "the Trello OpenAPI description",
    world="board",
    seed=lambda sim: sim.create_board("Team board"),
    speed=100,
)


@pytest.fixture
def make_trello_adapter(
    trello_sim: TrelloSimulator, trello_board: str
) -> Iterator[Callable[..., TrelloAdapter]]:
    """Adapters on `trello_board`; keyword arguments override config keys."""
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
        adapter = TrelloAdapter(TrelloTarget(**(config | overrides)))
        made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        adapter.close()
