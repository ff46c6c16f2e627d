"""Tool adapters. `load_adapter_class` imports one lazily, so that a pair without Trello
never imports py-trello (vdirsyncer's storage index does the same)."""

from __future__ import annotations

import importlib

from adapters.base import Adapter

ADAPTERS: dict[str, str] = {
    "markdown": "adapters.markdown.adapter:MarkdownAdapter",
    "trello": "adapters.trello.adapter:TrelloAdapter",
    "asana": "adapters.asana.adapter:AsanaAdapter",
}


def load_adapter_class(type_name: str) -> type[Adapter]:
    module_name, class_name = ADAPTERS[type_name].split(":")
    cls: type[Adapter] = getattr(importlib.import_module(module_name), class_name)
    return cls
