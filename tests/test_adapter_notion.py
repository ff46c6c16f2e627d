"""The Notion adapter against the simulator over HTTP, with notion-client in between."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.base import Adapter
from adapters.notion.adapter import NotionAdapter
from adapters.notion.sim.server import NotionSimulator, World
from tests.contract import AdapterContract, MakeAdapter


class OtherRows:
    """Pages of the same database with a `Kind` pairsync does not map (a team's backlog)."""

    def __init__(self, sim: NotionSimulator, world: World) -> None:
        self.sim = sim
        self.world = world

    def add(self, title: str) -> None:
        kind = {"select": {"options": [{"name": "Backlog"}]}}
        self.sim.person.add_property(self.world.data_source_id, "Kind", kind)
        self.sim.person.create_page(self.world.data_source_id, title, Kind="Backlog")

    def state(self) -> object:
        return sorted(
            (p.id, repr(p.properties), p.last_edited_time, tuple(p.children))
            for p in self.sim.backend.pages.values()
            if p.properties.get("Kind", {}).get("select", {}).get("name") == "Backlog"
        )


class TestNotionContract(AdapterContract):
    adapter_class = NotionAdapter

    @pytest.fixture
    def make_adapter(self, make_notion_adapter, notion_sim, notion_world) -> MakeAdapter:
        return lambda: make_notion_adapter(notion_sim, notion_world)

    @pytest.fixture
    def outside(self, notion_sim: NotionSimulator, notion_world: World) -> OtherRows:
        return OtherRows(notion_sim, notion_world)

    @pytest.fixture
    def failures(
        self, make_notion_adapter, notion_sim: NotionSimulator, notion_world: World
    ) -> dict[str, Callable[[], Adapter]]:
        def down() -> Adapter:
            notion_sim.faults.fail_next = 1000
            return make_notion_adapter(notion_sim, notion_world, retry_seconds=0.5)

        def overloaded() -> Adapter:
            notion_sim.faults.fail_next = 1000
            notion_sim.faults.fail_status = 529
            return make_notion_adapter(notion_sim, notion_world, retry_seconds=0.5)

        return {
            "a token Notion rejects (401)": lambda: make_notion_adapter(
                notion_sim, notion_world, token="secret_wrong_token"
            ),
            "Notion answering 503": down,
            "Notion answering 529 service_overload": overloaded,
        }
