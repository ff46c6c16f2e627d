"""The one interface every tool implements, modelled on vdirsyncer's Storage.

An adapter knows its tool and nothing of merging:

- `read(cursor)` returns a `Snapshot` of the items in scope (mapped lists, sections or
  headings only; archived ones included so that a restore can be seen), each with its
  remote id, the item id from its link-back footer if any, a version and the tool's own
  modification time. A full read sets `complete=True`: an item it does not return is
  gone (deleted, or moved out of scope). An incremental read (`cursor` from the last
  run) sets `complete=False`, returns only what changed and lists known removals in
  `gone`.
- `apply(changes)` performs creates and updates (archiving is an update with
  `archived=True`; nothing is ever hard-deleted) and returns one `Outcome` per change,
  in order. A change that fails has `error` set; the others still go through. An
  authentication or similar failure that dooms every change raises `TargetError`.
- Every write carries the item id in the tool (footer or marker), so a lost state
  database can be rebuilt by re-linking; a create whose answer was lost is found by the
  next read and re-linked, never created twice.

:raises sync.errors.TargetError: from `read`, `apply` and `check`, with a one-line
    message that names the target and never contains a secret.
"""

from __future__ import annotations

import re
import secrets
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from sync.errors import TargetRejected
from sync.model import Item, Kind

Role = Literal["executive", "assistant", "shared"]

DEFAULT_LISTS: dict[Kind, str] = {
    Kind.GOAL: "Goals",
    Kind.DECISION: "Decisions",
    Kind.PROBLEM: "Problems",
    Kind.ACTION: "Actions",
}


class TargetBase(BaseModel):
    """Keys every `[[targets]]` table has; each adapter's config model extends it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    role: Role = "shared"
    lists: dict[Kind, str] = Field(default_factory=lambda: dict(DEFAULT_LISTS))
    """The list / section / heading name of each kind."""


class ServiceTarget(TargetBase):
    """Keys of a target reached over HTTP."""

    timeout_seconds: float = Field(30.0, gt=0)
    """Per request; a slower answer counts as a failed attempt and is retried."""
    retry_seconds: float = Field(60.0, gt=0)
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
    if match is None:
        return description, None
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


@dataclass(slots=True)
class Snapshot:
    items: dict[str, RemoteItem]
    complete: bool = True
    gone: frozenset[str] = frozenset()
    cursor: str | None = None
    """Opaque; handed back to the next `read` for an incremental read."""


@dataclass(frozen=True, slots=True)
class Create:
    item_id: str
    item: Item


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


Change = Create | Update


@dataclass(frozen=True, slots=True)
class Outcome:
    change: Change
    remote_id: str | None = None
    version: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class CheckLine:
    """One row of `pairsync check`: what was checked, whether it is fine, and detail."""

    what: str
    ok: bool
    detail: str = ""


class Adapter(ABC):
    """Base of every tool adapter; see the module docstring for the contract."""

    type_name: ClassVar[str]

    def __init__(self, config: TargetBase, base_dir: Path) -> None:
        self.config = config
        self.base_dir = base_dir
        """The config file's directory: relative paths in the config are relative to it."""
        self.requests = 0
        """HTTP requests (or file reads and writes) made so far; reported per run."""

    @property
    def name(self) -> str:
        return self.config.name

    @abstractmethod
    def read(self, cursor: str | None = None) -> Snapshot: ...

    @abstractmethod
    def apply(self, changes: Sequence[Change]) -> list[Outcome]: ...

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
