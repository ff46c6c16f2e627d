"""Google simulator fixtures (a pytest plugin registered from tests/conftest.py, made by
tests/sim_fixtures.py): `make_google_sim`, `google_sim`, `google_world`,
`make_sheets_adapter`, `sheets_adapter`. A request or answer outside the discovery
documents inside google-api-python-client fails the test."""

from __future__ import annotations

from pathlib import Path

from adapters.google.config import GoogleSheetsTarget
from adapters.google.sheets import GoogleSheetsAdapter
from adapters.google.sim.server import GoogleSimulator, World
from tests.sim_fixtures import adapter_fixtures, simulator_fixtures

FAST = 600.0
"""Clock speed for most tests: a minute of Google's quota window passes in 0.1 s."""


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


def _adapter(
    sim: GoogleSimulator, world: World, folder: Path, **overrides: object
) -> GoogleSheetsAdapter:
    return GoogleSheetsAdapter(sheets_target(sim, world, folder, **overrides))


make_google_sim, google_sim, google_world = simulator_fixtures(
    "google", GoogleSimulator, "Google's discovery documents", speed=FAST
)
make_sheets_adapter, sheets_adapter = adapter_fixtures("sheets", "google", _adapter)
