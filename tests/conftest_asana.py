"""Asana simulator fixtures (a pytest plugin registered from tests/conftest.py).

Every simulator started here is checked at teardown: a request or response that broke the
official OpenAPI description fails the test that made it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import asana
import pytest

from adapters.asana.adapter import AsanaAdapter
from adapters.asana.config import AsanaTarget
from adapters.asana.sim.server import AsanaSimulator, World

FAST = 600.0
"""Clock speed for most tests: a minute of Asana's rate window passes in 0.1 s."""


@pytest.fixture
def make_asana_sim() -> Iterator[Callable[..., AsanaSimulator]]:
    sims: list[AsanaSimulator] = []

    def make(speed: float = FAST, limit: int = 150) -> AsanaSimulator:
        sim = AsanaSimulator(speed=speed, limit=limit).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
    violations = [v for sim in sims for v in sim.violations]
    assert violations == [], "requests or responses outside the Asana OpenAPI spec"


@pytest.fixture
def asana_sim(make_asana_sim: Callable[..., AsanaSimulator]) -> AsanaSimulator:
    return make_asana_sim()


@pytest.fixture
def asana_world(asana_sim: AsanaSimulator) -> World:
    return asana_sim.seed()


def asana_target(sim: AsanaSimulator, world: World, **overrides: object) -> AsanaTarget:
    values: dict[str, object] = {
        "type": "asana",
        "name": "exec-asana",
        "project_gid": world.project_gid,
        "token": world.token,
        "base_url": sim.base_url,
        **sim.pacing(),
    }
    return AsanaTarget.model_validate(values | overrides)


@pytest.fixture
def make_asana_adapter(tmp_path: Path) -> Iterator[Callable[..., AsanaAdapter]]:
    adapters: list[AsanaAdapter] = []

    def make(sim: AsanaSimulator, world: World, **overrides: object) -> AsanaAdapter:
        adapter = AsanaAdapter(asana_target(sim, world, **overrides))
        adapter.client.backoff = 0.01  # 5xx backoff in hundredths of a second, not seconds
        adapters.append(adapter)
        return adapter

    yield make
    for adapter in adapters:
        adapter.close()


@pytest.fixture
def asana_adapter(
    make_asana_adapter: Callable[..., AsanaAdapter], asana_sim: AsanaSimulator, asana_world: World
) -> AsanaAdapter:
    return make_asana_adapter(asana_sim, asana_world)


@pytest.fixture
def asana_client(asana_sim: AsanaSimulator, asana_world: World) -> Iterator[asana.ApiClient]:
    """The official SDK pointed at the simulator, without its own retries."""
    configuration = asana.Configuration()
    configuration.host = asana_sim.base_url
    configuration.access_token = asana_world.token
    configuration.retry_strategy = False
    client = asana.ApiClient(configuration)
    yield client
    client.pool.close()
