"""One factory for the pytest fixtures of every HTTP tool's simulator and adapter, which
each tool's plugin (tests/conftest_<tool>.py) calls with what differs: the simulator class
and its clock, the words naming the published description it validates against, and
how an adapter is built on a seeded account.

- `make_<tool>_sim(**options)` starts simulators on free loopback ports (`options` over
  the tool's defaults, e.g. `speed=1.0`); at teardown they stop, and a request or answer
  any of them found outside the tool's description fails the test that made it;
- `<tool>_sim`: one of them; `<tool>_world`: its seeded account (`sim.seed()`; Trello's
  `trello_board`, an empty board);
- `make_<name>_adapter(sim, world, **overrides)`: adapters on it (config keys
  overridden), closed at teardown; `<name>_adapter`: one on `<tool>_sim`'s world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Fixture = Any
"""What `pytest.fixture` makes; bound to a name in the plugin module, pytest finds it."""


def simulator_fixtures(
    tool: str,
    simulator: Callable[..., Any],
    described: str,
    *,
    world: str = "world",
    seed: Callable[[Any], Any] = lambda sim: sim.seed(),
    **defaults: object,
) -> tuple[Fixture, Fixture, Fixture]:
    """`make_<tool>_sim`, `<tool>_sim` and `<tool>_<world>` (`seed(sim)`); `described`:
    what a violation breaks, as the failure says it ("the Asana OpenAPI description")."""

    @pytest.fixture(name=f"make_{tool}_sim")
    def make_sim() -> Iterator[Callable[..., Any]]:
        sims: list[Any] = []

        def make(**options: object) -> Any:
            sim = simulator(**{**defaults, **options}).start()
            sims.append(sim)
            return sim

        yield make
        for sim in sims:
            sim.stop()
        violations = [v for sim in sims for v in sim.violations]
        assert violations == [], f"requests or answers outside {described}"

    @pytest.fixture(name=f"{tool}_sim")
    def sim(request: pytest.FixtureRequest) -> Any:
        return request.getfixturevalue(f"make_{tool}_sim")()

    @pytest.fixture(name=f"{tool}_{world}")
    def seeded(request: pytest.FixtureRequest) -> Any:
        return seed(request.getfixturevalue(f"{tool}_sim"))

    return make_sim, sim, seeded


def adapter_fixtures(name: str, tool: str, build: Callable[..., Any]) -> tuple[Fixture, Fixture]:
    """`make_<name>_adapter` and `<name>_adapter`; `build(sim, world, folder, **overrides)`
    makes one adapter (`folder`: the test's own, for files such as credentials)."""

    @pytest.fixture(name=f"make_{name}_adapter")
    def make_adapter(tmp_path: Path) -> Iterator[Callable[..., Any]]:
        made: list[Any] = []

        def make(sim: Any, world: Any, **overrides: object) -> Any:
            adapter = build(sim, world, tmp_path, **overrides)
            made.append(adapter)
            return adapter

        yield make
        for adapter in made:
            adapter.close()

    @pytest.fixture(name=f"{name}_adapter")
    def adapter(request: pytest.FixtureRequest) -> Any:
        make = request.getfixturevalue(f"make_{name}_adapter")
        sim = request.getfixturevalue(f"{tool}_sim")
        return make(sim, request.getfixturevalue(f"{tool}_world"))

    return make_adapter, adapter
