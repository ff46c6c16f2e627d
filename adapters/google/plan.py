"""One write run on the tracker sheet, planned without I/O: the structural requests (rows
inserted at a place, rows moved), the cells of one `values.batchUpdate`, and the rows to
append, with one outcome per change.

Only the cells that differ are written (a person's edit of another cell of the same row,
and every column of their own, stay as they are). A created row lands at the bottom of
the sheet (appended: the bottom of its kind) unless it goes before another item; a moved
row is moved with `moveDimension`. Nothing is ever deleted: an archived item's Kind
becomes the archive name, and Five Whys rows of steps removed elsewhere are blanked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.google.rows import (
    HEADERS,
    STEP_HEADERS,
    Board,
    Cell,
    Columns,
    Row,
    board_cells,
    column_letters,
    step_cells,
    tab_range,
    version_of,
)
from sync.contract import Change, Create, Failed, Outcome, Place, Update, written
from sync.model import Kind

CHANGED = "changed in the sheet since it was read; will merge next run"


@dataclass
class Tabs:
    """The two tabs as the write addresses them."""

    board: str
    steps: str
    board_id: int
    steps_id: int
    columns: Columns
    step_columns: Columns
    board_header: list[Cell]
    steps_header: list[Cell]


@dataclass
class SheetWrite:
    structure: list[dict[str, Any]] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    board_appends: list[list[Cell]] = field(default_factory=list)
    step_appends: list[list[Cell]] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    appended: list[int] = field(default_factory=list)
    """Indexes into `outcomes` of the creates that ride on the board append."""

    def cell(self, tab: str, row: int, column: int, value: Cell) -> None:
        at = f"{column_letters(column)}{row + 1}"
        self.values.append({"range": tab_range(tab, at), "values": [[value]]})

    def row(self, tab: str, row: int, cells: list[Cell]) -> None:
        at = f"A{row + 1}:{column_letters(max(len(cells), 1) - 1)}{row + 1}"
        self.values.append({"range": tab_range(tab, at), "values": [cells]})

    @property
    def requests(self) -> int:
        """The write requests this plan costs."""
        return sum(
            1
            for part in (self.structure, self.values, self.board_appends, self.step_appends)
            if part
        )


def plan(
    changes: Sequence[Change],
    board: Board,
    tabs: Tabs,
    lists: dict[Kind, str],
    archive: str,
) -> SheetWrite:
    write = SheetWrite()
    _headers(write, tabs)
    keys: list[str | None] = [None] * board.used
    """The board tab's rows top to bottom, by remote id (None: not in scope)."""
    rows = {row.remote_id: row for row in board.rows}
    for each in board.rows:
        keys[each.index] = each.remote_id
    by_item = {row.item_id: row for row in board.rows if row.item_id}
    inserted: dict[str, Create] = {}
    for change in changes:
        if isinstance(change, Create):
            made = by_item.get(change.item_id)
            if made is not None:  # an earlier create went through: never a second row
                write.outcomes.append(written(change, made.remote_id, _version(made)))
                continue
            spot = _spot(change.place, keys)
            if spot is None:
                cells = board_cells(change.item, change.item_id, lists, archive)
                write.appended.append(len(write.outcomes))
                write.board_appends.append(tabs.columns.row(cells))
            else:
                _insert(write, tabs.board_id, keys, spot, change.item_id)
                inserted[change.item_id] = change
            _steps(write, tabs, board, change.item_id, change.item.steps)
            write.outcomes.append(_written(change))
            continue
        row = rows.get(change.remote_id)
        if row is None or _version(row) != change.version:
            write.outcomes.append(Failed(change, CHANGED))
            continue
        if change.place is not None:
            spot = _spot(change.place, keys)
            if spot is not None:
                _move(write, tabs.board_id, keys, keys.index(change.remote_id), spot)
        old = board_cells(row.item, row.item_id or "", lists, archive)
        new = board_cells(change.item, change.item_id, lists, archive)
        at = keys.index(change.remote_id)
        for name in HEADERS:
            if new[name] != old[name] or (name == "Id" and change.relink):
                write.cell(tabs.board, at, tabs.columns.at[name], new[name])
        if change.item.steps != row.item.steps or change.relink:
            _steps(write, tabs, board, change.item_id, change.item.steps)
        write.outcomes.append(_written(change))
    for item_id, create in inserted.items():
        cells = board_cells(create.item, item_id, lists, archive)
        write.row(tabs.board, keys.index(item_id), tabs.columns.row(cells))
    return write


def _written(change: Change) -> Outcome:
    return written(change, change.item_id, version_of(change.item, change.item_id))


def _version(row: Row) -> str:
    return version_of(row.item, row.item_id)


def _headers(write: SheetWrite, tabs: Tabs) -> None:
    """Header names missing from either tab, in the columns `Columns` gave them."""
    for tab, columns, header in (
        (tabs.board, tabs.columns, tabs.board_header),
        (tabs.steps, tabs.step_columns, tabs.steps_header),
    ):
        for name in columns.missing(header):
            write.cell(tab, 0, columns.at[name], name)


