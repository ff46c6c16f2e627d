"""One card of an Obsidian-Kanban board, its lines <-> an `Item`: pure functions, no I/O.

The canonical text of a card pairsync writes anew:

    - [ ] Title @{2026-12-31} #label-a #label-b #owner/executive ^ps-0123456789abcdef
    <TAB>a notes line (the card's indent, then the line as is)
    <TAB>- [x] a Five Whys step

Rules that make `parse_card(render_card(item)) == item` hold (documented for people, too):

- The title line is `- `, a checkbox and the title, as Obsidian Kanban reads it: up to
  four spaces may follow the `-`; the checkbox holds one character, a space for an open
  item and any other one (`x`, `-`, `/` ...) for a done one, kept as written.
- Metadata is the trailing run of tokens on the title line: `@{YYYY-MM-DD}` (the due
  date: the first one), `#tag` (a label; a tag needs one non-digit, as in Obsidian, so
  `#123` stays in the title), `^ps-<16 hex>` (the item id) and, last on the line, a
  person's own Obsidian block id (`^abc123`), which stays last so `[[note#^abc123]]`
  links keep working: the item id goes before it. Tokens pairsync does not model (the
  Kanban time `@@{10:30}`, a second or invalid `@{...}` date) are kept as written, after
  the due date, and never become part of the title; a kept date goes when the due date
  is cleared, or it would become the new due date. Anything before the run is the
  title, stripped. A title whose last word would read as metadata gets one backslash in
  front of that word (`Fix \\#bug`), the way Markdown escapes it; parsing removes it.
- A label with a space or `%` in it is written percent-encoded (`#Needs%20review`), and
  an all-digit label gets its first digit encoded, so that it reads as a tag.
- Indented lines under an item: a checklist line (`- [ ]`, `- [x]`, `- [-]` ...) is a
  step, ticked unless its checkbox holds a space; any other is a notes line, with the
  card's indent (the longest indent all its indented lines share: a tab, 2, 3 or 4
  spaces) removed, so nested lists keep their relative indentation. A notes line that
  would read as a checklist line is written with a backslash before its `-`. Notes
  whose every line is indented (and no steps) lose that shared indent in the file, and
  blank lines at their end are dropped.
- Titles and step texts are one line: line breaks in them are written as spaces.
- Bytes that are not UTF-8 (read with `surrogateescape`) reach the item as Windows-1252
  text, or U+FFFD, never as surrogates, and stay in the file as they are.

A card pairsync rewrites (`render_card(..., like=card)`) keeps what did not change as
the person wrote it: the title text, the notes lines, each unchanged step, the indent,
the checkbox character, kept tokens and the block id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

from sync.model import OWNER_LABEL_PREFIX, Item, Kind, Step, split_owner

MARKER_PREFIX = "^ps-"
ARCHIVE_KIND = Kind.ACTION
"""The kind given to a card under the archive heading, where the file cannot show it;
the adapter reports such cards with `kind` hidden, so the engine keeps the real one."""

_CARD = re.compile(r"- {1,4}(?:\[([^\]\r\n])\](?: |$))?(.*)")
_STEP = re.compile(r"[ \t]+- \[([^\]\r\n])\](?: (.*))?")
_CHECKLIKE_NOTE = re.compile(r"([ \t]*)(\\*- \[[^\]\r\n]\](?: .*)?)")
_ESCAPED_NOTE = re.compile(r"([ \t]*)\\(\\*- \[[^\]\r\n]\](?: .*)?)")
_TOKEN = re.compile(r"\S+")
_LAST_TOKEN = re.compile(r"\S+\Z")
_DUE = re.compile(r"@\{(\d{4}-\d{2}-\d{2})\}")
_KEPT = re.compile(r"@@?\{[^{}]*\}")
_TAG = re.compile(r"#(?=\S*[^\d\s])\S+")
_MARKER = re.compile(r"\^ps-([0-9a-f]{16})")
_BLOCK_ID = re.compile(r"\^([A-Za-z0-9-]+)")
_SURROGATES = re.compile("[\udc80-\udcff]+")
_SPACE = re.compile(r"\s")
_DIGITS = re.compile(r"\d+")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class Kept:
    """What a person wrote on a card that the item cannot hold; written back as is."""

    check: str = ""
    """The checkbox character of a done card when it is not `x` (`-`, `X`, `/` ...)."""
    tokens: tuple[str, ...] = ()
    """Metadata tokens pairsync does not model, in line order (`@@{10:30}`)."""
    block_id: str = ""
    """The person's Obsidian block id, without `^`."""


_NOTHING = Kept()


@dataclass(frozen=True, slots=True)
class Layout:
    """How a person's card is written, so that a rewrite keeps what did not change."""

    title: str
    """The title as written: spacing, escapes and undecodable bytes included."""
    indent: str
    """The indent every indented line shares; empty when they share none."""
    lines: tuple[tuple[bool, str], ...]
    """The lines after the title line, with their endings: (is a step, line)."""


