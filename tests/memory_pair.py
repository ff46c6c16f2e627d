"""A pair of in-memory targets driven through the real engine and a real state database."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

from adapters.markdown.config import MarkdownTarget
from adapters.memory import MemoryAdapter, MemoryTarget
from sync.config import PairConfig
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State


def make_config(tmp: Path, policy: str = "latest", five_whys: bool = False) -> PairConfig:
    return PairConfig(
        pair={"name": "test", "conflict_policy": policy},
        state={"path": "state.sqlite"},
        five_whys={"enabled": five_whys},
        targets=[
            MarkdownTarget(
                name="placeholder", type="markdown", path=Path("unused.md"), role="executive"
            )
        ],
        config_dir=tmp,
    )


class MemoryPair:
    def __init__(
        self,
        tmp: Path,
        names: tuple[str, ...] = ("exec", "asst"),
        policy: str = "latest",
        five_whys: bool = False,
    ) -> None:
        roles = itertools.chain(["executive", "assistant"], itertools.repeat("shared"))
        self.targets = {
            name: MemoryAdapter(MemoryTarget(name=name, role=role))
            for name, role in zip(names, roles, strict=False)
        }
        self.config = make_config(tmp, policy, five_whys)
        self.state = State.open(tmp / "state.sqlite")
        self._ids = (f"{n:016x}" for n in itertools.count(1))

    def sync(self, dry_run: bool = False, now: datetime | None = None) -> RunSummary:
        return sync_pair(
            self.config,
            self.state,
            dry_run=dry_run,
            now=now or datetime.now(UTC),
            new_id=lambda: next(self._ids),
            adapters=list(self.targets.values()),
        )

    def board(self, name: str) -> list:
        """What one target shows, sorted, without tool identities."""
        items = [r.item for r in self.targets[name].items.values()]
        return sorted(items, key=repr)
