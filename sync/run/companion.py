"""What a run carries besides the targets: the pair's record in `[[documents]]`
(`sync.delivery.publish.DocumentsRun`), seen by the engine only through this protocol."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sync.plan.observe import TargetView
from sync.run.summary import NothingDelivered, Report


class Companion(Protocol):
    """What a run carries besides the targets (the pair's record in `[[documents]]`,
    `sync.delivery.publish.DocumentsRun`): views read back before the plan, told once the
    plan is committed, and brought up to date after the targets."""

    def read_back(self) -> list[TargetView]: ...

    def discussed(self) -> set[str]: ...

    def agree(self) -> None: ...

    def publish(self, now: datetime, dry_run: bool = False) -> Report: ...


class _NoDocuments:
    """The companion of a pair without `[[documents]]`: nothing read back, nothing made."""

    def read_back(self) -> list[TargetView]:
        return []

    def discussed(self) -> set[str]:
        return set()

    def agree(self) -> None:
        pass

    def publish(self, now: datetime, dry_run: bool = False) -> Report:
        return NothingDelivered()


NO_DOCUMENTS: Companion = _NoDocuments()
