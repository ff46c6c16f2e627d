"""Google simulator fixtures (a pytest plugin registered from tests/conftest.py).

Every simulator started here is checked at teardown: a request or answer outside the
discovery documents inside google-api-python-client fails the test that made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.google.config import GoogleSheetsTarget
from adapters.google.sheets import GoogleSheetsAdapter
from adapters.google.sim.server import GoogleSimulator, World

FAST = 600.0
"""Clock speed for most tests: a minute of Google's quota window passes in 0.1 s."""


@pytest.fixture
def make_google_sim() -> Iterator[Callable[..., GoogleSimulator]]:
    sims: list[GoogleSimulator] = []

    def make(speed: float = FAST) -> GoogleSimulator:
        sim = GoogleSimulator(speed=speed).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
    violations = [v for sim in sims for v in sim.violations]
    assert violations == [], "requests or answers outside Google's discovery documents"


@pytest.fixture
def google_sim(make_google_sim: Callable[..., GoogleSimulator]) -> GoogleSimulator:
    return make_google_sim()


@pytest.fixture
def google_world(google_sim: GoogleSimulator) -> World:
    return google_sim.seed()


def sheets_target(
    sim: GoogleSimulator, world: World, folder: Path, **overrides: object
) -> GoogleSheetsTarget:
    values: dict[str, object] = {
        "type": "google_sheets",
        "name": "lee-sheet",
        "spreadsheet_id": world.spreadsheet_id,
        "credentials": str(world.credentials(folder)),
        "base_url": sim.base_url,
        "drive_base_url": sim.base_url,
        "retry_seconds": 5,
        **sim.pacing(),
    }
    return GoogleSheetsTarget.model_validate(values | overrides)


@pytest.fixture
def make_sheets_adapter(tmp_path: Path) -> Callable[..., GoogleSheetsAdapter]:
    def make(sim: GoogleSimulator, world: World, **overrides: object) -> GoogleSheetsAdapter:
        return GoogleSheetsAdapter(sheets_target(sim, world, tmp_path, **overrides))

    return make


@pytest.fixture
def sheets_adapter(
    make_sheets_adapter: Callable[..., GoogleSheetsAdapter],
    google_sim: GoogleSimulator,
    google_world: World,
) -> GoogleSheetsAdapter:
    return make_sheets_adapter(google_sim, google_world)
