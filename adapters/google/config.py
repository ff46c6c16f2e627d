"""The `[[targets]]` keys of a Google Sheets tracker (kept apart from the adapter so that
loading a config never imports the Google client libraries)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from sync.contract import ServiceTarget
from sync.documents.config import DocumentBase


class GoogleAccess(BaseModel):
    """The keys every Google destination has: its credentials and where the APIs are."""

    credentials: Path
    """An authorized-user JSON from `pairsync auth google` (its `token_uri` is honoured), or
    a service-account key; relative to the config file."""
    client_secrets: Path | None = None
    """The OAuth client (an installed app's JSON from the Cloud Console) `pairsync auth
    google` consents with; relative to the config file."""
    drive_base_url: str = "https://www.googleapis.com"
    requests_per_minute: int = Field(60, gt=0)
    """Google's per-user quota of the API (Sheets: 60 a minute; Docs: 60 writes); requests
    are paced to it, shared by every target in the process that uses the same account."""

    @field_validator("credentials", "client_secrets")
    @classmethod
    def _from_config_dir(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        """A relative path starts at the config file's folder (`load_config`'s context)."""
        if path is None:
            return None
        path = path.expanduser()
        base = (info.context or {}).get("config_dir")
        return base / path if base is not None and not path.is_absolute() else path


class GoogleSheetsTarget(GoogleAccess, ServiceTarget):
    type: Literal["google_sheets"]
    spreadsheet_id: str = Field(min_length=1)
    sheet: str = Field("Board", min_length=1)
    """The tab that is the board (made on first sync)."""
    five_whys_sheet: str = Field("Five Whys", min_length=1)
    archive_kind: str = "Archive"
    """The Kind an archived item's row shows (pairsync never deletes a row)."""
    base_url: str = "https://sheets.googleapis.com"

    def identity(self) -> tuple[str, str] | None:
        return (
            f"google-sheets:{self.spreadsheet_id}:{self.sheet}",
            f"the sheet {self.sheet!r} of spreadsheet {self.spreadsheet_id}",
        )


class GoogleDocsDocuments(GoogleAccess, DocumentBase):
    """A `[[documents]]` table of `type = "google_docs"`: the pair's record in Google Docs."""

    type: Literal["google_docs"]
    folder_id: str | None = None
    """The Drive folder the documents are made in (default: the account's My Drive)."""
    base_url: str = "https://docs.googleapis.com"
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    retry_seconds: float = Field(60.0, gt=0, le=3600)
    clock_speed: float = Field(1.0, gt=0, le=10_000)
    """As a target's: a simulator on a compressed clock says its own."""
