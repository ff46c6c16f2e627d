"""The tracker sheet's rows as board items and back, without I/O.

The board tab has a header row; pairsync finds its columns by their header (Kind, Title,
Notes, Done, Due, Owner, Labels, Id), wherever a person moved them, and never reads or
writes any other column. A row is in scope when its Kind is one of the mapped names
("Goals" ...) or the archive name; any other row (a person's own, a blank one) is not.
The `Five Whys` tab has one row per step: the item's id, the step, Done, and the answer
a person typed ("Why 1?" and "the report waits for finance" are the step "Why 1? —
the report waits for finance" on the board, as Trello's check item reads).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sync.contract import ITEM_ID_PATTERN
from sync.model import Item, Kind, Owner, Step

HEADERS = ("Kind", "Title", "Notes", "Done", "Due", "Owner", "Labels", "Id")
STEP_HEADERS = ("Item", "Step", "Done", "Answer")
ANSWER = " — "
"""Between a step and its answer in the board's step text."""
ARCHIVE_KIND = Kind.ACTION
"""The kind given to an archived row, where the sheet cannot show it (`hidden`)."""
_EPOCH = date(1899, 12, 30)
_ID = re.compile(ITEM_ID_PATTERN)
Cell = Any


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def tab_range(tab: str, cells: str = "") -> str:
    """An A1 range in `tab`, its title quoted as Sheets requires."""
    quoted = "'" + tab.replace("'", "''") + "'"
    return f"{quoted}!{cells}" if cells else quoted


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip("\r")


def _flag(cell: Cell) -> bool:
    return cell is True or _text(cell).upper() == "TRUE"


def parse_due(cell: Cell) -> date | None:
    """ISO text (as pairsync writes it), a date a person typed (read as its formatted
    string, `yyyy-mm-dd` or `m/d/yyyy`), or a serial day number."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return _EPOCH + timedelta(days=int(cell))
    text = _text(cell).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    us = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if us:
        month, day, year = map(int, us.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def parse_owner(cell: Cell) -> Owner | None:
    text = _text(cell).strip().lower()
    return next((owner for owner in Owner if owner.value == text), None)


def parse_labels(cell: Cell) -> frozenset[str]:
    return frozenset(part.strip() for part in _text(cell).split(",") if part.strip())


def split_step(text: str) -> tuple[str, str]:
    step, _, answer = text.partition(ANSWER)
    return step, answer


def join_step(step: str, answer: str) -> str:
    return f"{step}{ANSWER}{answer}" if answer.strip() else step


@dataclass(frozen=True)
class Columns:
    """Where each of pairsync's columns is (0-based), from a header row."""

    at: dict[str, int]
    width: int

    @classmethod
    def of(cls, header: list[Cell], wanted: tuple[str, ...]) -> Columns:
        names = [_text(cell).strip() for cell in header]
        at = {name: names.index(name) for name in wanted if name in names}
        width = len(names)
        for name in wanted:  # missing ones go after the last header
            if name not in at:
                at[name] = width
                width += 1
        return cls(at, width)

    def missing(self, header: list[Cell]) -> list[str]:
        names = [_text(cell).strip() for cell in header]
        return [name for name in self.at if name not in names]

    def row(self, values: dict[str, Cell]) -> list[Cell]:
        """A row to write: pairsync's values in their columns, None (left alone) elsewhere."""
        cells: list[Cell] = [None] * self.width
        for name, value in values.items():
            cells[self.at[name]] = value
        while cells and cells[-1] is None:
            cells.pop()
        return cells


@dataclass
class Row:
    """One board row in scope, as read."""

    index: int
    """0-based row index in the tab (the header is 0)."""
    remote_id: str
    item_id: str | None
    item: Item
    archived: bool


@dataclass
class StepRow:
    index: int
    item_id: str
    step: Step


