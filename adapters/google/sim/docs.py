"""Docs v1 in the simulator (filled in with the publisher)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.simkit import ServiceError


class Documents:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.docs: dict[str, Any] = {}

    def create(self, doc_id: str, title: str) -> Any:
        raise ServiceError(400, "documents are not simulated yet")

    def get(self, doc_id: str) -> Any:
        raise ServiceError(404, f"Requested entity was not found: {doc_id}")

    def batch_update(self, doc: Any, requests: list[Any], control: Any) -> list[Any]:
        raise ServiceError(400, "documents are not simulated yet")
