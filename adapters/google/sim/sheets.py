"""Sheets v4 over the grid: `spreadsheets.get` / `create` / `batchUpdate` and the
`values` methods pairsync uses, with Sheets' rules (an append finds the table the range
starts in and inserts rows after it; values are trimmed of trailing empties when read;
`batchUpdate` applies its requests in order, all or nothing)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from adapters.google.sim.grid import (
    Cell,
    Dated,
    Span,
    Tab,
    entered,
    parse_a1,
    quote_title,
    rendered,
)
from adapters.simkit import ServiceError

Json = dict[str, Any]


@dataclass
class Spreadsheet:
    id: str
    title: str
    tabs: list[Tab] = field(default_factory=list)
    next_sheet_id: int = 1

    def tab(self, title: str) -> Tab:
        for tab in self.tabs:
            if tab.title == title:
                return tab
        raise ServiceError(400, f"Unable to parse range: {quote_title(title)}")

    def tab_by_id(self, sheet_id: int) -> Tab:
        for tab in self.tabs:
            if tab.sheet_id == sheet_id:
                return tab
        raise ServiceError(400, f"No grid with id: {sheet_id}")

    def add_tab(self, title: str, index: int | None = None, sheet_id: int | None = None) -> Tab:
        if any(t.title.lower() == title.lower() for t in self.tabs):
            raise ServiceError(
                400,
                f'Invalid requests[0].addSheet: A sheet with the name "{title}" already exists.',
            )
        if sheet_id is None:
            sheet_id = 0 if not self.tabs else self.next_sheet_id * 7919
            self.next_sheet_id += 1
        elif any(t.sheet_id == sheet_id for t in self.tabs):
            raise ServiceError(400, f"Invalid requests[0].addSheet: sheet id {sheet_id} is taken")
        tab = Tab(sheet_id, title, len(self.tabs) if index is None else index)
        self.tabs.insert(tab.index, tab)
        for position, each in enumerate(self.tabs):
            each.index = position
        return tab

    def json(self, url_root: str) -> Json:
        return {
            "spreadsheetId": self.id,
            "properties": {"title": self.title, "locale": "en_US", "timeZone": "Etc/GMT"},
            "sheets": [{"properties": t.properties()} for t in self.tabs],
            "spreadsheetUrl": f"{url_root}/spreadsheets/d/{self.id}/edit",
        }

    # -- values -------------------------------------------------------------------------
    def span(self, a1: str) -> Span:
        return parse_a1(a1, self.tabs[0].title)

    def get_values(self, a1: str, render: str, dates: str) -> Json:
        span = self.span(a1)
        tab = self.tab(span.tab)
        last_row = min(span.row1 or tab.row_count, tab.used_rows())
        rows = []
        for r in range(span.row0, last_row):
            line = tab.rows[r] if r < len(tab.rows) else []
            end = span.col1 if span.col1 is not None else len(line)
            cells = [rendered(tab.cell(r, c), render, dates) for c in range(span.col0, end)]
            while cells and cells[-1] == "":
                cells.pop()
            rows.append(cells)
        while rows and not rows[-1]:
            rows.pop()
        answer: Json = {
            "range": span.a1(tab.row_count, tab.column_count),
            "majorDimension": "ROWS",
        }
        if rows:
            answer["values"] = rows
        return answer

    def put_values(self, a1: str, values: list[list[Any]], option: str) -> Json:
        span = self.span(a1)
        tab = self.tab(span.tab)
        width = max((len(row) for row in values), default=0)
        if span.row1 is not None and span.row0 + len(values) > span.row1:
            last = span.row0 + len(values)
            message = f"Requested writing within range [{a1}], but tried writing to row {last}"
            raise ServiceError(400, message)
        for r, row in enumerate(values):
            for c, value in enumerate(row):
                if value is not None:  # null leaves the cell as it is
                    tab.set(span.row0 + r, span.col0 + c, entered(value, option))
        written = Span(tab.title, span.row0, span.row0 + len(values), span.col0, span.col0 + width)
        return {
            "spreadsheetId": self.id,
            "updatedRange": written.a1(span.row0 + len(values), span.col0 + width),
            "updatedRows": len(values),
            "updatedColumns": width,
            "updatedCells": sum(len(row) for row in values),
        }

    def append(self, a1: str, values: list[list[Any]], option: str, insert: bool) -> Json:
        """Sheets' append: the table is the run of non-empty rows the range starts in;
        the values go right after it (`INSERT_ROWS`: in rows inserted there)."""
        span = self.span(a1)
        tab = self.tab(span.tab)
        start = span.row0
        while start < tab.used_rows() and _blank(tab, start, span):
            start += 1
        end = start
        while end < tab.used_rows() and not _blank(tab, end, span):
            end += 1
        if insert and end < tab.used_rows():
            tab.insert_rows(end, end + len(values))
        where = Span(tab.title, end, end + len(values), span.col0, None)
        updates = self.put_values(where.a1(end + len(values), tab.column_count), values, option)
        table = Span(tab.title, start, max(end, start + 1), span.col0, span.col1)
        return {
            "spreadsheetId": self.id,
            "tableRange": table.a1(max(end, start + 1), tab.column_count),
            "updates": updates,
        }

    # -- batchUpdate ----------------------------------------------------------------------
    def batch_update(self, requests: list[Json]) -> list[Json]:
        """Apply every request in order, or none (a failure leaves the sheet as it was)."""
        saved = copy.deepcopy(self.tabs), self.next_sheet_id
        try:
            return [self._one(index, request) for index, request in enumerate(requests)]
        except ServiceError:
            self.tabs, self.next_sheet_id = saved
            raise

    def _one(self, index: int, request: Json) -> Json:
        (name, body), *rest = request.items()
        if rest:
            raise ServiceError(400, f"Invalid requests[{index}]: more than one kind of request")
        if name == "addSheet":
            props = body.get("properties", {})
            title = props.get("title") or f"Sheet{len(self.tabs) + 1}"
            tab = self.add_tab(title, props.get("index"), props.get("sheetId"))
            frozen = props.get("gridProperties", {}).get("frozenRowCount")
            tab.frozen_rows = frozen or 0
            return {"addSheet": {"properties": tab.properties()}}
        if name == "updateSheetProperties":
            props = body["properties"]
            tab = self.tab_by_id(props.get("sheetId", 0))
            if "gridProperties.frozenRowCount" in body.get("fields", ""):
                tab.frozen_rows = props.get("gridProperties", {}).get("frozenRowCount", 0)
            if "title" in body.get("fields", "").split(","):
                tab.title = props["title"]
            return {}
        if name == "setDataValidation":
            grid = body["range"]
            tab = self.tab_by_id(grid.get("sheetId", 0))
            condition = body.get("rule", {}).get("condition", {}).get("type")
            if condition != "BOOLEAN":
                raise ServiceError(400, f"Invalid requests[{index}]: only BOOLEAN is simulated")
            tab.checkboxes.append(
                (
                    grid.get("startRowIndex", 0),
                    grid.get("endRowIndex", tab.row_count),
                    grid.get("startColumnIndex", 0),
                    grid.get("endColumnIndex", tab.column_count),
                )
            )
            return {}
        if name in ("insertDimension", "deleteDimension", "moveDimension"):
            dims = body["range"] if name != "moveDimension" else body["source"]
            if dims.get("dimension") != "ROWS":
                raise ServiceError(400, f"Invalid requests[{index}]: only ROWS are simulated")
            tab = self.tab_by_id(dims.get("sheetId", 0))
            start, end = dims.get("startIndex", 0), dims["endIndex"]
            if not 0 <= start < end:
                raise ServiceError(400, f"Invalid requests[{index}].{name}: bad range")
            if name == "insertDimension":
                tab.insert_rows(start, end)
            elif name == "deleteDimension":
                tab.delete_rows(start, end)
            else:
                tab.move_rows(start, end, body["destinationIndex"])
            return {}
        if name == "sortRange":
            self.sort(body)
            return {}
        raise ServiceError(400, f"Invalid requests[{index}]: {name} is not simulated")

    def sort(self, body: Json) -> None:
        grid = body["range"]
        tab = self.tab_by_id(grid.get("sheetId", 0))
        start, end = grid.get("startRowIndex", 0), grid.get("endRowIndex", tab.used_rows())
        rows = [tab.rows[r] if r < len(tab.rows) else [] for r in range(start, end)]
        for spec in reversed(body.get("sortSpecs", [])):
            column: int = spec.get("dimensionIndex", 0)

            def key(row: list[Cell], column: int = column) -> tuple[int, str]:
                return _sort_key(row[column] if column < len(row) else None)

            rows.sort(key=key, reverse=spec.get("sortOrder") == "DESCENDING")
        tab.rows[start:end] = rows


def _blank(tab: Tab, row: int, span: Span) -> bool:
    end = span.col1 if span.col1 is not None else tab.column_count
    return all(tab.cell(row, c) in (None, "") for c in range(span.col0, end))


def _sort_key(value: Cell) -> tuple[int, str]:
    """Sheets sorts numbers, then text, then booleans; empty cells last."""
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (2, str(value))
    if isinstance(value, Dated):
        return (0, f"{value.serial:020.6f}")
    if isinstance(value, int | float):
        return (0, f"{value:020.6f}")
    return (1, str(value).lower())
