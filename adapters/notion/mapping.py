"""Pure conversions between Notion pages (as the API answers them: dicts) and `Item`s.

| item | Notion (a data source's page) |
|---|---|
| title | the title property (whatever its name) |
| kind | select `Kind`: an option named as in `lists`, followed by option id when renamed |
| archived | `Kind` = "Archive" (the kind is then unknown); a page in the trash is gone |
| done | checkbox `Done` |
| due | date `Due`: its day in the pair's time zone; a new day keeps a person's time of day |
| labels, owner | multi-select `Tags` (the owner as "owner/<role>") |
| notes | the top-level paragraph blocks outside the Five Whys section, one per line |
| steps | the to-do blocks right after the top-level heading "Five Whys" |
| link-back | rich-text property `pairsync`: the item id |

Rich text is split into pieces of at most 2,000 characters and joined back, faithfully.
A person's other blocks (images, toggles, embeds, child pages, bullets) are not notes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sync.contract import ITEM_ID_PATTERN
from sync.limits import NOTES_MARK, TITLE_MARK, shorten
from sync.model import Item, Kind, Step, split_owner

Json = dict[str, Any]

KIND, DONE, DUE, TAGS, LINK = "Kind", "Done", "Due", "Tags", "pairsync"
HEADING = "Five Whys"
PIECE = 2000
"""Characters per rich-text piece."""
PIECES = 100
"""Pieces per rich-text array (Notion's limit of 100 elements per array)."""
TEXT_LIMIT = PIECE * PIECES
BLOCKS_PER_APPEND = 100
SCHEMA: dict[str, Json] = {
    KIND: {"select": {"options": []}},
    DONE: {"checkbox": {}},
    DUE: {"date": {}},
    TAGS: {"multi_select": {"options": []}},
    LINK: {"rich_text": {}},
}
"""The properties pairsync needs beside the title, as a data source update adds them."""
_ITEM_ID = re.compile(ITEM_ID_PATTERN)


# -- rich text ------------------------------------------------------------------------------
def rich(text: str) -> list[Json]:
    """`text` as request rich text: pieces of at most 2,000 characters (none when empty)."""
    return [
        {"type": "text", "text": {"content": text[start : start + PIECE]}}
        for start in range(0, len(text), PIECE)
    ]


def plain(pieces: list[Json] | None) -> str:
    return "".join(
        str(p.get("plain_text", p.get("text", {}).get("content", ""))) for p in pieces or []
    )


# -- pages ----------------------------------------------------------------------------------
def title_property(page: Json) -> str:
    """The name of the page's title property (every data source has exactly one)."""
    return str(next(n for n, v in page["properties"].items() if v.get("type") == "title"))


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a page sits as pairsync sees it: its kind (None: archived, or not shown)."""

    kind: Kind | None
    archived: bool
    option: tuple[str, str] = ("", "")
    """The Kind option's (id, name)."""


def placement(
    page: Json, kinds: Mapping[str, Kind], followed: Mapping[str, Kind], archive: str
) -> Placement | None:
    """The page's place in scope, or None when it is outside the mapped kinds. A page
    pairsync linked whose Kind is empty (an option deleted) keeps its kind: `kind` None
    and not archived."""
    value = (page["properties"].get(KIND) or {}).get("select")
    if value is None:
        return Placement(None, archived=False) if link_id(page) else None
    option = (str(value.get("id", "")), str(value.get("name", "")))
    kind = followed.get(option[0]) or kinds.get(option[1])
    if kind is not None:
        return Placement(kind, archived=False, option=option)
    if option[1] == archive:
        return Placement(None, archived=True, option=option)
    return None


def link_id(page: Json) -> str | None:
    text = plain((page["properties"].get(LINK) or {}).get("rich_text")).strip()
    return text if _ITEM_ID.fullmatch(text) else None


@dataclass(frozen=True, slots=True)
class Body:
    """What a page's top-level blocks hold for pairsync, and which blocks hold it."""

    notes: str
    note_blocks: tuple[str, ...]
    heading: str | None
    """The "Five Whys" heading block's id."""
    steps: tuple[Step, ...]
    step_blocks: tuple[str, ...]


def body(blocks: list[Json]) -> Body:
    """Notes and steps from a page's top-level blocks (in order): the "Five Whys" section
    is its heading and the to-dos right after it; every other top-level paragraph is a
    line of the notes."""
    notes: list[str] = []
    note_ids: list[str] = []
    steps: list[Step] = []
    step_ids: list[str] = []
    heading: str | None = None
    section = False
    for block in blocks:
        kind = block["type"]
        content = block.get(kind) or {}
        text = plain(content.get("rich_text"))
        if heading is None and kind.startswith("heading_") and text.strip() == HEADING:
            heading, section = block["id"], True
            continue
        section = section and kind == "to_do"
        if section:
            steps.append(Step(text, bool(content.get("checked"))))
            step_ids.append(block["id"])
        elif kind == "paragraph":
            notes.append(text)
            note_ids.append(block["id"])
    return Body(
        "\n".join(notes).rstrip("\n"), tuple(note_ids), heading, tuple(steps), tuple(step_ids)
    )


def to_item(page: Json, where: Placement, found: Body, zone: tzinfo = UTC) -> Item:
    props = page["properties"]
    labels, owner = split_owner(
        {str(o["name"]) for o in (props.get(TAGS) or {}).get("multi_select") or []}
    )
    return Item(
        kind=where.kind or Kind.ACTION,
        title=plain(props[title_property(page)].get("title")),
        notes=found.notes,
        done=bool((props.get(DONE) or {}).get("checkbox")),
        archived=where.archived,
        due=due_day((props.get(DUE) or {}).get("date"), zone),
        owner=owner,
        labels=labels,
        steps=found.steps,
    )


def due_day(value: Json | None, zone: tzinfo) -> date | None:
    if not value or not value.get("start"):
        return None
    start = str(value["start"])
    if "T" not in start:
        return date.fromisoformat(start)
    return _moment(start).astimezone(zone).date()


def due_value(due: date | None, shown: Json | None, zone: tzinfo) -> Json | None:
    """The `Due` value for a new day: a date with a time keeps its time of day."""
    if due is None:
        return None
    start = str((shown or {}).get("start") or "")
    if "T" not in start:
        return {"start": due.isoformat()}
    local = _moment(start).astimezone(zone)
    moment = datetime.combine(due, local.timetz().replace(tzinfo=None), zone)
    return {"start": moment.isoformat(timespec="milliseconds")}


def _moment(stamp: str) -> datetime:
    parsed = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def modified_at(page: Json) -> datetime:
    return _moment(str(page["last_edited_time"]))


def properties(
    item: Item, title: str, kind_option: str, item_id: str, due: Json | None = None
) -> Json:
    """The page properties an item decides (`kind_option`: the Kind option's name, or
    the archive's), in request form."""
    return {
        title: {"title": rich(shorten(item.title, TEXT_LIMIT, TITLE_MARK))},
        KIND: {"select": {"name": kind_option}},
        DONE: {"checkbox": item.done},
        DUE: {"date": due},
        TAGS: {"multi_select": [{"name": name} for name in sorted(item.tool_labels())]},
        LINK: {"rich_text": rich(item_id)},
    }


def changed_properties(new: Json, old: Json) -> Json:
    return {name: value for name, value in new.items() if old.get(name) != value}


# -- blocks ---------------------------------------------------------------------------------
def note_lines(notes: str) -> list[str]:
    """One paragraph per line; none for empty notes."""
    text = shorten(notes, TEXT_LIMIT * BLOCKS_PER_APPEND, NOTES_MARK)
    return text.split("\n") if text else []


def paragraph(line: str) -> Json:
    return {"type": "paragraph", "paragraph": {"rich_text": rich(line)}}


def heading() -> Json:
    return {"type": "heading_2", "heading_2": {"rich_text": rich(HEADING)}}


def to_do(step: Step) -> Json:
    return {"type": "to_do", "to_do": {"rich_text": rich(step.text), "checked": step.done}}


def new_page_blocks(item: Item) -> list[Json]:
    """The body of a new page: the notes, then the Five Whys section if it has steps."""
    blocks = [paragraph(line) for line in note_lines(item.notes)]
    if item.steps:
        blocks += [heading(), *(to_do(step) for step in item.steps)]
    return blocks


def batches(blocks: list[Json]) -> list[list[Json]]:
    """At most 100 blocks per request."""
    return [blocks[i : i + BLOCKS_PER_APPEND] for i in range(0, len(blocks), BLOCKS_PER_APPEND)]


# -- versions -------------------------------------------------------------------------------
def version(item: Item, item_id: str | None) -> str:
    """A hash of what the page shows (the kind of an archived page is not shown, nor an
    order): the same for a write's outcome and the read of its result."""
    shown = item.with_(rank="", kind=Kind.ACTION if item.archived else item.kind)
    fields = [
        item_id,
        shown.kind.value,
        shown.title,
        shown.notes,
        shown.done,
        shown.archived,
        shown.due.isoformat() if shown.due else None,
        sorted(shown.tool_labels()),
        [[s.text, s.done] for s in shown.steps],
    ]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:20]


def stamp(page: Json) -> str:
    """What a query answer shows of a page without its blocks: when (to the minute) and
    by whom it was last edited, and its properties. Equal stamps and a settled minute
    mean an unchanged page (`adapters.notion.changes`)."""
    facts = [page["last_edited_time"], page["last_edited_by"]["id"], page["properties"]]
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:16]
