"""What pairsync adds to the board on top of mirroring: Five Whys steps on problems and the
stale flag. Both are decided per item by `Facilitator.adjust`, which the planner calls
after merging, so that they reach every tool through the ordinary writes.

The stale clock is the time a person last changed the item in any tool (`touched_at` in
the state, taken from the tools' own timestamps). pairsync's own writes, the stale label
included, are echoes the merge never counts as changes, so they never reset the clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sync.config import PairConfig
from sync.model import Item, Kind, Step
from sync.state import ItemRecord


class Facilitator:
    def __init__(
        self, config: PairConfig, records: Mapping[str, ItemRecord], now: datetime
    ) -> None:
        self.config = config
        self.records = records
        self.now = now
        self.stale_writes = 0

    def adjust(self, item_id: str, item: Item, touched: bool) -> Item:
        item = self._seed_five_whys(item_id, item)
        return self._flag_stale(item_id, item, touched)

    def seeded(self, item_id: str, item: Item) -> bool:
        """Whether the Five Whys were ever added: once added, a person may delete them."""
        record = self.records.get(item_id)
        return (record is not None and record.five_whys_seeded) or (
            item.kind is Kind.PROBLEM and bool(item.steps)
        )

    def _seed_five_whys(self, item_id: str, item: Item) -> Item:
        five_whys = self.config.five_whys
        if not five_whys.enabled or item.kind is not Kind.PROBLEM or item.steps or item.archived:
            return item
        if self.seeded(item_id, item):
            return item
        return item.with_(steps=tuple(Step(text) for text in five_whys.steps))

    def is_stale(self, item_id: str, item: Item) -> bool:
        record = self.records.get(item_id)
        stale = self.config.stale
        if record is None or item.archived or item.done or item.kind in stale.exempt_kinds:
            return False
        if item.labels & set(stale.exempt_labels):
            return False
        return self.now - record.touched_at >= timedelta(days=stale.after_days)

    def _flag_stale(self, item_id: str, item: Item, touched: bool) -> Item:
        stale = self.config.stale
        label = stale.label
        if touched or not self.is_stale(item_id, item):
            return item.with_(labels=item.labels - {label}) if label in item.labels else item
        if self.stale_writes >= stale.max_writes_per_run:
            return item
        record = self.records[item_id]
        if stale.archive_after_days and self.now - record.touched_at >= timedelta(
            days=stale.archive_after_days
        ):
            self.stale_writes += 1
            return item.with_(archived=True)
        if label in item.labels:
            return item
        self.stale_writes += 1
        return item.with_(labels=item.labels | {label})
