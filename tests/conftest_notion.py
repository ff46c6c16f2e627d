"""Notion simulator fixtures (a pytest plugin registered from tests/conftest.py).

Every simulator started here is checked at teardown: a request or answer outside Notion's
OpenAPI description, or outside the bodies `@notionhq/client` declares, fails the test
that made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters.notion.adapter import NotionAdapter
from adapters.notion.config import NotionTarget
from adapters.notion.sim.server import NotionSimulator, World

FAST = 300.0
"""Clock speed for most tests: Notion's 30-second rate window passes in 0.1 s."""


@pytest.fixture
def make_notion_sim() -> Iterator[Callable[..., NotionSimulator]]:
    sims: list[NotionSimulator] = []

    def make(speed: float = FAST) -> NotionSimulator:
        sim = NotionSimulator(speed=speed).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
    violations = [v for sim in sims for v in sim.violations]
    assert violations == [], "requests or answers outside Notion's description"


@pytest.fixture
def notion_sim(make_notion_sim: Callable[..., NotionSimulator]) -> NotionSimulator:
    return make_notion_sim()


@pytest.fixture
def notion_world(notion_sim: NotionSimulator) -> World:
    return notion_sim.seed()


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


@pytest.fixture
def make_notion_adapter(tmp_path: Path) -> Iterator[Callable[..., NotionAdapter]]:
    adapters: list[NotionAdapter] = []

    def make(sim: NotionSimulator, world: World, **overrides: object) -> NotionAdapter:
        adapter = NotionAdapter(notion_target(sim, world, **overrides))
        adapter.http.backoff = 0.01  # 5xx backoff in hundredths of a second, not seconds
        adapters.append(adapter)
        return adapter

    yield make
    for adapter in adapters:
        adapter.close()


@pytest.fixture
def notion_adapter(
    make_notion_adapter: Callable[..., NotionAdapter],
    notion_sim: NotionSimulator,
    notion_world: World,
) -> NotionAdapter:
    return make_notion_adapter(notion_sim, notion_world)
