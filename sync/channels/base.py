"""The channel contract: how the core talks to a place the pair talks (Slack, Teams).

The core builds a `Message` (pure data: sections of entries, some with buttons) and hands
it to a `Channel`, which renders it in its own format (Block Kit, an Adaptive Card) and
returns a remote id. The core stores that id with the message's digests, so it knows
later whether to update the message, post a follow-up, or do nothing.

Terminology:
- message key: what a message is about, one per meeting, day or incident
  (`agenda 2026-12-03T10:00`); at most one live message per key and channel.
- digest: a hash of everything a person sees; substance: a hash of what matters
  (entries without their ages), so a Teams follow-up goes out only on a real change.
"""

from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from sync.contract import CheckLine
from sync.errors import PairsyncError

MessageKind = Literal["agenda", "decisions", "health", "pulse"]
MESSAGE_KINDS: tuple[MessageKind, ...] = ("agenda", "decisions", "health", "pulse")
BUTTON_KINDS: frozenset[MessageKind] = frozenset({"agenda", "decisions"})
"""The messages whose entries carry buttons (`sync.delivery.notices`)."""


@dataclass(frozen=True, slots=True)
class Button:
    """A Slack button handled by `pairsync serve`: `value` is "<pair>:<item id>"."""

    action_id: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    detail: str = ""
    """What changes by itself (an age): shown, but not part of the substance."""
    buttons: tuple[Button, ...] = ()

    def line(self) -> str:
        return f"{self.text} — {self.detail}" if self.detail else self.text


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A picture that goes with a message (the monthly pulse): the PNG a channel uploads,
    a compact one for channels with a small size limit (a Teams card), and its alt text."""

    png: bytes
    compact_png: bytes
    alt: str


@dataclass(frozen=True, slots=True)
class Message:
    kind: MessageKind
    key: str
    title: str
    sections: tuple[Section, ...] = ()
    note: str = ""
    chart: Chart | None = None
    """Shown with the message where the channel can (not part of its text or digests)."""

    def text(self) -> str:
        """The plain-text rendering: Slack's fallback, the demo's and `--dry-run`'s output."""
        lines = [self.title]
        if self.note:
            lines.append(self.note)
        for section in self.sections:
            heading = section.title if section.title.endswith(("?", ":")) else f"{section.title}:"
            lines += ["", heading]
            lines += [f"  - {entry.line()}" for entry in section.entries] or ["  - nothing"]
        return "\n".join(lines)

    @property
    def digest(self) -> str:
        return _hash(self.text())

    @property
    def substance(self) -> str:
        parts = [self.title] + [
            f"{section.title}\n" + "\n".join(entry.text for entry in section.entries)
            for section in self.sections
        ]
        return _hash("\n\n".join(parts))

    def marker(self, pair: str) -> str:
        """A stable tag put into the posted message (Slack block_id), so a message posted
        before a crash or a lost state is found again instead of posted twice; with the
        pair's name in it, so two pairs posting to one channel never take each other's."""
        return "pairsync-" + _hash(f"{pair} {self.key}")[:24]


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ChannelError(PairsyncError):
    """A channel could not be reached or refused a message; the line names the channel."""

    def __init__(self, channel: str, message: str, uncertain: bool = False) -> None:
        super().__init__(f"channel {channel}: {message}")
        self.channel = channel
        self.uncertain = uncertain
        """The request may have reached the service (a timeout, a dropped connection)."""


class Channel(abc.ABC):
    """One configured `[[channels]]` entry.

    `post` sends a new message and returns its remote id; `update` replaces a posted one
    in place (only when `updates_in_place`); `find` returns the remote id of a message
    with the same `marker` posted earlier, or None (always None when not `looks_back`:
    a Teams webhook is write-only). Each raises `ChannelError` with one line.
    `requests` counts the HTTP requests made.
    """

    type_name: ClassVar[str]
    updates_in_place: ClassVar[bool]
    looks_back: ClassVar[bool]

    def __init__(self, config: Any, pair: str) -> None:
        self.config = config
        self.pair = pair
        self.requests = 0

    @property
    def name(self) -> str:
        return str(self.config.name)

    @abc.abstractmethod
    def post(self, message: Message) -> str: ...

    def update(self, remote_id: str, message: Message) -> str:
        raise NotImplementedError(f"{self.type_name} cannot update a message in place")

    def find(self, message: Message) -> str | None:
        return None

    def check(self) -> list[CheckLine]:
        """`pairsync check`: what can be verified without sending anything."""
        return [CheckLine("reach", True, "not checked: only a real post would tell")]

    def close(self) -> None:  # noqa: B027 (optional hook: most channels hold nothing)
        """Release connections (default: nothing to release)."""
