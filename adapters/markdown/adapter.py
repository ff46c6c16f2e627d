"""The Markdown board target: one Obsidian-Kanban file, read whole and written atomically.

- Remote id: the item id in a card's `^ps-` marker. A card without one (a person typed
  it) gets a provisional id from its text (`provisional.py`, which also finds it again
  when a killed run kept its marker from landing and a person then edited it) and
  `item_id=None`; the engine's `Update` then adds the marker and the Outcome carries the
  item id. Of two
  cards with the same marker (a copied line) the first keeps it, the next counts as new.
- Version: a hash of the card's heading and bytes (and `_SYNTAX`). The file is the
  tool's only clock, so every item's `modified_at` is the file's mtime.
- Cursor: a hash of the file's bytes (and of the headings read), as this run last saw
  it or wrote it. A file still holding those bytes has not changed since: its read is
  an incremental one that found nothing, without parsing the file (most of a settled
  Markdown target's cost). A file that changed between our read and our write is
  never folded in: its next read is a full one.
- `apply` re-reads the file, applies each `Update` only if that card's version is
  still the one read (a person may have saved in between: their lines are never
  overwritten), and writes once: temp file in the same directory, fsync, `os.replace`,
  keeping the file's mode. If the file changes while we write, the batch is redone.
- Archiving moves the card under the archive heading, a kind change under the kind's
  heading; nothing is deleted. Cards whose content did not change keep their bytes.
- `publish` (the 1:1 agenda) keeps one card, marked with the agenda's key, under its own
  heading (first on the board); the lines under it are notes, so syncs never read them.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import stat
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from adapters.base import Adapter
from adapters.markdown.board import (
    NEW_FILE,
    Board,
    CardMemo,
    Edits,
    Placer,
    Text,
    edit,
    newline_of,
    parse,
)
from adapters.markdown.card import Card, add_marker, render_card
from adapters.markdown.config import MarkdownTarget
from adapters.markdown.provisional import provisional_id, rematched
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Create,
    Failed,
    Outcome,
    RemoteItem,
    Snapshot,
    Update,
    written,
)
from sync.errors import TargetRejected, TargetUnavailable
from sync.model import Item, Kind

CHANGED = "changed in the file since it was read; will merge next run"
_WRITE_ATTEMPTS = 3
_SYNTAX = "2"
"""Part of every card's version; bumped when a card's bytes are read differently (2:
nested notes, block ids, Kanban tokens), so that after an upgrade each card is compared
with the shared board once and a changed reading reaches the other tools."""


@dataclass(frozen=True, slots=True)
class _Entry:
    index: int
    card: Card
    heading: str
    remote_id: str
    item_id: str | None
    version: str


class MarkdownAdapter(Adapter):
    type_name = "markdown"
    ids_from_content = True  # a card without its marker: `new:<heading>:<n>:<hash>`
    config: MarkdownTarget

    def __init__(self, config: MarkdownTarget, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        self.path = config.path
        self._order = [config.lists[kind] for kind in Kind if kind in config.lists]
        self._archive = config.archive_heading
        self._sections: dict[str, Kind | None] = {name: kind for kind, name in config.lists.items()}
        self._sections[self._archive] = None
        self._cards: CardMemo = {}
        self._cursor: str | None = None
        """The file's bytes as this run read them and then wrote them, hashed (None: not
        read yet, or changed by someone else since)."""
        self._reading = _digest(f"{_SYNTAX}\n{sorted(self._sections.items(), key=str)}")
        self._linked = context.linked if context else frozenset()
        """The remote ids the state links (`provisional.rematched` needs them)."""

    def read(self, cursor: str | None = None) -> Snapshot:
        loaded = self._load()
        if loaded is None:
            return Snapshot({}, unplaced=frozenset(self.config.lists))
        text, st = loaded
        self._cursor = self._hash(text)
        if cursor is not None and cursor == self._cursor:
            return Snapshot({}, complete=False, cursor=cursor, places=dict(self.places))
        modified = datetime.fromtimestamp(st.st_mtime, UTC)
        board = parse(text, self._sections, self._cards)
        headings = {b.heading for b in board.blocks if isinstance(b, Text)}
        # The headings found are the places: a kind's heading missing next run is a
        # structure change (what vanished with it is held), not a deletion.
        self.places = {k: (name, name) for k, name in self.config.lists.items() if name in headings}
        entries = self._entries(board)
        untitled = [e for e in entries if not e.card.item.title.strip()]
        entries = [e for e in entries if e.item_id is not None or e not in untitled]
        if untitled:
            self._cursor = None  # read in full again: its line is said every run
        return Snapshot(
            skipped=tuple(self._untitled_line(board, entry) for entry in untitled),
            unplaced=frozenset(k for k in self.config.lists if k not in self.places),
            places=dict(self.places),
            items={
                e.remote_id: RemoteItem(
                    e.remote_id,
                    e.card.item,
                    e.item_id,
                    e.version,
                    modified,
                    hidden=_hidden(e.heading == self._archive, e in untitled),
                )
                for e in entries
            },
            order=tuple(e.remote_id for e in entries if e.heading != self._archive),
            cursor=self._cursor,
        )

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        return replace(super().after_writes(snapshot), cursor=self._cursor)

    def write(self, changes: Sequence[Change]) -> list[Outcome]:
        for _ in range(_WRITE_ATTEMPTS):
            loaded = self._load()
            text = loaded[0] if loaded else ""
            errors, new_text = self._plan(text, changes)
            if new_text is None or self._write(new_text, loaded[1] if loaded else None):
                return self._outcomes(changes, errors, new_text or text)
        raise TargetUnavailable(self.name, f"{self.path} kept changing while being written")

    def make_places(self, kinds: Collection[Kind]) -> None:
        """Add the missing headings of `kinds` to an existing file (a new file gets every
        heading with its first cards)."""
        for _ in range(_WRITE_ATTEMPTS):
            loaded = self._load()
            if loaded is None:
                return
            board = parse(loaded[0], self._sections)
            headings = {b.heading for b in board.blocks if isinstance(b, Text)}
            missing = [self.config.lists[k] for k in kinds if self.config.lists[k] not in headings]
            for kind in kinds:  # remembered in the state: the next runs need not look
                self.places[kind] = (self.config.lists[kind], self.config.lists[kind])
            if not missing:
                return
            order = [*self._order, self._archive]
            new_text = edit(board, Edits(), order, missing, newline_of(loaded[0]))
            if self._write(new_text, loaded[1]):
                return
        raise TargetUnavailable(self.name, f"{self.path} kept changing while being written")

    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        sections: dict[str, Kind | None] = {list_name: Kind.ACTION, **self._sections}
        order = [list_name, *self._order, self._archive]  # a new agenda lane goes first
        for _ in range(_WRITE_ATTEMPTS):
            loaded = self._load()
            base = loaded[0] if loaded else NEW_FILE
            nl = newline_of(base)
            board = parse(base, sections, self._cards)
            card = render_card(Item(kind=Kind.ACTION, title=title, notes=text), key, nl)
            edits = Edits()
            found = [index for index, c, _ in board.cards() if c.item_id == key]
            if found:
                edits.replace[found[0]] = card
            else:
                edits.append[list_name].append(card)
            new_text = edit(board, edits, order, [], nl)
            if new_text == base or self._write(new_text, loaded[1] if loaded else None):
                return key
        raise TargetUnavailable(self.name, f"{self.path} kept changing while being written")

    def check(self) -> list[CheckLine]:
        if self.path.exists():
            count = len(self.read().items)
            mode = stat.S_IMODE(self.path.stat().st_mode)
            writable = not _read_only(self.path, mode) and os.access(self.path.parent, os.W_OK)
            return [
                CheckLine("read", True, f"{count} items in scope in {self.path}"),
                CheckLine("write", writable, "" if writable else f"cannot write {self.path}"),
            ]
        parent = self.path.parent
        if parent.is_dir() and os.access(parent, os.W_OK):
            return [CheckLine("create", True, f"{self.path} will be created on first sync")]
        return [CheckLine("create", False, f"cannot create {self.path}: no writable {parent}")]

    def _plan(self, text: str, changes: Sequence[Change]) -> tuple[list[str | None], str | None]:
        """Per change an error or None, and the new file text (None: nothing to write)."""
        new_file = not text
        base = NEW_FILE if new_file else text
        nl = newline_of(base)
        board = parse(base, self._sections, self._cards)
        entries = self._entries(board)
        by_remote = {e.remote_id: e for e in entries}
        by_item = {e.item_id: e for e in entries if e.item_id}
        edits = Edits()
        placer = Placer(edits, {e.remote_id: e.index for e in entries})
        errors: list[str | None] = []
        for change in changes:
            if isinstance(change, Create):
                # A marker already in the file: an earlier create went through; never twice.
                if change.item_id not in by_item:
                    card = render_card(change.item, change.item_id, nl)
                    if not placer.place(change.item_id, card, change.place):
                        placer.append(change.item_id, card, self._heading(change.item))
                errors.append(None)
                continue
            entry = by_remote.get(change.remote_id)
            if entry is None or entry.version != change.version:
                errors.append(CHANGED)
                continue
            errors.append(None)
            raw = self._card_text(entry, change, nl)
            card = raw if raw.endswith("\n") else raw + nl
            target = self._heading(change.item)
            if placer.place(change.item_id, card, change.place):
                edits.remove.add(entry.index)
            elif target == entry.heading:
                if raw != entry.card.raw:
                    edits.replace[entry.index] = raw
            else:
                edits.remove.add(entry.index)
                placer.append(change.item_id, card, target)
        if not edits:
            return errors, None
        # A new file gets every heading; an existing one only those its new cards need.
        ensure = [*self._order, self._archive] if new_file else []
        order = [*self._order, self._archive]
        return errors, edit(board, edits, order, ensure, nl)

    def _outcomes(
        self, changes: Sequence[Change], errors: list[str | None], text: str
    ) -> list[Outcome]:
        board = parse(text, self._sections, self._cards)
        versions = {e.item_id: e.version for e in self._entries(board)}
        outcomes: list[Outcome] = []
        for change, error in zip(changes, errors, strict=True):
            version = versions.get(change.item_id)
            if error is None and version is not None:
                outcomes.append(written(change, change.item_id, version))
            else:
                outcomes.append(Failed(change, error or f"{change.item.title!r}: not in the file"))
        return outcomes

    def _card_text(self, entry: _Entry, change: Update, nl: str) -> str:
        """The card's new bytes: its own if only the heading changes, else rewritten where
        the item changed."""
        same = _content(entry.card.item) == _content(change.item)
        raw = entry.card.raw or ""
        if same and entry.item_id == change.item_id:
            return raw
        if same and entry.card.item_id is None:
            return add_marker(raw, change.item_id, entry.card.kept.block_id)
        return render_card(change.item, change.item_id, nl, like=entry.card)

    def _untitled_line(self, board: Board, entry: _Entry) -> str:
        """A card left blank (`- [ ] `, or only a tag or a date): no tool takes an item
        without a title (Trello refuses it), so it waits for one; a marked card's title
        stays what the other tools show."""
        where = f"{self.name}: {self.path.name} line {board.line_number(entry.index)}"
        waits = "not synced until it has one" if entry.item_id is None else "its title stays"
        return f"{where}: a card with no title under ## {entry.heading}; {waits}"

    def _heading(self, item: Item) -> str:
        if item.archived:
            return self._archive
        return self.config.lists[item.kind]

    def _entries(self, board: Board) -> list[_Entry]:
        entries: list[_Entry] = []
        seen: set[str] = set()
        copies: Counter[tuple[str, str]] = Counter()
        for index, card, heading in board.cards():
            raw = card.raw or ""
            version = _digest(f"{_SYNTAX}\n{heading}\n{raw}")
            item_id = card.item_id if card.item_id not in seen else None
            if item_id is not None:
                seen.add(item_id)
                remote_id = item_id
            else:
                key = (heading, _digest(raw)[:10])
                remote_id = provisional_id(heading, copies[key], key[1])
                copies[key] += 1
            entries.append(_Entry(index, card, heading, remote_id, item_id, version))
        cards = [(e.heading, e.remote_id, e.item_id is not None) for e in entries]
        for index, remote_id in rematched(cards, self._linked).items():
            entries[index] = replace(entries[index], remote_id=remote_id)
        return entries

    def _load(self) -> tuple[str, os.stat_result] | None:
        """The file's text and stat, or None if there is no file yet."""
        self.requests += 1
        try:
            with self.path.open("rb") as file:
                st = os.fstat(file.fileno())
                data = file.read()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TargetRejected(self.name, f"cannot read {self.path}: {_reason(exc)}") from None
        # surrogateescape: bytes that are not UTF-8 survive a rewrite unchanged.
        text = data.decode("utf-8", "surrogateescape")
        if self._cursor is not None and self._hash(text) != self._cursor:
            self._cursor = None  # changed by someone else since we read it
        return text, st

    def _hash(self, text: str) -> str:
        """The cursor of the file holding `text`, as this adapter reads it."""
        return _digest(f"{self._reading}\n{text}")

    def _write(self, text: str, before: os.stat_result | None) -> bool:
        """Replace the file atomically; False if it changed since `before` (nothing written)."""
        real = Path(os.path.realpath(self.path))
        temp = real.with_name(f".{real.name}.{secrets.token_hex(4)}.pairsync-tmp")
        mode = stat.S_IMODE(before.st_mode) if before else 0o666
        if before is not None and _read_only(self.path, mode):
            # os.replace would swap a new file in, read-only or not (and root may write any)
            raise TargetRejected(
                self.name,
                f"{self.path} is read-only ({mode:04o}): read from it, wrote nothing into it",
            )
        self.requests += 1
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(text.encode("utf-8", "surrogateescape"))
                    file.flush()
                    os.fsync(file.fileno())
                if before is not None:
                    os.chmod(temp, mode)  # os.open applied the umask
                if _signature(real) != _signature_of(before):
                    temp.unlink()
                    return False
                os.replace(temp, real)
                if self._cursor is not None:
                    self._cursor = self._hash(text)
            except BaseException:
                temp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise TargetRejected(self.name, f"cannot write {self.path}: {_reason(exc)}") from None
        _fsync_dir(real.parent)
        return True


def _hidden(archived: bool, untitled: bool) -> frozenset[str]:
    """The fields a card cannot show: the kind of one under the archive heading, the
    title of one left blank."""
    return frozenset({"kind"} if archived else ()) | frozenset({"title"} if untitled else ())


def _read_only(path: Path, mode: int) -> bool:
    """The file's owner made it read-only (no write bit), or we may not write it."""
    return not mode & 0o222 or not os.access(path, os.W_OK)


def _content(item: Item) -> Item:
    """What a card's own bytes say: kind and archived are said by the heading it is under,
    the rank by the line's place."""
    return item.with_(kind=Kind.GOAL, archived=False, rank="")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).replace("\n", " ")


def _signature_of(st: os.stat_result | None) -> tuple[int, int, int] | None:
    return None if st is None else (st.st_ino, st.st_size, st.st_mtime_ns)


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        return _signature_of(path.stat())
    except FileNotFoundError:
        return None


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable; some file systems cannot open a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
