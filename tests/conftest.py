"""Shared fixtures and hypothesis profiles ("ci" runs more examples than "dev")."""

from __future__ import annotations

import os

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
