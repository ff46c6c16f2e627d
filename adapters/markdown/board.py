"""Parse and render an Obsidian-Kanban board file: pure functions, no I/O.

The file is a sequence of blocks: a `Card` per item line (with its indented lines) under
a mapped `## heading`, and a `Text` per other line (front matter, headings, free text,
unmapped sections, code blocks, the `%% kanban:settings` block). Rendering joins the
blocks' original bytes, so a file parsed and rendered unchanged is byte-identical; only
cards pairsync writes are rendered anew, in this canonical form:

    - [ ] Title @{2026-12-31} #label-a #label-b #owner/executive ^ps-0123456789abcdef
    <TAB>a notes line (one tab, then the line as is)
    <TAB>- [x] a Five Whys step

Rules that make `parse(render(board)) == board` hold (documented for people, too):

- Metadata is the trailing run of tokens on the title line: `@{YYYY-MM-DD}` (the due
  date), `#tag` (a label; a tag needs one non-digit, as in Obsidian, so `#123` stays in
  the title) and `^ps-<16 hex>` (the item id). Anything before that run is the title,
  stripped. A title whose last word would read as metadata gets one backslash in front
  of that word (`Fix \\#bug`), the way Markdown escapes it; parsing removes it again.
- A label with a space or `%` in it is written percent-encoded (`#Needs%20review`), and
  an all-digit label gets its first digit encoded, so that it reads as a tag.
- Indented lines under an item: a checklist line (`- [ ]`/`- [x]`) is a step, any other
  is a notes line (one tab or up to four spaces of indent removed). A notes line that
  would read as a checklist line is written with a backslash before its `-`.
- Titles and step texts are one line: line breaks in them are written as spaces.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from urllib.parse import unquote

from sync.model import OWNER_LABEL_PREFIX, Item, Kind, Step, split_owner

MARKER_PREFIX = "^ps-"
SETTINGS_LINE = "%% kanban:settings"
ARCHIVE_KIND = Kind.ACTION
"""The kind given to a card under the archive heading, where the file cannot show it;
the adapter reports such cards with `kind` hidden, so the engine keeps the real one."""

NEW_FILE = (
    "---\nkanban-plugin: basic\n---\n\n"
    + SETTINGS_LINE
    + '\n```\n{"kanban-plugin":"basic"}\n```\n%%\n'
)
"""A new board file; `edit` adds the headings before the settings block."""

_CARD = re.compile(r"- (?:\[([ xX])\](?: |$))?(.*)")
_STEP = re.compile(r"[ \t]+- \[([ xX])\](?: (.*))?")
_CHECKLIKE_NOTE = re.compile(r"([ \t]*)(\\*- \[[ xX]\](?: .*)?)")
_ESCAPED_NOTE = re.compile(r"([ \t]*)\\(\\*- \[[ xX]\](?: .*)?)")
_HEADING = re.compile(r"(#{1,2})(?:[ \t]+(.*?))?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_TOKEN = re.compile(r"\S+")
_LAST_TOKEN = re.compile(r"\S+\Z")
_DUE = re.compile(r"@\{(\d{4}-\d{2}-\d{2})\}")
_TAG = re.compile(r"#(?=\S*[^\d\s])\S+")
_MARKER = re.compile(r"\^ps-([0-9a-f]{16})")
_SPACE = re.compile(r"\s")
_DIGITS = re.compile(r"\d+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Text:
    """One line that is not an item: kept byte for byte."""

    raw: str
    heading: str | None = field(default=None, compare=False)
    """Set by `parse` on a line that ends a section: the name of a `## ` heading, the
    whole line of a `# ` heading, or the settings line."""


@dataclass(frozen=True, slots=True)
class Card:
    """One item: its title line and indented lines. `raw` is None for a card to render."""

    item: Item
    item_id: str | None = None
    raw: str | None = field(default=None, compare=False)


Block = Text | Card


@dataclass(frozen=True, slots=True)
class Board:
    blocks: tuple[Block, ...]

    def cards(self) -> Iterator[tuple[int, Card, str]]:
        """(block index, card, heading it is under), in file order."""
        heading = ""
        for index, block in enumerate(self.blocks):
            if isinstance(block, Text):
                if block.heading is not None:
                    heading = block.heading
            else:
                yield index, block, heading


def parse(text: str, sections: Mapping[str, Kind | None]) -> Board:
    """Read a board file; `sections` maps each heading in scope to its kind (None: archive)."""
    lines = _lines(text)
    blocks: list[Block] = []
    index = _front_matter_end(lines)
    blocks.extend(Text(line) for line in lines[:index])
    heading: str | None = None
    fence: str | None = None
    in_comment = False
    while index < len(lines):
        line = lines[index]
        content = _content(line)
        index += 1
        if in_comment:
            in_comment = "%%" not in content
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
            level_two = match.group(1) == "##"
            name = (match.group(2) or "") if level_two else content.strip()
            heading = name if level_two and name in sections else None
            blocks.append(Text(line, name))
            continue
        elif heading is not None and content.startswith("- "):
            end = _card_end(lines, index - 1)
            blocks.append(_parse_card("".join(lines[index - 1 : end]), sections[heading]))
            index = end
            continue
        blocks.append(Text(line))
    return Board(tuple(blocks))


def render(board: Board) -> str:
    return "".join(_raw(block) for block in board.blocks)


def render_card(item: Item, item_id: str | None, newline: str = "\n") -> str:
    """The canonical text of a card (see the module docstring)."""
    meta = [f"@{{{item.due.isoformat()}}}"] if item.due else []
    meta += ["#" + _encode_tag(label) for label in sorted(item.labels) if label]
    if item.owner is not None:
        meta.append(f"#{OWNER_LABEL_PREFIX}{item.owner.value}")
    if item_id is not None:
        meta.append(MARKER_PREFIX + item_id)
    title = _escape_title(_LINE_BREAK.sub(" ", item.title).strip())
    head = " ".join(["- [x]" if item.done else "- [ ]", *([title] if title else []), *meta])
    lines = [head]
    notes = item.notes.replace("\r\n", "\n").replace("\r", "\n")
    if notes:
        lines += ["\t" + _escape_note(line) for line in notes.split("\n")]
    for step in item.steps:
        text = _LINE_BREAK.sub(" ", step.text)
        lines.append(f"\t- [{'x' if step.done else ' '}]" + (f" {text}" if text else ""))
    return "".join(line + newline for line in lines)


def add_marker(raw: str, item_id: str) -> str:
    """A person's card text with the item id appended to its title line, nothing else touched."""
    first, sep, rest = raw.partition("\n")
    cr = "\r" if first.endswith("\r") else ""
    return f"{first.removesuffix(cr)} {MARKER_PREFIX}{item_id}{cr}{sep}{rest}"


