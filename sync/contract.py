"""The contract between the core and every tool: the shapes that cross it.

This is the bottom layer of the core. It imports nothing of pairsync but the model and
the errors; `adapters.base.Adapter` (the interface a tool implements) and the engine,
merge and state modules all build on it, so no module of `sync/` needs a concrete
adapter, and no adapter needs the merge.

- `TargetBase` / `ServiceTarget`: the keys every `[[targets]]` table has; each adapter's
  config model extends one of them.
- `Snapshot` of `RemoteItem`s: what a read returns.
- `Create` / `Update` (a `Change`) and its `Outcome`, one type per result: `Created`,
  `Updated` (both `Written`) or `Failed`.
- `AdapterContext`: what the pair tells every adapter at construction, besides its config.
- `Link`: what the state keeps per item and target (remote id, version, agreed base).
- The link-back footer: the item id inside a tool's description, so lost state re-links.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sync.model import Item, Kind

Role = Literal["executive", "assistant", "shared"]

DEFAULT_LISTS: dict[Kind, str] = {
    Kind.GOAL: "Goals",
    Kind.DECISION: "Decisions",
    Kind.PROBLEM: "Problems",
    Kind.ACTION: "Actions",
}
"""The list / section / heading of each kind every board has."""
OPTIONAL_LISTS: dict[Kind, str] = {Kind.WIN: "Wins", Kind.FEEDBACK: "Feedback"}
"""Those of the kinds a pair turns on in `[board] kinds`: added to every target's `lists`."""


class TargetBase(BaseModel):
    """Keys every `[[targets]]` table has; each adapter's config model extends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str
    """The registered target type; each adapter's model narrows it to its own literal."""
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    role: Role = "shared"
    lists: dict[Kind, str] = Field(default_factory=lambda: dict(DEFAULT_LISTS))
    """The list / section / heading name of each kind."""

    @field_validator("lists")
    @classmethod
    def _every_kind_mapped(cls, lists: dict[Kind, str]) -> dict[Kind, str]:
        """A partial table renames only the kinds it names; the rest keep their defaults
        (the optional kinds' are added by the pair's config when it turns them on)."""
        return {**DEFAULT_LISTS, **lists}

    def identity(self) -> tuple[str, str] | None:
        """What this target is in its tool, as a key (two pairs naming the same one are
        refused: each would read the other's items) and as the words a message names it
        with ("the Trello board 5f0c..."); None when it cannot be told."""
        return None

    def place_key(self, name: str) -> str:
        """A list / section / heading name as the tool matches it (Markdown headings
        whatever their case): two names with one key are one place."""
        return name


class ServiceTarget(TargetBase):
    """Keys of a target reached over HTTP."""

    timeout_seconds: float = Field(30.0, gt=0, le=600)
    """Per request; a slower answer counts as a failed attempt and is retried."""
    clock_speed: float = Field(1.0, gt=0, le=10_000)
    """How much faster than real time the service's clock runs: 1 for a real service; a
    simulator on a compressed clock says its own (`pacing()`), so that requests are paced
    to its shorter rate-limit windows."""
    retry_seconds: float = Field(60.0, gt=0, le=3600)
    """How long one request may keep retrying 429, 5xx and broken connections (at most
    6 attempts) before the target is reported unavailable for this run."""


def new_item_id() -> str:
    return secrets.token_hex(8)


ITEM_ID_PATTERN = r"[0-9a-f]{16}"
FOOTER_PREFIX = "pairsync:"
_FOOTER = re.compile(r"(?:\n*---\n)?" + FOOTER_PREFIX + r"(" + ITEM_ID_PATTERN + r")\s*\Z")


def add_footer(notes: str, item_id: str) -> str:
    """The description a tool stores: the notes, then a short link-back footer."""
    body = notes.rstrip("\n")
    return f"{body}\n\n---\n{FOOTER_PREFIX}{item_id}" if body else f"---\n{FOOTER_PREFIX}{item_id}"


def split_footer(description: str) -> tuple[str, str | None]:
    """Inverse of `add_footer`: (notes, item id or None) from a tool's description."""
    match = _FOOTER.search(description)
    if match is None:  # blank lines at the end are dropped either way: one run settles it
        return description.rstrip("\n"), None
    return description[: match.start()].rstrip("\n"), match.group(1)


