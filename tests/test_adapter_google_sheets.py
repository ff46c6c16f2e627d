"""The Google Sheets target against the simulator over HTTP, through google-api-python-client."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.base import Adapter
from adapters.google.sheets import GoogleSheetsAdapter
from adapters.google.sim.server import GoogleSimulator, World
from tests.contract import AdapterContract, MakeAdapter


class OtherRows:
    """Rows of the team's own in the board tab: a Kind pairsync does not map."""

    def __init__(self, sim: GoogleSimulator, world: World) -> None:
        self.person = sim.person(world)

    def add(self, title: str) -> None:
        """The team's tracker tab exists already, with a row of theirs under the header."""
        self.person.add_tab("Board", ["Kind", "Title", "Notes"])
        self.person.insert_row("Board", 1, ["Team", title, "kept"])

    def state(self) -> object:
        return [row for row in self.person.rows("Board") if row and row[0] == "Team"]


class TestGoogleSheetsContract(AdapterContract):
    adapter_class = GoogleSheetsAdapter

    @pytest.fixture
    def make_adapter(self, make_sheets_adapter, google_sim, google_world) -> MakeAdapter:
        return lambda: make_sheets_adapter(google_sim, google_world)

    @pytest.fixture
    def outside(self, google_sim: GoogleSimulator, google_world: World) -> OtherRows:
        return OtherRows(google_sim, google_world)

    @pytest.fixture
    def failures(
        self, make_sheets_adapter, google_sim: GoogleSimulator, google_world: World
    ) -> dict[str, Callable[[], Adapter]]:
        def down() -> Adapter:
            adapter = make_sheets_adapter(google_sim, google_world, retry_seconds=0.5)
            adapter.read()  # its access token in hand (google-auth retries a 503 refresh)
            google_sim.faults.fail_next = 1000
            return adapter

        def revoked() -> Adapter:
            google_sim.faults.fail_next = 0
            google_sim.revoke(google_world)
            return make_sheets_adapter(google_sim, google_world)

        return {
            "a spreadsheet the account cannot see": lambda: make_sheets_adapter(
                google_sim, google_world, spreadsheet_id="nope"
            ),
            "Google answering 503": down,
            "a revoked refresh token": revoked,  # last: it revokes the world's token
        }
