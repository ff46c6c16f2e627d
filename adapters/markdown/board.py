"""Parse and render an Obsidian-Kanban board file: pure functions, no I/O.

The file is a sequence of blocks: a `Card` per item line (with its indented lines) under
a mapped `## heading`, and a `Text` per other line (front matter, headings, free text,
unmapped sections, code blocks, comments, the `%% kanban:settings` block). Rendering
joins the blocks' original bytes, so a file parsed and rendered unchanged is
byte-identical; only cards pairsync writes are rendered anew (see `card.py` for the card
syntax and what a rewrite keeps).

- A UTF-8 byte-order mark is not part of the first line: it is kept in front of the text.
- Headings match the configured names as Obsidian Kanban reads them: in any case, and
  without a closing run of `#` (`## goals`, `## Actions ##`).
- Lines inside fenced code, `%% ... %%` and `<!-- ... -->` comments are never items. As
  in CommonMark, a comment starts on a line of its own (not inside an item: a `<!--` in
  a title or notes is text) and runs to the first line with `-->`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from adapters.markdown.card import Card, parse_card, render_card
from adapters.markdown.headings import CLOSING_HASHES, heading_key
from sync.contract import Place
from sync.model import Kind

SETTINGS_LINE = "%% kanban:settings"
BOM = "\ufeff"

NEW_FILE = (
    "---\nkanban-plugin: basic\n---\n\n"
    + SETTINGS_LINE
    + '\n```\n{"kanban-plugin":"basic"}\n```\n%%\n'
)
"""A new board file; `edit` adds the headings before the settings block."""

_HEADING = re.compile(r"(#{1,2})(?:[ \t]+(.*?))?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HTML_COMMENT = re.compile(r" {0,3}<!--")
"""A line that starts an HTML comment block (CommonMark); it ends at a line with `-->`."""


@dataclass(frozen=True, slots=True)
class Text:
    """One line that is not an item: kept byte for byte."""

    raw: str
    heading: str | None = field(default=None, compare=False)
    """Set by `parse` on a line that ends a section: the name of a `## ` heading, the
    whole line of a `# ` heading, or the settings line."""


Block = Text | Card


@dataclass(frozen=True, slots=True)
class Board:
    blocks: tuple[Block, ...]
    bom: str = ""
    """The file's byte-order mark, if it has one (written back in front)."""

    def cards(self) -> Iterator[tuple[int, Card, str]]:
        """(block index, card, heading it is under), in file order."""
        heading = ""
        for index, block in enumerate(self.blocks):
            if isinstance(block, Text):
                if block.heading is not None:
                    heading = block.heading
            else:
                yield index, block, heading

    def line_number(self, index: int) -> int:
        """The line of the file where block `index` starts (1 for the first line)."""
        return 1 + sum(_raw(block).count("\n") for block in self.blocks[:index])


CardMemo = dict[tuple[str, Kind | None], Card]
"""Cards parsed before, by text and kind: a run's write re-reads a file that is mostly the
one its read parsed. One per adapter (one run), never process-wide: a process of
thousands of pairs kept every pair's cards in a shared cache (100 MiB at 3,000 pairs)."""


def parse(text: str, sections: Mapping[str, Kind | None], memo: CardMemo | None = None) -> Board:
    """Read a board file; `sections` maps each heading in scope to its kind (None: archive);
    `memo` keeps the cards parsed for the next call."""
    memo = {} if memo is None else memo
    bom = BOM if text.startswith(BOM) else ""
    lines = _lines(text[len(bom) :])
    names = {heading_key(name): name for name in sections}
    blocks: list[Block] = []
    index = _front_matter_end(lines)
    blocks.extend(Text(line) for line in lines[:index])
    heading: str | None = None
    fence: str | None = None
    in_comment = in_html = False
    while index < len(lines):
        line = lines[index]
        content = _content(line)
        index += 1
        if in_comment:
            in_comment = "%%" not in content
        elif in_html:
            in_html = "-->" not in content
        elif fence is not None:
            closing = re.fullmatch(r" {0,3}(`{3,}|~{3,})[ \t]*", content)
            if closing and closing.group(1)[0] == fence[0] and len(closing.group(1)) >= len(fence):
                fence = None
        elif match := _FENCE.match(content):
            fence = match.group(1)
        elif content.startswith("%%") and content.count("%%") % 2 == 1:
            in_comment = True
            if content.strip() == SETTINGS_LINE:
                heading = None
                blocks.append(Text(line, SETTINGS_LINE))
                continue
        elif match := _HEADING.fullmatch(content):
            if match.group(1) == "##":
                name = CLOSING_HASHES.sub("", match.group(2) or "")
                heading = names.get(heading_key(name))
                blocks.append(Text(line, heading or name))
            else:
                heading = None
                blocks.append(Text(line, content.strip()))
            continue
        elif heading is not None and content.startswith("- "):
            end = _card_end(lines, index - 1)
            raw = "".join(lines[index - 1 : end])
            key = (raw, sections[heading])
            if key not in memo:
                memo[key] = parse_card(*key)
            blocks.append(memo[key])
            index = end
            continue
        elif match := _HTML_COMMENT.match(content):
            in_html = "-->" not in content[match.end() :]
        blocks.append(Text(line))
    return Board(tuple(blocks), bom)


def render(board: Board) -> str:
    return board.bom + "".join(_raw(block) for block in board.blocks)


def newline_of(text: str) -> str:
    first, sep, _ = text.partition("\n")
    return "\r\n" if sep and first.endswith("\r") else "\n"


@dataclass
class Edits:
    """What `edit` changes: cards replaced or removed (by block index), cards appended,
    cards inserted before a block (by index; `len(blocks)`: at the end)."""

    replace: dict[int, str] = field(default_factory=dict)
    remove: set[int] = field(default_factory=set)
    append: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    insert: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __bool__(self) -> bool:
        return bool(
            self.replace or self.remove or any(self.append.values()) or any(self.insert.values())
        )


