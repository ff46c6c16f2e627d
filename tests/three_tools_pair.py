"""The `three_tools` fixture: a pair mirrored into a Markdown file, a Trello board and an
Asana project on fresh simulators, with the trust tests' `pair.toml` written."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.asana.sim.server import AsanaSimulator, World
from adapters.trello.sim.server import TrelloSimulator
from tests.three_tools import ThreeTools


@pytest.fixture
def three_tools(
    trello_sim: TrelloSimulator,
    trello_board: str,
    asana_sim: AsanaSimulator,
    asana_world: World,
    tmp_path: Path,
) -> ThreeTools:
    tools = ThreeTools(tmp_path, trello_sim, trello_board, asana_sim, asana_world)
    tools.write_config()
    return tools