@dataclass(frozen=True, slots=True)
class RemoteItem:
    remote_id: str
    item: Item
    item_id: str | None
    """From the link-back footer; None for an item a person created in the tool."""
    version: str
    modified_at: datetime | None = None
    """The tool's own last-modified time (UTC), used by the `latest` conflict policy."""
    hidden: frozenset[str] = frozenset()
    """Fields the tool cannot show for this item, e.g. the kind of a line under
    `## Archive`, or whether an archived Asana task was done (archiving completes it):
    the merge keeps the values it knew."""

    @property
    def kind_known(self) -> bool:
        return "kind" not in self.hidden


Places: TypeAlias = Mapping[Kind, tuple[str, str]]
"""Kind -> (remote id, name) of the list / section / heading a target keeps that kind in."""


@dataclass(frozen=True, slots=True)
class AdapterContext:
    """What the pair gives every adapter's constructor besides its `[[targets]]` table."""

    zone: tzinfo = UTC
    """The pair's time zone (`[pair] timezone`): a tool's due time is a day in it."""
    places: Places = field(default_factory=dict)
    """The places the state recorded for this target (`Snapshot.places` of its last run),
    so that a list or section a person renamed is followed by id. Empty for tools
    without ids for them, and on a first run."""
    linked: frozenset[str] = frozenset()
    """The remote ids the state links this target's items to: a tool that knows a
    person's unmarked item by its text (Markdown) finds one edited after a killed run kept
    its mark from landing."""
    pair_file: Path | None = None
    """The pair's file, absolute, for a line that tells the person which command to run
    (`pairsync auth google --config FILE`); None for a target built in code."""


@dataclass(slots=True)
class Snapshot:
    items: dict[str, RemoteItem]
    complete: bool = True
    gone: frozenset[str] = frozenset()
    cursor: str | None = None
    """Opaque; handed back to the next `read` for an incremental read."""
    order: tuple[str, ...] | None = None
    """Remote ids of the items in scope that are not archived, top to bottom within each
    list (the lists in any order); None when this read did not see the order (an
    incremental read that found no move): the order is then as last agreed."""
    unplaced: frozenset[Kind] = frozenset()
    """Kinds whose list / section / heading a full read did not find (closed, deleted,
    renamed where the tool has no ids): their items' vanishing is never a deletion."""
    places: Places = field(default_factory=dict)
    """The places this read found or followed (renamed ones under their new name); the
    engine records them for the next run's `AdapterContext`."""
    skipped: tuple[str, ...] = ()
    """What this read left out, one line each naming where (a Markdown card with no
    title, by file and line): the run prints them as warnings, every run until fixed."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """A neighbour of a placed item: its item id, and its remote id when the target has it
    already (None: it is created earlier in the same batch)."""

    item_id: str
    remote_id: str | None


@dataclass(frozen=True, slots=True)
class Place:
    """Where a created or moved item goes in its list: right after `after` (placed earlier
    in the batch or not moving), else right before `before` (not moving); both None: the
    list has no other item. `before` None means the bottom of the list, where a create
    lands anyway."""

    after: Anchor | None = None
    before: Anchor | None = None


@dataclass(frozen=True, slots=True)
class Create:
    item_id: str
    item: Item
    place: Place | None = None


@dataclass(frozen=True, slots=True)
class Update:
    item_id: str
    remote_id: str
    item: Item
    """The whole new value."""
    previous: Item
    """What the target showed when read: write only the difference."""
    version: str
    """The version read; an adapter that can see a newer edit refuses the write."""
    relink: bool = False
    """The tool's copy lacks the link-back footer/marker for `item_id` (a person created
    it, or copied another item): write it even if no field differs."""
    place: Place | None = None
    """Move the item there (a person moved it elsewhere); None: it stays where it is."""


Change = Create | Update


@dataclass(frozen=True, slots=True)
class Created:
    """A `Create` that went through: where the item is now, and its version there."""

    change: Create
    remote_id: str
    version: str


@dataclass(frozen=True, slots=True)
class Updated:
    """An `Update` that went through. `remote_id` is the change's, except where the tool
    knows an unmarked item by its text (Markdown), whose id becomes the item id."""

    change: Update
    remote_id: str
    version: str


@dataclass(frozen=True, slots=True)
class Failed:
    """A change not written (or not known to be): the one-line reason, naming the item."""

    change: Change
    error: str


Written = Created | Updated
Outcome = Created | Updated | Failed


def written(change: Change, remote_id: str, version: str) -> Written:
    """The outcome of a change that went through, typed by the change."""
    if isinstance(change, Create):
        return Created(change, remote_id, version)
    return Updated(change, remote_id, version)


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One row of `pairsync check`: what was checked, whether it is fine, and detail."""

    what: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Link:
    """What a target and the shared board last agreed on for one item."""

    remote_id: str
    version: str
    base: Item
    gone: bool = False
