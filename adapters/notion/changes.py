"""Change detection on a data source whose `last_edited_time` is rounded down to the minute.

A read after the first asks one query for the pages edited on or after the minute before
the last read (the overlap: an edit made in the same minute as that read shows the same
rounded time as one made before it; the minute before covers a query index that lags a
little). Times are Notion's own (the `Date` of its answer), never this machine's clock.
What such a query returns is compared with what was known, page by page, as a *stamp*:
the page's rounded time, its last editor and its properties (`mapping.stamp`).

- A page whose stamp is known and *settled* is unchanged: its blocks are not read.
- A stamp is settled when pairsync's own write answered it (the integration was the last
  editor; a person's later edit names the person), or when it was read after its minute
  had ended (no later edit can keep that minute).
- Any other page (new, changed, or edited in a minute that had not ended) has its blocks
  read again, and is compared with the base values by the engine as usual.

So a settled board of up to 100 pages costs one query, and so does the run right after
a run that wrote: the pages it wrote come back with the stamps their writes answered.
The stamps travel in the cursor, as short hashes (no page text in the state), with the
name of the data source's title property.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapters.echoes import fingerprint

OVERLAP = 60.0
"""Seconds the next query reaches back before the minute of the last read."""
SLACK = 1.0
"""Notion's `Date` header counts whole seconds."""


def minute_of(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Cursor:
    since: str
    """Query for pages edited on or after this time."""
    stamps: dict[str, tuple[str, bool]] = field(default_factory=dict)
    """fingerprint(page id) -> (stamp, settled)."""
    title: str | None = None
    """The data source's title property, once a run made sure of its properties: a later
    run writes without retrieving the data source (again only when Notion refuses a
    property)."""

    @classmethod
    def load(cls, text: str | None) -> Cursor | None:
        if not text:
            return None
        try:
            data = json.loads(text)
            stamps = {k: (str(v[0]), bool(v[1])) for k, v in data["stamps"].items()}
            title = data.get("title")
            return cls(str(data["since"]), stamps, str(title) if title else None)
        except (ValueError, KeyError, TypeError, IndexError):
            return None  # unreadable: a full read, as after a lost cursor

    def dump(self) -> str:
        stamps = {k: [s, settled] for k, (s, settled) in sorted(self.stamps.items())}
        data = {"since": self.since, "stamps": stamps, "title": self.title}
        return json.dumps(data, separators=(",", ":"))

    @staticmethod
    def starting(read_at: float) -> str:
        """The `since` of the read after one that began at `read_at`."""
        return iso(read_at - read_at % 60 - OVERLAP)

    def unchanged(self, page_id: str, stamp: str) -> bool:
        known = self.stamps.get(fingerprint(page_id))
        return known is not None and known == (stamp, True)

    def saw(self, page_id: str, stamp: str, last_edited: str, read_at: float) -> None:
        settled = minute_of(last_edited) + 60 + SLACK <= read_at
        self.stamps[fingerprint(page_id)] = (stamp, settled)

    def wrote(self, page_id: str, stamp: str) -> None:
        self.stamps[fingerprint(page_id)] = (stamp, True)

    def forget(self, page_id: str) -> None:
        self.stamps.pop(fingerprint(page_id), None)
