"""A spreadsheet's tabs as the Sheets simulator keeps them: cells by row, A1 ranges, and the
few structural edits pairsync and a person make (add a tab, insert / move / delete rows,
sort, checkbox validation). Values are what Sheets stores: text, numbers, booleans, and
dates (`Dated`, a serial number shown in its format)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from adapters.simkit import ServiceError

EPOCH = date(1899, 12, 30)
"""Day 0 of Sheets' serial dates."""
Value = str | float | int | bool


@dataclass(frozen=True)
class Dated:
    """A date a person typed: stored as a serial number, shown as typed (yyyy-mm-dd)."""

    day: date

    @property
    def serial(self) -> int:
        return (self.day - EPOCH).days

    @classmethod
    def from_serial(cls, serial: float) -> Dated:
        return cls(EPOCH + timedelta(days=int(serial)))


Cell = Value | Dated | None


@dataclass
class Tab:
    sheet_id: int
    title: str
    index: int
    rows: list[list[Cell]] = field(default_factory=list)
    row_count: int = 1000
    column_count: int = 26
    frozen_rows: int = 0
    checkboxes: list[tuple[int, int, int, int]] = field(default_factory=list)
    """(start row, end row, start column, end column) with BOOLEAN validation."""

    def cell(self, row: int, column: int) -> Cell:
        if row < len(self.rows) and column < len(self.rows[row]):
            return self.rows[row][column]
        return None

    def set(self, row: int, column: int, value: Cell) -> None:
        while len(self.rows) <= row:
            self.rows.append([])
        line = self.rows[row]
        while len(line) <= column:
            line.append(None)
        line[column] = value
        self.row_count = max(self.row_count, row + 1)
        self.column_count = max(self.column_count, column + 1)

    def used_rows(self) -> int:
        """Rows up to the last one holding a value."""
        for index in range(len(self.rows) - 1, -1, -1):
            if any(value not in (None, "") for value in self.rows[index]):
                return index + 1
        return 0

    def insert_rows(self, start: int, end: int) -> None:
        self._pad(start)
        self.rows[start:start] = [[] for _ in range(end - start)]
        self.row_count += end - start

    def delete_rows(self, start: int, end: int) -> None:
        del self.rows[start:end]
        self.row_count -= end - start

    def move_rows(self, start: int, end: int, destination: int) -> None:
        """Sheets' moveDimension: `destination` is an index before the move."""
        self._pad(max(end, destination))
        moving = self.rows[start:end]
        del self.rows[start:end]
        at = destination - (end - start) if destination > start else destination
        self.rows[at:at] = moving

    def _pad(self, length: int) -> None:
        while len(self.rows) < length:
            self.rows.append([])

    def properties(self) -> dict[str, Any]:
        grid: dict[str, Any] = {"rowCount": self.row_count, "columnCount": self.column_count}
        if self.frozen_rows:
            grid["frozenRowCount"] = self.frozen_rows
        return {
            "sheetId": self.sheet_id,
            "title": self.title,
            "index": self.index,
            "sheetType": "GRID",
            "gridProperties": grid,
        }


def column_number(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - ord("A") + 1
    return number - 1


def column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")


@dataclass(frozen=True)
class Span:
    """A range in one tab, 0-based, ends exclusive; None: open (to the grid's end)."""

    tab: str
    row0: int
    row1: int | None
    col0: int
    col1: int | None

    def a1(self, rows: int, columns: int) -> str:
        """The range as Sheets echoes it, closed at the given extent."""
        last_row = self.row1 if self.row1 is not None else rows
        last_col = self.col1 if self.col1 is not None else columns
        start = f"{column_letters(self.col0)}{self.row0 + 1}"
        end = f"{column_letters(max(last_col, self.col0 + 1) - 1)}{max(last_row, self.row0 + 1)}"
        return f"{quote_title(self.tab)}!{start}:{end}"


def quote_title(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z0-9_]+", title) else "'" + title.replace("'", "''") + "'"


def parse_a1(text: str, default_tab: str) -> Span:
    """`Board!A2:H`, `'Five Whys'!A:D`, `Board`, `A1:B2` (the first tab)."""
    tab, _, cells = text.rpartition("!")
    if not tab:
        if re.fullmatch(r"[A-Za-z]{1,3}\d*(:[A-Za-z]{1,3}\d*)?", text):
            tab, cells = default_tab, text
        else:
            tab, cells = text, ""
    if tab.startswith("'") and tab.endswith("'"):
        tab = tab[1:-1].replace("''", "'")
    if not cells:
        return Span(tab, 0, None, 0, None)
    first, _, last = cells.partition(":")
    start, end = _CELL.match(first), _CELL.match(last or first)
    if start is None or end is None:
        raise ServiceError(400, f"Unable to parse range: {text}")
    col0 = column_number(start.group(1)) if start.group(1) else 0
    row0 = int(start.group(2)) - 1 if start.group(2) else 0
    col1 = column_number(end.group(1)) + 1 if end.group(1) else None
    row1 = int(end.group(2)) if end.group(2) else None
    if not last and not start.group(2):
        row1 = None
    return Span(tab, row0, row1, col0, col1)


def rendered(value: Cell, render: str, dates: str) -> Any:
    """A cell as `valueRenderOption` / `dateTimeRenderOption` ask for it."""
    if isinstance(value, Dated):
        if render == "FORMATTED_VALUE" or dates == "FORMATTED_STRING":
            return value.day.isoformat()
        return value.serial
    if render == "FORMATTED_VALUE":
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        return "" if value is None else str(value)
    return "" if value is None else value


def entered(value: Any, option: str) -> Cell:
    """A written value as `valueInputOption` has Sheets store it (USER_ENTERED parses
    booleans, numbers and ISO dates as the UI does)."""
    if option == "RAW" or not isinstance(value, str):
        return value if value != "" else None
    if value.upper() in ("TRUE", "FALSE"):
        return value.upper() == "TRUE"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return Dated(date.fromisoformat(value))
        except ValueError:
            return value
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value or None
