"""bugwarrior's meta-test: every registered target type passes the adapter contract, so an
adapter added later cannot skip it."""

from __future__ import annotations

import importlib
import pkgutil

import tests
from adapters import TARGET_TYPES
from tests.contract import AdapterContract


def contract_suites() -> dict[str, list[str]]:
    """Adapter class path -> the test classes (tests/test_adapter_*.py) running the contract."""
    for module in pkgutil.iter_modules(tests.__path__):
        if module.name.startswith("test_adapter_"):
            importlib.import_module(f"tests.{module.name}")
    suites: dict[str, list[str]] = {}
    for suite in AdapterContract.__subclasses__():
        if suite.__name__.startswith("Test"):
            cls = suite.adapter_class
            suites.setdefault(f"{cls.__module__}:{cls.__qualname__}", []).append(suite.__name__)
    return suites


def test_every_registered_target_type_runs_the_adapter_contract() -> None:
    suites = contract_suites()
    missing = [name for name, kind in TARGET_TYPES.items() if kind.adapter not in suites]
    assert missing == [], f"no tests/test_adapter_*.py subclass of AdapterContract for {missing}"
    assert len(suites) >= 3
