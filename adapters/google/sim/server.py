"""`GoogleSimulator`: Sheets, Drive, Docs and Google's token endpoint on one loopback server.

    sim = GoogleSimulator(speed=60).start()
    world = sim.seed()                       # a user, an OAuth client, a refresh token, a sheet
    world.credentials(tmp_path)              # an authorized-user file whose token_uri is the sim
    sim.person(world).sort("Board", column=1)  # act as a person in the Sheets UI

`serve_forever()` runs it in the foreground for `pairsync simulate google`.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.google.sim.app import GoogleApp
from adapters.google.sim.docs import Doc
from adapters.google.sim.grid import Cell, Dated, Tab
from adapters.google.sim.sheets import Spreadsheet
from adapters.simkit import Simulator


@dataclass(frozen=True)
class World:
    """What `seed` made: a person's account, the OAuth client they consented to, and an
    empty spreadsheet of theirs."""

    email: str
    client_id: str
    client_secret: str
    refresh_token: str
    token_uri: str
    spreadsheet_id: str

    def authorized_user(self) -> dict[str, str]:
        return {
            "type": "authorized_user",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": self.token_uri,
        }

    def credentials(self, folder: Path) -> Path:
        """The authorized-user file `pairsync auth google` would have written (mode 0600)."""
        path = folder / f"google-{self.email.split('@')[0]}.json"
        path.write_text(json.dumps(self.authorized_user()))
        path.chmod(0o600)
        return path

    def client_secrets(self, folder: Path) -> Path:
        """The OAuth client file of an installed app, pointing at the simulator."""
        root = self.token_uri.removesuffix("/token")
        path = folder / "client_secret.json"
        installed = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "auth_uri": f"{root}/o/oauth2/auth",
            "token_uri": self.token_uri,
            "redirect_uris": ["http://localhost"],
        }
        path.write_text(json.dumps({"installed": installed}))
        return path


class Person:
    """A person at work in the Sheets UI: each edit is a change of the file (a new Drive
    version), as the UI saves it."""

    def __init__(self, app: GoogleApp, spreadsheet_id: str) -> None:
        self.app = app
        self.id = spreadsheet_id

    @property
    def sheet(self) -> Spreadsheet:
        return self.app.sheets[self.id]

    def tab(self, title: str) -> Tab:
        return self.sheet.tab(title)

    def rows(self, title: str) -> list[list[Cell]]:
        with self.app.lock:
            tab = self.tab(title)
            return [list(row) for row in tab.rows[: tab.used_rows()]]

    def render(self, title: str) -> list[str]:
        """The tab as a person sees it: one line per row, cells between bars (a ticked
        checkbox as [x]), the columns cut to a readable width."""
        lines = []
        for row in self.rows(title):
            cells = [_shown(cell)[:40] for cell in row]
            lines.append("| " + " | ".join(cells) + " |")
        return lines

    def _changed(self) -> None:
        self.app.drive.touched(self.id)

    def set(self, title: str, row: int, column: int, value: Cell) -> None:
        """Type `value` into a cell (0-based row and column)."""
        with self.app.lock:
            self.tab(title).set(row, column, value)
            self._changed()

    def add_tab(self, title: str, header: list[Cell]) -> None:
        with self.app.lock:
            tab = self.sheet.add_tab(title)
            for column, value in enumerate(header):
                tab.set(0, column, value)
            self._changed()

    def insert_row(self, title: str, at: int, values: list[Cell] | None = None) -> None:
        with self.app.lock:
            tab = self.tab(title)
            tab.insert_rows(at, at + 1)
            for column, value in enumerate(values or []):
                tab.set(at, column, value)
            self._changed()

    def delete_row(self, title: str, row: int) -> None:
        with self.app.lock:
            self.tab(title).delete_rows(row, row + 1)
            self._changed()

    def sort(self, title: str, column: int, descending: bool = False) -> None:
        """Data > Sort range, below the header row."""
        order = "DESCENDING" if descending else "ASCENDING"
        with self.app.lock:
            tab = self.tab(title)
            self.sheet.sort(
                {
                    "range": {"sheetId": tab.sheet_id, "startRowIndex": 1},
                    "sortSpecs": [{"dimensionIndex": column, "sortOrder": order}],
                }
            )
            self._changed()


def _shown(cell: Cell) -> str:
    if isinstance(cell, bool):
        return "[x]" if cell else "[ ]"
    if isinstance(cell, Dated):
        return cell.day.isoformat()
    return "" if cell is None else str(cell).replace("\n", " / ")


class Writer:
    """A person at work in Google Docs: typing an answer on an `Answer:` line, adding a
    paragraph of their own at the end, deleting a document. Each edit is a new revision
    and a new Drive version, as the editor saves them."""

    def __init__(self, app: GoogleApp) -> None:
        self.app = app

    def _edited(self, doc: Doc) -> None:
        doc.revision = secrets.token_urlsafe(12)
        self.app.drive.touched(doc.id)

    def shown(self, doc_id: str) -> str:
        with self.app.lock:
            return self.app.documents.get(doc_id).plain()

    def titled(self, start: str) -> str:
        """The id of the document whose title starts with `start`."""
        with self.app.lock:
            return next(d.id for d in self.app.documents.docs.values() if d.title.startswith(start))

    def type_at_end_of(self, doc_id: str, range_name: str, text: str) -> None:
        """Type `text` at the end of the line a named range covers (before its newline)."""
        with self.app.lock:
            doc = self.app.documents.get(doc_id)
            (found,) = [r for r in doc.ranges if r.name == range_name]
            doc.insert(found.end - 1, text)
            self._edited(doc)

    def write_own(self, doc_id: str, text: str) -> None:
        with self.app.lock:
            doc = self.app.documents.get(doc_id)
            doc.insert(doc.end - 1, text + "\n")
            self._edited(doc)

    def delete(self, doc_id: str) -> None:
        """Move the document to the trash (Drive keeps it there, out of every listing)."""
        with self.app.lock:
            self.app.drive.files[doc_id].trashed = True
            self.app.drive.touched(doc_id)


class GoogleSimulator(Simulator):
    api_prefix = ""
    app: GoogleApp

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0) -> None:
        super().__init__(GoogleApp(speed=speed), host, port)
        self.app.root_url = self.server.root_url

    def seed(self, email: str = "lee@example.com", title: str = "Tracker") -> World:
        with self.app.lock:
            accounts = self.app.accounts
            client_id, secret = accounts.client()
            refresh = accounts.refresh_token(email)
            sheet = self.app.new_spreadsheet(title, email)
        return World(email, client_id, secret, refresh, f"{self.base_url}/token", sheet.id)

    def service_account(
        self, email: str = "pairsync@project.iam.gserviceaccount.com"
    ) -> dict[str, Any]:
        """A service-account key file's content, its token_uri this simulator."""
        with self.app.lock:
            pem = self.app.accounts.service_account(email)
        return {
            "type": "service_account",
            "project_id": "project",
            "private_key_id": "sim",
            "private_key": pem,
            "client_email": email,
            "client_id": "1",
            "token_uri": f"{self.base_url}/token",
        }

    def share(self, world: World, email: str) -> None:
        """The owner shares the spreadsheet with `email` (a service account) as an editor."""
        with self.app.lock:
            self.app.drive.files[world.spreadsheet_id].shared_with.add(email)

    def person(self, world: World) -> Person:
        return Person(self.app, world.spreadsheet_id)

    @property
    def writer(self) -> Writer:
        return Writer(self.app)

    def revoke(self, world: World, refresh_token: str | None = None) -> None:
        """The person removes pairsync's access at myaccount.google.com (the world's
        token, or the one a consent gave)."""
        with self.app.lock:
            self.app.accounts.revoke(refresh_token or world.refresh_token)

    def pacing(self) -> dict[str, float]:
        return {"clock_speed": self.app.clock.speed}

    def config_keys(self) -> dict[str, str]:
        """`[[targets]]` keys of a new spreadsheet here (`pairsync simulate google`); the
        credentials file is written to a private temporary folder."""
        world = self.seed()
        folder = Path(tempfile.mkdtemp(prefix="pairsync-google-"))
        os.chmod(folder, 0o700)
        return {
            "base_url": self.base_url,
            "drive_base_url": self.base_url,
            "spreadsheet_id": world.spreadsheet_id,
            "credentials": str(world.credentials(folder)),
        }
