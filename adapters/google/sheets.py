"""The Google Sheets target: one tab of a tracker spreadsheet is the board, one row per
item, and a `Five Whys` tab holds one row per step (`adapters.google.rows`).

Requests (per run; Sheets allows 60 a minute per user, paced here):
- A read asks Drive for the file's version (`files.get?fields=version,modifiedTime`). The
  version the last run left is the cursor: the same version means nothing changed, and
  the run costs that one request. Otherwise one `values.batchGet` reads both tabs.
- A write run checks the version again just before writing (a person's sort since the
  read moves rows: then the rows are read again and a row edited meanwhile is left for
  the next run), then sends at most one `spreadsheets.batchUpdate` (rows inserted at a
  place, rows moved, and on the first sync the tabs and the Done column's checkbox
  validation), one `values.batchUpdate` with every changed cell, and one
  `values.append` per tab for new rows; then one `files.get` for the version its writes
  produced. When that version moved by exactly the writes sent, it is the next cursor
  and the next run costs 1 request; when it moved more (a person typed meanwhile) the
  next run reads the rows.
- Identity: the `Id` column holds the item id (the link-back); a row a person added has
  none until pairsync writes it, and is known meanwhile by its kind and title.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from googleapiclient.errors import HttpError

from adapters.base import Adapter
from adapters.google.auth import SCOPES, is_service_account
from adapters.google.config import GoogleSheetsTarget
from adapters.google.http import Apis
from adapters.google.plan import SheetWrite, Tabs, moves_rows, note_cells, plan, setup_requests
from adapters.google.rows import (
    HEADERS,
    STEP_HEADERS,
    Board,
    Columns,
    parse_board,
    tab_range,
    version_of,
)
from adapters.retry import UNCERTAIN, Uncertain
from sync.contract import (
    AdapterContext,
    Change,
    CheckLine,
    Failed,
    Outcome,
    RemoteItem,
    Snapshot,
    TargetBase,
)
from sync.errors import TargetError, TargetRejected

_UNFORMATTED = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "FORMATTED_STRING",
}
_SAFE_POSTS = (":batchGet", "values:batchUpdate")
"""Requests that may be sent twice (reads, and writes of the same cells)."""


class GoogleSheetsAdapter(Adapter):
    type_name = "google_sheets"
    place_word = "kind"
    config: GoogleSheetsTarget

    def __init__(self, config: TargetBase, context: AdapterContext | None = None) -> None:
        super().__init__(config, context)
        assert isinstance(config, GoogleSheetsTarget)
        self.credentials_path = config.credentials
        self.apis = Apis(
            self.name,
            config,
            "sheets",
            SCOPES["sheets"],
            lambda method, uri: method == "GET" or uri.split("?")[0].endswith(_SAFE_POSTS),
            self._count,
            context.pair_file if context else None,
        )
        self._board: Board | None = None
        self._board_version = ""
        self._raw: tuple[list[Any], list[Any]] = ([], [])
        self._tab_ids: dict[str, int] = {}
        """"board" / "steps" -> sheetId, once known (made, listed, or from `places`)."""
        self._present: set[str] = set()
        """The tabs ("board", "steps") the spreadsheet has."""
        self._modified: datetime | None = None
        self._after: str | None = None
        self._wrote = False
        self._read_version = ""
        self._recall_tabs()

    # -- clients --------------------------------------------------------------------------
    def _clients(self) -> tuple[Any, Any]:
        return self.apis["sheets"], self.apis["drive"]

    def _count(self) -> None:
        self.requests += 1

    def _call(self, request: Any, what: str) -> Any:
        try:
            return request.execute()
        except HttpError as exc:
            raise self._refused(exc, what) from None

    def _refused(self, exc: HttpError, what: str) -> TargetError:
        status = int(exc.resp.status)
        if status == 404:
            return TargetRejected(
                self.name,
                f"spreadsheet {self.config.spreadsheet_id} not found, or not shared with "
                "the account of the credentials",
            )
        if status in (401, 403):
            return TargetRejected(self.name, f"access denied ({status}) to {what}")
        return TargetRejected(self.name, f"{what} refused ({status}): {exc.reason}")

    # -- reading --------------------------------------------------------------------------
    @property
    def _titles(self) -> tuple[str, str]:
        return self.config.sheet, self.config.five_whys_sheet

    def _version(self) -> str:
        _, drive = self._clients()
        meta = self._call(
            drive["files"].get(
                fileId=self.config.spreadsheet_id,
                fields="version,modifiedTime",
                supportsAllDrives=True,
            ),
            "Drive files.get",
        )
        self._modified = datetime.fromisoformat(meta["modifiedTime"].replace("Z", "+00:00"))
        return str(meta["version"])

    def _remember_tabs(self) -> None:
        """The tabs' sheet ids, kept as every kind's place (the engine stores them), so
        that inserting and moving rows needs no listing of the tabs."""
        if "board" in self._tab_ids and "steps" in self._tab_ids:
            ids = f"{self._tab_ids['board']}/{self._tab_ids['steps']}"
            self.places = {kind: (ids, name) for kind, name in self.config.lists.items()}

    def _recall_tabs(self) -> None:
        for ids, _ in self.places.values():
            board, _, steps = ids.partition("/")
            if board.isdigit() and steps.isdigit():
                self._tab_ids = {"board": int(board), "steps": int(steps)}
            break

    def read(self, cursor: str | None = None) -> Snapshot:
        self._wrote = False
        version = self._version()
        self._read_version = version
        if cursor is not None and cursor == version:
            return Snapshot({}, complete=False, cursor=version, places=dict(self.places))
        board = self._load(version)
        items = {
            row.remote_id: RemoteItem(
                row.remote_id,
                row.item,
                row.item_id,
                version_of(row.item, row.item_id),
                self._modified,
                frozenset({"kind"}) if row.archived else frozenset(),
            )
            for row in board.rows
        }
        order = tuple(row.remote_id for row in board.rows if not row.archived)
        return Snapshot(items, complete=True, cursor=version, order=order, places=dict(self.places))

    def _load(self, version: str) -> Board:
        """Both tabs' values (one request); a tab not made yet reads as empty."""
        sheets, _ = self._clients()
        board_tab, steps_tab = self._titles
        wanted = [tab_range(board_tab), tab_range(steps_tab)]
        try:
            answer = (
                sheets["spreadsheets.values"]
                .batchGet(spreadsheetId=self.config.spreadsheet_id, ranges=wanted, **_UNFORMATTED)
                .execute()
            )
            found = [r.get("values", []) for r in answer.get("valueRanges", [])]
            missing = False
        except HttpError as exc:
            if int(exc.resp.status) != 400:
                raise self._refused(exc, "Sheets values.batchGet") from None
            found = self._load_existing_tabs(wanted)
            missing = True
        self._present = {"board", "steps"} if not missing else self._present
        self._raw = (found[0], found[1])
        self._board = parse_board(found[0], found[1], self.config.lists, self.config.archive_kind)
        self._board_version = version
        return self._board

    def _load_existing_tabs(self, wanted: list[str]) -> list[list[Any]]:
        """A tab is missing (first sync): list the tabs, read those that exist."""
        tabs = self._list_tabs()
        board_tab, steps_tab = self._titles
        present = [
            r for r, title in zip(wanted, (board_tab, steps_tab), strict=True) if title in tabs
        ]
        values: dict[str, list[Any]] = {}
        if present:
            sheets, _ = self._clients()
            answer = self._call(
                sheets["spreadsheets.values"].batchGet(
                    spreadsheetId=self.config.spreadsheet_id, ranges=present, **_UNFORMATTED
                ),
                "Sheets values.batchGet",
            )
            values = dict(
                zip(present, (r.get("values", []) for r in answer["valueRanges"]), strict=True)
            )
        return [values.get(r, []) for r in wanted]

    def _list_tabs(self) -> dict[str, int]:
        sheets, _ = self._clients()
        answer = self._call(
            sheets["spreadsheets"].get(
                spreadsheetId=self.config.spreadsheet_id, fields="sheets.properties(sheetId,title)"
            ),
            "Sheets spreadsheets.get",
        )
        tabs = {
            s["properties"]["title"]: s["properties"]["sheetId"] for s in answer.get("sheets", [])
        }
        self._present = set()
        for role, title in zip(("board", "steps"), self._titles, strict=True):
            if title in tabs:
                self._tab_ids[role] = tabs[title]
                self._present.add(role)
        self._remember_tabs()
        return tabs

    # -- writing --------------------------------------------------------------------------
    def write(self, changes: Sequence[Change]) -> Iterable[Outcome]:
        if self._board is None:  # the read found nothing new (or none was made): rows now
            self._load(self._read_version or self._version())
        else:  # rows read a while ago: a person's sort since then would move them
            version = self._version()
            if version != self._board_version:
                self._load(version)
        version = self._board_version  # not newer than the rows: an edit since fails the proof
        assert self._board is not None
        if len(self._tab_ids) < 2 and (self._present != {"board", "steps"} or moves_rows(changes)):
            self._list_tabs()
        setup = self._setup()
        tabs = self._tabs()
        write = plan(changes, self._board, tabs, self.config.lists, self.config.archive_kind)
        write.structure[:0] = setup
        try:
            self._send(write, tabs)
        except Uncertain:
            self._board = None
            yield from (
                o if isinstance(o, Failed) else Failed(o.change, UNCERTAIN) for o in write.outcomes
            )
            return
        self._board = None  # what was written is read again next time
        sent = write.requests
        after = self._version() if sent else version
        self._wrote = True
        self._after = after if int(after) == int(version) + sent else None
        yield from write.outcomes

    def _setup(self) -> list[dict[str, Any]]:
        """On the first sync: both tabs (header row frozen) and the checkbox validation
        of their Done columns, in the run's one structural request."""
        for role in ("board", "steps"):
            if role not in self._present:
                self._tab_ids[role] = secrets.randbelow(2**30) + 1
        made = setup_requests(self._titles, self._present, self._tab_ids, self._raw)
        self._present = {"board", "steps"}
        self._remember_tabs()
        return made

    def _tabs(self) -> Tabs:
        board_raw, steps_raw = self._raw
        board_header = board_raw[0] if board_raw else []
        steps_header = steps_raw[0] if steps_raw else []
        return Tabs(
            *self._titles,
            self._tab_ids.get("board", -1),
            self._tab_ids.get("steps", -1),
            Columns.of(board_header, HEADERS),
            Columns.of(steps_header, STEP_HEADERS),
            board_header,
            steps_header,
        )

    def _send(self, write: SheetWrite, tabs: Tabs) -> None:
        sheets, _ = self._clients()
        spreadsheet = self.config.spreadsheet_id
        if write.structure:
            self._call(
                sheets["spreadsheets"].batchUpdate(
                    spreadsheetId=spreadsheet, body={"requests": write.structure}
                ),
                "Sheets batchUpdate",
            )
        if write.values:
            body = {"valueInputOption": "RAW", "data": write.values}
            self._call(
                sheets["spreadsheets.values"].batchUpdate(spreadsheetId=spreadsheet, body=body),
                "Sheets values.batchUpdate",
            )
        board = self._board
        assert board is not None
        for tab, rows, used in (
            (tabs.board, write.board_appends, board.used),
            (tabs.steps, write.step_appends, max(len(self._raw[1]), 1)),
        ):
            if rows:
                # From the last row in use: the table found is the sheet's end, never a
                # gap a person left between rows.
                self._call(
                    sheets["spreadsheets.values"].append(
                        spreadsheetId=spreadsheet,
                        range=tab_range(tab, f"A{used}"),
                        valueInputOption="RAW",
                        insertDataOption="INSERT_ROWS",
                        body={"values": rows},
                    ),
                    "Sheets values.append",
                )

    def after_writes(self, snapshot: Snapshot) -> Snapshot:
        """The version this run's writes produced is the next cursor, when it is proven
        theirs alone; else none (the next run reads the rows)."""
        cursor = self._after if self._wrote else snapshot.cursor
        return replace(snapshot, cursor=cursor, places=dict(self.places))

    # -- the agenda -----------------------------------------------------------------------
    def publish(self, list_name: str, key: str, title: str, text: str) -> str:
        """The agenda as one row whose Kind is `list_name` (outside the mapped kinds, so no
        sync reads it) and whose Id is `key`: found again wherever a person moved it,
        updated in place, never a second row."""
        self._load(self._version())
        if self._present != {"board", "steps"} and not self._raw[0]:
            raise TargetRejected(self.name, f"tab {self.config.sheet} is made on the first sync")
        rows = self._raw[0]
        data, append = note_cells(rows, self.config.sheet, list_name, key, title, text)
        sheets, _ = self._clients()
        spreadsheet = self.config.spreadsheet_id
        if data:
            body = {"valueInputOption": "RAW", "data": data}
            self._call(
                sheets["spreadsheets.values"].batchUpdate(spreadsheetId=spreadsheet, body=body),
                "Sheets values.batchUpdate",
            )
        else:
            self._call(
                sheets["spreadsheets.values"].append(
                    spreadsheetId=spreadsheet,
                    range=tab_range(self.config.sheet, f"A{max(len(rows), 1)}"),
                    valueInputOption="RAW",
                    insertDataOption="INSERT_ROWS",
                    body={"values": [append]},
                ),
                "Sheets values.append",
            )
        return key

    # -- check and close ------------------------------------------------------------------
    def check(self) -> list[CheckLine]:
        lines: list[CheckLine] = []
        try:
            service_account = is_service_account(self.name, self.credentials_path)
            kind = "service account" if service_account else "authorized user"
            lines.append(CheckLine("credentials", True, f"{kind} ({self.credentials_path})"))
            if service_account:
                lines.append(
                    CheckLine(
                        "storage",
                        True,
                        "a service account owns no Drive storage: share the spreadsheet "
                        "with its e-mail, or keep it in a shared drive",
                    )
                )
            snapshot = self.read()
        except TargetError as exc:
            return [*lines, CheckLine("reach", False, str(exc))]
        lines.append(CheckLine("spreadsheet", True, f"{len(snapshot.items)} rows in scope"))
        roles = zip(self._titles, ("board", "steps"), strict=True)
        missing = [title for title, role in roles if role not in self._present]
        detail = f"missing, made on first sync: {', '.join(missing)}" if missing else "both present"
        lines.append(CheckLine("tabs", True, detail))
        throttled = self.apis.throttled
        lines.append(
            CheckLine(
                "rate limit",
                throttled == 0,
                f"{self.requests} requests, {throttled} answered 429; paced to "
                f"{self.config.requests_per_minute}/min",
            )
        )
        return lines