@dataclass(frozen=True, slots=True)
class Card:
    """One item: its title line and indented lines. `raw` is None for a card to render."""

    item: Item
    item_id: str | None = None
    raw: str | None = field(default=None, compare=False)
    kept: Kept = _NOTHING
    layout: Layout | None = field(default=None, compare=False)


def render_card(item: Item, item_id: str | None, nl: str = "\n", like: Card | None = None) -> str:
    """The text of a card: canonical, or `like`'s with only what changed rewritten."""
    kept = like.kept if like else _NOTHING
    fresh = _head(item, item_id, kept, None, nl) + "".join(_body(item, None, nl))
    if like is None or like.layout is None or not like.layout.indent:
        return fresh
    text = _head(item, item_id, kept, like, nl) + "".join(_body(item, like, nl))
    # Keeping a person's lines must never change what the card says; if it would, the
    # canonical form is the safe one.
    return text if parse_card(text, item.kind).item == parse_card(fresh, item.kind).item else fresh


def add_marker(raw: str, item_id: str, block_id: str = "") -> str:
    """A person's card text with the item id added to its title line, before their block
    id if it has one, nothing else touched."""
    first, sep, rest = raw.partition("\n")
    cr = "\r" if first.endswith("\r") else ""
    line = first.removesuffix(cr)
    marker = MARKER_PREFIX + item_id
    at = line.rfind("^" + block_id) if block_id else -1
    line = f"{line[:at]}{marker} {line[at:]}" if at >= 0 else f"{line} {marker}"
    return f"{line}{cr}{sep}{rest}"


def parse_card(raw: str, kind: Kind | None) -> Card:
    first, *rest = raw.split("\n")
    match = _CARD.fullmatch(first.removesuffix("\r"))
    assert match is not None  # the caller saw "- "
    title, due, tags, item_id, tokens, block_id = _split_title(match.group(2))
    readable = _readable if _SURROGATES.search(raw) else str
    if rest and not rest[-1]:
        rest.pop()  # the card's last line ended with a newline
    contents = [line.removesuffix("\r") for line in rest]
    indent = _common_indent(contents)
    notes: list[str] = []
    steps: list[Step] = []
    roles: list[bool] = []
    for content in contents:
        step = _STEP.fullmatch(content) if "- [" in content else None
        roles.append(step is not None)
        if step:
            steps.append(Step(readable(step.group(2) or ""), not step.group(1).isspace()))
        elif content.startswith(indent):
            notes.append(readable(_unescape_note(content[len(indent) :])))
        else:  # a blank line, or one with less (only) whitespace than the indent
            notes.append("")
    body = [line + "\n" for line in rest]
    if not raw.endswith("\n") and body:
        body[-1] = rest[-1]
    labels, owner = split_owner(frozenset(readable(tag) for tag in tags))
    check = match.group(1) or " "
    done = not check.isspace()
    item = Item(
        kind=kind or ARCHIVE_KIND,
        title=readable(_unescape_title(title)),
        notes="\n".join(notes).rstrip("\n"),
        done=done,
        archived=kind is None,
        due=due,
        owner=owner,
        labels=labels,
        steps=tuple(steps),
    )
    own_check = check if done and check != "x" else ""
    kept = Kept(own_check, tokens, block_id) if own_check or tokens or block_id else _NOTHING

    layout = Layout(title, indent, tuple(zip(roles, body, strict=True)))
    return Card(item, item_id, raw, kept, layout)


def _head(item: Item, item_id: str | None, kept: Kept, like: Card | None, nl: str) -> str:
    meta = [f"@{{{item.due.isoformat()}}}"] if item.due else []
    meta += [t for t in kept.tokens if item.due or not _valid_due(t)]
    meta += ["#" + _encode_tag(label) for label in sorted(item.labels) if label]
    if item.owner is not None:
        meta.append(f"#{OWNER_LABEL_PREFIX}{item.owner.value}")
    if item_id is not None:
        meta.append(MARKER_PREFIX + item_id)
    if kept.block_id:
        meta.append("^" + kept.block_id)
    if like is not None and like.layout and like.item.title == item.title:
        title = like.layout.title  # parsed as the title, so it needs no new escape
    else:
        title = _escape_title(_LINE_BREAK.sub(" ", item.title).strip())
    box = f"- [{kept.check or 'x'}]" if item.done else "- [ ]"
    return " ".join([box, *([title] if title else []), *meta]) + nl