Slot = int | str
"""Where a batch puts cards: before a block (an `Edits.insert` key) or at the bottom of a
heading (an `Edits.append` key)."""


@dataclass
class Placer:
    """Puts a batch's cards into `edits` so that the batch shows what its writes one by one
    would: a card placed after another card of the batch goes right below it, wherever
    that one went (the state machine found a card placed after one that had just moved to
    another heading left under the old heading)."""

    edits: Edits
    blocks: Mapping[str, int]
    """Remote id -> block index of each card in the file as read."""
    _ids: dict[Slot, list[str]] = field(default_factory=dict)
    _slot: dict[str, Slot] = field(default_factory=dict)

    def place(self, item_id: str, card: str, place: Place | None) -> bool:
        """Put the card at `place`: right after its `after` neighbour, else right before its
        `before` neighbour; False (nothing put) if the place names no card found."""
        if place is None:
            return False
        after, before = place.after, place.before
        below = self.blocks.get(after.remote_id or "") if after is not None else None
        above = self.blocks.get(before.remote_id or "") if before is not None else None
        if after is not None and after.item_id in self._slot:
            slot = self._slot[after.item_id]
            self._put(slot, item_id, card, self._ids[slot].index(after.item_id) + 1)
        elif below is not None:
            self._put(below + 1, item_id, card)
        elif above is not None:
            self._put(above, item_id, card)
        else:
            return False
        return True

    def append(self, item_id: str, card: str, heading: str) -> None:
        """Put the card at the bottom of `heading`."""
        self._put(heading, item_id, card)

    def _put(self, slot: Slot, item_id: str, card: str, at: int | None = None) -> None:
        cards = self.edits.insert[slot] if isinstance(slot, int) else self.edits.append[slot]
        ids = self._ids.setdefault(slot, [])
        at = len(ids) if at is None else at
        cards.insert(at, card)
        ids.insert(at, item_id)
        self._slot[item_id] = slot


def edit(board: Board, edits: Edits, order: Sequence[str], ensure: Sequence[str], nl: str) -> str:
    """The file text after `edits`; every other block keeps its bytes.

    Cards are appended after the last card of their heading (or below the heading of an
    empty one), below any card inserted right after that last card: a batch of writes
    shows what the writes one by one would (a card placed after the last one, then a new
    card at the bottom). A heading in `order` that is missing, and has cards to append or is in
    `ensure`, is created before the next heading of `order` that exists, else before the
    settings block, else at the end.
    """
    blocks = board.blocks
    breaks = {
        i: block.heading
        for i, block in enumerate(blocks)
        if isinstance(block, Text) and block.heading is not None
    }
    first: dict[str, int] = {}
    for i, name in breaks.items():
        first.setdefault(name, i)
    settings = [i for i, name in breaks.items() if name == SETTINGS_LINE][:1]
    before: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for at, cards in edits.insert.items():
        before[at] += [(card, False) for card in cards]
    for position, name in enumerate(order):
        cards = edits.append.get(name, [])
        if name in first:
            if cards:
                at, empty = _append_point(blocks, breaks, first[name])
                before[at] += [(c, False) for c in cards] + ([(nl, False)] if empty else [])
        elif cards or name in ensure:
            later = [first[n] for n in order[position + 1 :] if n in first]
            at = min(later + settings, default=len(blocks))
            section = f"## {name}{nl}{nl}" + "".join(cards) + (nl if cards else "")
            before[at].append((section, True))
    out: list[str] = []
    for i, block in enumerate(blocks):
        _put(out, before.get(i, ()), nl)
        if i not in edits.remove:
            out.append(edits.replace.get(i) or _raw(block))
    _put(out, before.get(len(blocks), ()), nl)
    return board.bom + "".join(out)


def _append_point(
    blocks: Sequence[Block], breaks: Mapping[int, str], heading: int
) -> tuple[int, bool]:
    """Where a heading's new cards go, and whether the next heading follows right after."""
    end = next((i for i in breaks if i > heading), len(blocks))
    cards = [i for i in range(heading + 1, end) if isinstance(blocks[i], Card)]
    if cards:
        return cards[-1] + 1, False
    below = heading + 1
    at = below + 1 if below < end and not _raw(blocks[below]).strip() else below
    return at, at == end < len(blocks)


def _put(out: list[str], chunks: Sequence[tuple[str, bool]], nl: str) -> None:
    for chunk, is_section in chunks:
        if out and not out[-1].endswith("\n"):
            out.append(nl)
        if is_section and out and _content(out[-1]).rpartition("\n")[2].strip():
            out.append(nl)
        out.append(chunk)


def _raw(block: Block) -> str:
    if isinstance(block, Text):
        return block.raw
    if block.raw is not None:
        return block.raw
    return render_card(block.item, block.item_id, like=block)


def _lines(text: str) -> list[str]:
    """Lines with their endings; only `\\n` ends a line (a `\\r` before it stays with it)."""
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    return [*lines, parts[-1]] if parts[-1] else lines


def _content(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def _front_matter_end(lines: list[str]) -> int:
    if not lines or _content(lines[0]) != "---":
        return 0
    for i in range(1, len(lines)):
        if _content(lines[i]) in ("---", "..."):
            return i + 1
    return 0


def _card_end(lines: list[str], start: int) -> int:
    """A card runs over indented lines; blank lines join it only when indented ones follow."""
    index = end = start + 1
    while index < len(lines):
        content = _content(lines[index])
        if content[:1] in (" ", "\t"):
            index = end = index + 1
        elif content == "":
            index += 1
        else:
            break
    return end