def newline_of(text: str) -> str:
    first, sep, _ = text.partition("\n")
    return "\r\n" if sep and first.endswith("\r") else "\n"


@dataclass
class Edits:
    """What `edit` changes: cards replaced or removed (by block index), cards appended."""

    replace: dict[int, str] = field(default_factory=dict)
    remove: set[int] = field(default_factory=set)
    append: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __bool__(self) -> bool:
        return bool(self.replace or self.remove or any(self.append.values()))


def edit(board: Board, edits: Edits, order: Sequence[str], ensure: Sequence[str], nl: str) -> str:
    """The file text after `edits`; every other block keeps its bytes.

    Cards are appended after the last card of their heading (or below the heading of an
    empty one). A heading in `order` that is missing, and has cards to append or is in
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
    return "".join(out)


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
    return block.raw if block.raw is not None else render_card(block.item, block.item_id)


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


@lru_cache(maxsize=1 << 16)
def _parse_card(raw: str, kind: Kind | None) -> Card:
    """Cached: `apply` re-reads a file that is mostly the one `read` just parsed."""
    first, *rest = raw.split("\n")
    match = _CARD.fullmatch(first.removesuffix("\r"))
    assert match is not None  # the caller saw "- "
    title, due, tags, item_id = _split_title(match.group(2))
    notes: list[str] = []
    steps: list[Step] = []
    for line in rest[:-1] if raw.endswith("\n") else rest:
        content = line.removesuffix("\r")
        if step := _STEP.fullmatch(content):
            steps.append(Step(step.group(2) or "", step.group(1) != " "))
        else:
            notes.append(_unescape_note(_dedent(content)))
    labels, owner = split_owner(tags)
    item = Item(
        kind=kind or ARCHIVE_KIND,
        title=title,
        notes="\n".join(notes),
        done=match.group(1) in ("x", "X"),
        archived=kind is None,
        due=due,
        owner=owner,
        labels=labels,
        steps=tuple(steps),
    )
    return Card(item, item_id, raw)


def _split_title(rest: str) -> tuple[str, date | None, frozenset[str], str | None]:
    cut = len(rest)
    due: date | None = None
    tags: set[str] = set()
    item_id: str | None = None
    for token in reversed(list(_TOKEN.finditer(rest))):
        meta = _meta(token.group()) if token.group()[0] in "@#^" else None
        if meta is None:
            break
        cut = token.start()
        if isinstance(meta, date):
            due = due or meta
        elif meta.startswith(MARKER_PREFIX):
            item_id = item_id or meta[len(MARKER_PREFIX) :]
        else:
            tags.add(meta[1:])
    return _unescape_title(rest[:cut].strip()), due, frozenset(tags), item_id


def _meta(token: str) -> date | str | None:
    """A metadata token's value: a due date, `^ps-<id>`, or `#label` (decoded); else None."""
    if match := _DUE.fullmatch(token):
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    if _MARKER.fullmatch(token):
        return token
    if _TAG.fullmatch(token):
        return "#" + unquote(token[1:])
    return None


def _escape_title(title: str) -> str:
    last = _LAST_TOKEN.search(title)
    if last and _meta(last.group().lstrip("\\")) is not None:
        return title[: last.start()] + "\\" + last.group()
    return title


def _unescape_title(title: str) -> str:
    last = _LAST_TOKEN.search(title)
    if last and last.group().startswith("\\") and _meta(last.group().lstrip("\\")) is not None:
        return title[: last.start()] + last.group()[1:]
    return title


def _encode_tag(label: str) -> str:
    encoded = "".join(
        "".join(f"%{b:02X}" for b in c.encode()) if c == "%" or _SPACE.match(c) else c
        for c in label
    )
    if _DIGITS.fullmatch(encoded):
        encoded = "".join(f"%{b:02X}" for b in encoded[0].encode()) + encoded[1:]
    return encoded


def _dedent(content: str) -> str:
    if content.startswith("\t"):
        return content[1:]
    spaces = len(content) - len(content.lstrip(" "))
    return content[min(spaces, 4) :]


def _escape_note(line: str) -> str:
    match = _CHECKLIKE_NOTE.fullmatch(line)
    return f"{match.group(1)}\\{match.group(2)}" if match else line


def _unescape_note(line: str) -> str:
    match = _ESCAPED_NOTE.fullmatch(line)
    return match.group(1) + match.group(2) if match else line