def _body(item: Item, like: Card | None, nl: str) -> list[str]:
    """The lines under the title line; with `like`, its lines where nothing changed."""
    indent = like.layout.indent if like and like.layout else "\t"
    notes = item.notes.replace("\r\n", "\n").replace("\r", "\n")
    new_notes = [indent + _escape_note(line) + nl for line in notes.split("\n")] if notes else []
    new_steps = [_step_line(step, indent, nl) for step in item.steps]
    if like is None or like.layout is None:
        return new_notes + new_steps
    old = like.item
    keep_notes = item.notes == old.notes
    notes_placed = keep_notes
    out: list[str] = []
    index = 0
    for is_step, line in like.layout.lines:
        line = line if line.endswith("\n") else line + nl
        if not is_step:
            if keep_notes:
                out.append(line)
            elif not notes_placed:
                out += new_notes
                notes_placed = True
            continue
        if index < len(item.steps):
            same = index < len(old.steps) and old.steps[index] == item.steps[index]
            out.append(line if same else new_steps[index])
        index += 1
        if index == len(old.steps):
            out += new_steps[index:]
    if not notes_placed:
        out = new_notes + out
    if not old.steps:
        out += new_steps
    return out


def _step_line(step: Step, indent: str, nl: str) -> str:
    text = _LINE_BREAK.sub(" ", step.text)
    return f"{indent}- [{'x' if step.done else ' '}]" + (f" {text}" if text else "") + nl


def _common_indent(contents: list[str]) -> str:
    """The longest leading whitespace that every line with text shares ("\\t" if none)."""
    indents = [c[: len(c) - len(c.lstrip(" \t"))] for c in contents if c.strip()]
    if not indents:
        return "\t"
    if len(set(indents)) == 1:
        return indents[0]
    first, last = min(indents), max(indents)  # the prefix these two share, all share
    pairs = zip(first, last, strict=False)
    return first[: next((i for i, (a, b) in enumerate(pairs) if a != b), len(first))]


def _split_title(
    rest: str,
) -> tuple[str, date | None, frozenset[str], str | None, tuple[str, ...], str]:
    """(title as written, due, tags, item id, kept tokens, block id) of a title line."""
    cut = len(rest)
    tags: set[str] = set()
    item_id: str | None = None
    block_id = ""
    only_markers = True
    dates: list[tuple[int, str]] = []
    for token in reversed(list(_TOKEN.finditer(rest))):
        text = token.group()
        lead = text[0]
        marker = _MARKER.fullmatch(text) if lead == "^" else None
        if marker:
            item_id = item_id or marker.group(1)
        elif lead == "^" and only_markers and not block_id and _BLOCK_ID.fullmatch(text):
            block_id = text[1:]  # last on the line, or just before our marker
        elif lead == "@" and _KEPT.fullmatch(text):
            dates.append((token.start(), text))
        elif lead == "#" and _TAG.fullmatch(text):
            tags.add(unquote(text[1:]))
        else:
            break
        only_markers = only_markers and marker is not None
        cut = token.start()
    due: date | None = None
    kept: list[str] = []
    for _, text in sorted(dates):
        if due is None and (due := _valid_due(text)) is not None:
            continue
        kept.append(text)
    return rest[:cut].strip(), due, frozenset(tags), item_id, tuple(kept), block_id


def _valid_due(token: str) -> date | None:
    match = _DUE.fullmatch(token)
    try:
        return date.fromisoformat(match.group(1)) if match else None
    except ValueError:
        return None


def _looks_meta(token: str) -> bool:
    return bool(
        _KEPT.fullmatch(token)
        or _MARKER.fullmatch(token)
        or _BLOCK_ID.fullmatch(token)
        or _TAG.fullmatch(token)
    )


def _escape_title(title: str) -> str:
    last = _LAST_TOKEN.search(title)
    if last and _looks_meta(last.group().lstrip("\\")):
        return title[: last.start()] + "\\" + last.group()
    return title


def _unescape_title(title: str) -> str:
    last = _LAST_TOKEN.search(title)
    if last and last.group().startswith("\\") and _looks_meta(last.group().lstrip("\\")):
        return title[: last.start()] + last.group()[1:]
    return title


def _readable(text: str) -> str:
    """Text for the other tools: bytes that were not UTF-8 read as Windows-1252."""
    return _SURROGATES.sub(
        lambda m: m.group().encode("utf-8", "surrogateescape").decode("cp1252", "replace"), text
    )


def _encode_tag(label: str) -> str:
    encoded = "".join(
        "".join(f"%{b:02X}" for b in c.encode()) if c == "%" or _SPACE.match(c) else c
        for c in label
    )
    if _DIGITS.fullmatch(encoded):
        encoded = "".join(f"%{b:02X}" for b in encoded[0].encode()) + encoded[1:]
    return encoded


def _escape_note(line: str) -> str:
    match = _CHECKLIKE_NOTE.fullmatch(line)
    return f"{match.group(1)}\\{match.group(2)}" if match else line


def _unescape_note(line: str) -> str:
    match = _ESCAPED_NOTE.fullmatch(line) if "\\-" in line else None
    return match.group(1) + match.group(2) if match else line