def _spot(place: Place | None, keys: list[str | None]) -> int | None:
    """The row index a placed row goes to: right after `after`, else right before
    `before`; None for the bottom of its kind (an append)."""
    if place is None or place.before is None:
        return None
    if place.after is not None:
        key = place.after.remote_id or place.after.item_id
        if key in keys:
            return keys.index(key) + 1
    key = place.before.remote_id or place.before.item_id
    return keys.index(key) if key in keys else None


def _rows(sheet_id: int, at: int) -> dict[str, Any]:
    return {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": at, "endIndex": at + 1}


def _insert(write: SheetWrite, sheet_id: int, keys: list[str | None], at: int, key: str) -> None:
    write.structure.append(
        {
            "insertDimension": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "ROWS",
                    "startIndex": at,
                    "endIndex": at + 1,
                },
                "inheritFromBefore": False,
            }
        }
    )
    keys.insert(at, key)


def _move(write: SheetWrite, sheet_id: int, keys: list[str | None], source: int, to: int) -> None:
    """Sheets' moveDimension: `to` counts rows before the source is taken out."""
    if to in (source, source + 1):
        return
    write.structure.append(
        {
            "moveDimension": {
                "source": {
                    "sheetId": sheet_id,
                    "dimension": "ROWS",
                    "startIndex": source,
                    "endIndex": source + 1,
                },
                "destinationIndex": to,
            }
        }
    )
    key = keys.pop(source)
    keys.insert(to - 1 if to > source else to, key)


def _steps(write: SheetWrite, tabs: Tabs, board: Board, item_id: str, steps: Sequence[Any]) -> None:
    """Five Whys rows of one item: rewritten in place where they differ, appended when
    new, blanked when the step is gone (never deleted)."""
    existing = board.steps.get(item_id, [])
    columns = tabs.step_columns
    for index, step in enumerate(steps):
        cells = step_cells(item_id, step)
        if index >= len(existing):
            write.step_appends.append(columns.row(cells))
            continue
        old = step_cells(item_id, existing[index].step)
        for name in STEP_HEADERS:
            if cells[name] != old[name]:
                write.cell(tabs.steps, existing[index].index, columns.at[name], cells[name])
    for gone in existing[len(steps) :]:
        for name in STEP_HEADERS:
            write.cell(tabs.steps, gone.index, columns.at[name], "")


def note_cells(
    rows: list[list[Cell]], tab: str, kind: str, key: str, title: str, text: str
) -> tuple[list[dict[str, Any]], list[Cell]]:
    """A note pairsync owns (the 1:1 agenda) as one row of Kind `kind` and Id `key`: the
    ranges that rewrite its Title and Notes where it is, or (none found) the row to append."""
    columns = Columns.of(rows[0] if rows else [], HEADERS)
    cells: dict[str, Cell] = {"Kind": kind, "Title": title, "Notes": text, "Id": key}
    for index, row in enumerate(rows[1:], start=1):
        shown = {name: row[at] if at < len(row) else None for name, at in columns.at.items()}
        if shown["Kind"] == kind and shown["Id"] == key:
            return [
                {
                    "range": tab_range(tab, f"{column_letters(columns.at[name])}{index + 1}"),
                    "values": [[cells[name]]],
                }
                for name in ("Title", "Notes")
            ], []
    return [], columns.row(cells)


def moves_rows(changes: Sequence[Change]) -> bool:
    """Whether a change inserts or moves a row (a request naming the tab by its id)."""
    return any(
        change.place is not None and (isinstance(change, Update) or change.place.before is not None)
        for change in changes
    )


def setup_requests(
    titles: tuple[str, str],
    present: set[str],
    tab_ids: dict[str, int],
    raw: tuple[list[list[Cell]], list[list[Cell]]],
) -> list[dict[str, Any]]:
    """The tabs not `present` ("board", "steps"), header row frozen, made with the ids
    in `tab_ids`; checkbox validation on a Done column the header lacks so far."""
    requests: list[dict[str, Any]] = []
    for role, title, rows, headers in (
        ("board", titles[0], raw[0], HEADERS),
        ("steps", titles[1], raw[1], STEP_HEADERS),
    ):
        if role not in present:
            grid = {"frozenRowCount": 1}
            props = {"sheetId": tab_ids[role], "title": title, "gridProperties": grid}
            requests.append({"addSheet": {"properties": props}})
        header = rows[0] if rows else []
        columns = Columns.of(header, headers)
        if "Done" in columns.missing(header):
            done = columns.at["Done"]
            grid_range = {
                "sheetId": tab_ids[role],
                "startRowIndex": 1,
                "startColumnIndex": done,
                "endColumnIndex": done + 1,
            }
            rule = {"condition": {"type": "BOOLEAN"}, "strict": False}
            requests.append({"setDataValidation": {"range": grid_range, "rule": rule}})
    return requests
