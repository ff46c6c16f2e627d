"""bugwarrior's meta-test: every registered target, document and channel type passes its
contract suite, so a tool added later cannot skip it."""

from __future__ import annotations

import importlib
import pkgutil

import tests
from adapters import DOCUMENT_TYPES, TARGET_TYPES
from sync.channels import CHANNEL_TYPES
from tests.channel_contract import ChannelContract
from tests.contract import AdapterContract
from tests.publisher_contract import PublisherContract


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
    assert "adapters.memory:MemoryAdapter" in suites  # the reference implementation too


def test_every_registered_document_type_runs_the_publisher_contract() -> None:
    for module in pkgutil.iter_modules(tests.__path__):
        if module.name.startswith("test_publisher_"):
            importlib.import_module(f"tests.{module.name}")
    suites = {
        f"{suite.publisher_class.__module__}:{suite.publisher_class.__qualname__}"
        for suite in PublisherContract.__subclasses__()
        if suite.__name__.startswith("Test")
    }
    missing = [name for name, kind in DOCUMENT_TYPES.items() if kind.publisher not in suites]
    assert missing == [], (
        f"no tests/test_publisher_*.py subclass of PublisherContract for {missing}"
    )
    assert "adapters.memory_documents:MemoryPublisher" in suites


def test_every_registered_channel_type_runs_the_channel_contract() -> None:
    for module in pkgutil.iter_modules(tests.__path__):
        if module.name.startswith("test_channel_"):
            importlib.import_module(f"tests.{module.name}")
    suites = {
        f"{suite.channel_class.__module__}:{suite.channel_class.__qualname__}"
        for suite in ChannelContract.__subclasses__()
        if suite.__name__.startswith("Test")
    }
    missing = [name for name, kind in CHANNEL_TYPES.items() if kind.channel not in suites]
    assert missing == [], f"no tests/test_channel_*.py subclass of ChannelContract for {missing}"
