"""Asana simulator fixtures (a pytest plugin registered from tests/conftest.py, made by
tests/sim_fixtures.py): `make_asana_sim`, `asana_sim`, `asana_world`,
`make_asana_adapter`, `asana_adapter`, and the official SDK's client on the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import asana
import pytest

from adapters.asana.adapter import AsanaAdapter
from adapters.asana.config import AsanaTarget
from adapters.asana.sim.server import AsanaSimulator, World
from tests.sim_fixtures import adapter_fixtures, simulator_fixtures

FAST = 600.0
"""Clock speed for most tests: a minute of Asana's rate window passes in 0.1 s."""


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


def _adapter(sim: AsanaSimulator, world: World, _: Path, **overrides: object) -> AsanaAdapter:
    adapter = AsanaAdapter(asana_target(sim, world, **overrides))
    adapter.client.backoff = 0.01  # 5xx backoff in hundredths of a second, not seconds
    return adapter


make_asana_sim, asana_sim, asana_world = simulator_fixtures(
    "asana", AsanaSimulator, "the Asana OpenAPI spec", speed=FAST, limit=150
)
make_asana_adapter, asana_adapter = adapter_fixtures("asana", "asana", _adapter)


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
