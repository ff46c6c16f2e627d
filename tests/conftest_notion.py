"""Notion simulator fixtures (a pytest plugin registered from tests/conftest.py, made by
tests/sim_fixtures.py): `make_notion_sim`, `notion_sim`, `notion_world`,
`make_notion_adapter`, `notion_adapter`. A request or answer outside Notion's OpenAPI
description, or outside the bodies `@notionhq/client` declares, fails the test."""

from __future__ import annotations

from pathlib import Path

from adapters.notion.adapter import NotionAdapter
from adapters.notion.config import NotionTarget
from adapters.notion.sim.server import NotionSimulator, World
from tests.sim_fixtures import adapter_fixtures, simulator_fixtures

FAST = 300.0
"""Clock speed for most tests: Notion's 30-second rate window passes in 0.1 s."""


def notion_target(sim: NotionSimulator, world: World, **overrides: object) -> NotionTarget:
    values: dict[str, object] = {
        "type": "notion",
        "name": "dana-notion",
        "data_source_id": world.data_source_id,
        "token": world.token,
        "base_url": sim.base_url,
        **sim.pacing(),
    }
    return NotionTarget.model_validate(values | overrides)


def _adapter(sim: NotionSimulator, world: World, _: Path, **overrides: object) -> NotionAdapter:
    adapter = NotionAdapter(notion_target(sim, world, **overrides))
    adapter.http.backoff = 0.01  # 5xx backoff in hundredths of a second, not seconds
    return adapter


make_notion_sim, notion_sim, notion_world = simulator_fixtures(
    "notion", NotionSimulator, "Notion's description", speed=FAST
)
make_notion_adapter, notion_adapter = adapter_fixtures("notion", "notion", _adapter)
