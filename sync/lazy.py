"""The registries' lazy import: a class named by a "module:name" path is imported only when
a pair uses it, so a pair without Trello or Slack never imports their client libraries."""

from __future__ import annotations

import importlib
from typing import Any


def load_object(path: str) -> Any:
    """The object a "module:name" path names, importing its module now."""
    module_name, name = path.split(":")
    return getattr(importlib.import_module(module_name), name)
