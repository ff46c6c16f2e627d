"""Shared fixtures and hypothesis profiles ("ci" runs more examples than "dev")."""

from __future__ import annotations

import compileall
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(  # the same examples on every CI run: a red CI names a change
    "ci",
    max_examples=100,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(  # a long run by hand, before a release: not in CI's 5 minutes
    "soak", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
settings.load_profile(PROFILE)

pytest_plugins: list[str] = [
    "tests.conftest_asana",
    "tests.conftest_trello",
    "tests.conftest_google",
    "tests.conftest_notion",
    "tests.conftest_documents",
    "tests.facilitation_pair",
    "tests.channel_pair",
    "tests.three_tools_pair",
    "tests.serve_pair",
    "tests.postgres",
]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` starts two workers a core: most tests spend their time waiting on loopback
    HTTP, a child `pairsync` or a compressed clock, so a core has room for a second test."""
    return 2 * len(os.sched_getaffinity(0))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first: `--dist worksteal` gives each worker a slice of the
    tests in this order and lets the others take from its end, so a 45-second test
    collected among the last started when the rest were nearly done and held the run
    open."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    """Compile pairsync's modules once before the tests start child `pairsync` processes:
    an editable install has no bytecode, and with PYTHONDONTWRITEBYTECODE set (as on CI)
    every child would compile each module again (a fifth of its start-up)."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller compiled them
    root = Path(__file__).resolve().parent.parent
    for package in ("sync", "adapters", "bench"):
        compileall.compile_dir(root / package, quiet=1)
