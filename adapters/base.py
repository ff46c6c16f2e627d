"""The one interface every tool implements, modelled on vdirsyncer's Storage.

An adapter knows its tool and nothing of merging. Its lifecycle, in one run:

- construction: `Adapter(config, context)` gets everything it needs: its `[[targets]]`
  table (paths already absolute) and an `AdapterContext` (the pair's time zone, the places
  recorded last run). Nobody sets an attribute on it afterwards.
- `read(cursor)` returns a `Snapshot` of the items in scope (mapped lists, sections or
  headings only; archived ones included so that a restore can be seen), each with its
  remote id, the item id from its link-back footer if any, a version and the tool's own
  modification time. A full read sets `complete=True`: an item it does not return is
  gone (deleted, or moved out of scope). An incremental read (`cursor` from the last
  run) sets `complete=False`, returns only what changed and lists known removals in
  `gone`. The snapshot carries everything the engine records of the read: the cursor
  and the places (`Snapshot.places`) found or followed.
- `apply(changes)` performs creates and updates (archiving is an update with
  `archived=True`; nothing is ever hard-deleted) and returns exactly one `Outcome` per
  change, in order, whatever fails: `Created`, `Updated` or `Failed`. It is written once,
  here (as vdirsyncer's `StorageMeta` and singer-sdk's template methods do): an adapter implements
  `write_one(change)`, raising `ChangeFailed` for a problem with that change only, or
  overrides `write(changes)` to batch (one file write, one board load). A `TargetError`
  from either (401, the service down after retries, a file that cannot be written) fails
  the changes not yet written; those already written keep their outcomes, so the state
  records them and the next run does not mistake pairsync's own writes for a person's.
- `after_writes(snapshot)`: what to record once the writes are done: the read's snapshot,
  with a cursor that folds in the echoes of this run's writes and places made by them.
- `apply` works without a `read` before it. What a read fetched may be kept to save
  requests in the same run's `apply` (Trello's board), but each `Update` carries what
  the target showed (`previous`, `version`), and that is what a write is checked against.
- Every write carries the item id in the tool (footer or marker), so a lost state
  database can be rebuilt by re-linking; a create whose answer was lost is found by the
  next read and re-linked, never created twice.

:raises sync.errors.TargetError: from `read` and `check`, with a one-line message that
    names the target and never contains a secret (`apply` turns it into outcomes).
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterable, Sequence
from dataclasses import replace
from typing import ClassVar, final

from adapters.retry import UNCERTAIN, ChangeFailed, Uncertain
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Failed,
    Outcome,
    Snapshot,
    TargetBase,
)
from sync.errors import TargetError, TargetRejected
from sync.model import Kind

log = logging.getLogger("pairsync")


class Adapter(ABC):
    """Base of every tool adapter; see the module docstring for the contract."""

    type_name: ClassVar[str]
    place_word: ClassVar[str] = "list"
    """What the tool calls the place a kind's items live in: list, section, heading."""
    ids_from_content: ClassVar[bool] = False
    """True when an item without its link-back mark is known by a hash of its text (the
    Markdown file): a person's edit of it before the mark is written makes it another
    item, so the engine writes such a target before the others (`sync.run.engine`)."""

    def __init__(self, config: TargetBase, context: AdapterContext | None = None) -> None:
        context = context or AdapterContext()
        self.config = config
        self.zone = context.zone
        self.requests = 0
        """HTTP requests (or file reads and writes) made so far; reported per run."""
        self.places: dict[Kind, tuple[str, str]] = dict(context.places)
        """The adapter's own: the places it knows, kept current as it reads and writes (a
        tool with ids for them follows a renamed one by id); reported in snapshots."""

    @property
    def name(self) -> str:
        return self.config.name

    @abstractmethod
    def read(self, cursor: str | None = None) -> Snapshot: ...

    @final
    def apply(self, changes: Sequence[Change]) -> list[Outcome]:
        """Write `changes`; one outcome per change, in order (see the module docstring)."""
        outcomes: list[Outcome] = []
        if not changes:
            return outcomes
        try:
            outcomes.extend(self.write(changes))
        except TargetError as exc:
            log.info("%s", exc)
            outcomes += [Failed(change, exc.reason) for change in changes[len(outcomes) :]]
        return outcomes

    def write(self, changes: Sequence[Change]) -> Iterable[Outcome]:
        """Yield one outcome per change, in order, as each write completes; by default one
        change at a time through `write_one`."""
        for change in changes:
            try:
                yield self.write_one(change)
            except ChangeFailed as exc:
                yield Failed(change, str(exc))
            except Uncertain:
                yield Failed(change, UNCERTAIN)

    def write_one(self, change: Change) -> Outcome:
        """Write one change; raise `ChangeFailed` when only this change cannot be made."""
        raise NotImplementedError(f"{type(self).__name__} implements write or write_one")

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        """What to record once this run's writes are done (`snapshot` is the read's): the
        places as now known; an adapter that can tell its writes' echoes in the next read
        folds what it wrote into the cursor."""
        return replace(snapshot, places=dict(self.places))

    def make_places(self, kinds: Collection[Kind]) -> None:  # noqa: B027 - optional hook
        """Make the list / section / heading of each of `kinds` that the tool lacks (a kind
        the pair turned on since: `[board] kinds`), so a person can add items there; an
        existing one is left as it is. Raises `TargetError`. The default has no places."""

    def check(self) -> list[CheckLine]:
        """Reach the target and say what works; adapters add credential and scope checks."""
        snapshot = self.read()
        return [CheckLine("read", True, f"{len(snapshot.items)} items in scope")]

    def scopes(self) -> list[tuple[str, str]]:
        """(id, name) of the boards or projects these credentials can see, for `pairsync
        init`; tools without such a choice return nothing."""
        return []

    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        """Show a note pairsync owns (the 1:1 agenda) as one card / task / line in
        `list_name`, a list outside the synced kinds, so that syncs never read it. It is
        found again by the footer `key` (also where a person moved it), updated in place
        and never duplicated. Returns its remote id."""
        raise TargetRejected(self.name, f"a {self.type_name} target cannot show the agenda")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the default holds none."""