@dataclass
class Board:
    """The two tabs as read: rows in scope and step rows, in sheet order."""

    rows: list[Row] = field(default_factory=list)
    steps: dict[str, list[StepRow]] = field(default_factory=dict)
    used: int = 1
    """Rows up to the last non-empty one (header included)."""


def board_cells(item: Item, item_id: str, lists: dict[Kind, str], archive: str) -> dict[str, Cell]:
    """The board tab's cells of an item, by header name."""
    labels = sorted(item.labels)
    return {
        "Kind": archive if item.archived else lists[item.kind],
        "Title": item.title,
        "Notes": item.notes,
        "Done": item.done,
        "Due": item.due.isoformat() if item.due else "",
        "Owner": item.owner.value if item.owner else "",
        "Labels": ", ".join(labels),
        "Id": item_id,
    }


def step_cells(item_id: str, step: Step) -> dict[str, Cell]:
    text, answer = split_step(step.text)
    return {"Item": item_id, "Step": text, "Done": step.done, "Answer": answer}


def parse_board(
    rows: list[list[Cell]], step_rows: list[list[Cell]], lists: dict[Kind, str], archive: str
) -> Board:
    """Rows in scope from the board tab's values (header first) and the Five Whys tab's."""
    board = Board(used=max(len(rows), 1))
    kinds = {name: kind for kind, name in lists.items()}
    columns = Columns.of(rows[0] if rows else [], HEADERS)
    steps = _steps(step_rows)
    board.steps = steps
    seen: set[str] = set()
    copies: Counter[str] = Counter()
    for index, line in enumerate(rows[1:], start=1):

        def cell(name: str, line: list[Cell] = line) -> Cell:
            at = columns.at[name]
            return line[at] if at < len(line) else None

        kind_name = _text(cell("Kind")).strip()
        archived = kind_name == archive
        if kind_name not in kinds and not archived:
            continue
        found = _text(cell("Id")).strip()
        item_id = found if _ID.fullmatch(found) and found not in seen else None
        title = _text(cell("Title"))
        if item_id is not None:
            seen.add(item_id)
            remote_id = item_id
        else:
            key = hashlib.sha1(f"{kind_name}\n{title}".encode()).hexdigest()[:10]
            remote_id = f"row:{key}:{copies[key]}"
            copies[key] += 1
        item = Item(
            kind=ARCHIVE_KIND if archived else kinds[kind_name],
            title=title,
            notes=_text(cell("Notes")),
            done=_flag(cell("Done")),
            archived=archived,
            due=parse_due(cell("Due")),
            owner=parse_owner(cell("Owner")),
            labels=parse_labels(cell("Labels")),
            steps=tuple(s.step for s in steps.get(item_id, [])) if item_id else (),
        )
        board.rows.append(Row(index, remote_id, item_id, item, archived))
    return board


def _steps(rows: list[list[Cell]]) -> dict[str, list[StepRow]]:
    columns = Columns.of(rows[0] if rows else [], STEP_HEADERS)
    found: dict[str, list[StepRow]] = {}
    for index, line in enumerate(rows[1:], start=1):

        def cell(name: str, line: list[Cell] = line) -> Cell:
            at = columns.at[name]
            return line[at] if at < len(line) else None

        item_id = _text(cell("Item")).strip()
        if not _ID.fullmatch(item_id):
            continue
        text = join_step(_text(cell("Step")), _text(cell("Answer")))
        found.setdefault(item_id, []).append(
            StepRow(index, item_id, Step(text, _flag(cell("Done"))))
        )
    return found


def version_of(item: Item, item_id: str | None) -> str:
    """What changes whenever the row or its steps change: a digest of them as read."""
    kind = ARCHIVE_KIND if item.archived else item.kind
    shown = (kind, item.title, item.notes, item.done, item.archived, item.due, item.owner)
    text = repr((*shown, sorted(item.labels), item.steps, item_id))
    return hashlib.sha1(text.encode()).hexdigest()[:16]
