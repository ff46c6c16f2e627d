"""The `[[documents]]` keys of a OneNote section (`type = "onenote"`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator

from sync.documents.config import DocumentBase


class OneNoteDocuments(DocumentBase):
    type: Literal["onenote"]
    credentials: Path
    """The file `pairsync auth microsoft` writes (mode 0600): the app's client id, the
    tenant, the token endpoint and MSAL's token cache (the refresh token). Relative to the
    config file."""
    client_id: str | None = None
    """The app registration `pairsync auth microsoft` signs in with (a public client with
    the delegated permission Notes.ReadWrite); the credentials file keeps it after."""
    tenant: str = "common"
    section_id: str | None = None
    """The section the pages go in; or `notebook` and `section` by name."""
    notebook: str | None = None
    section: str | None = None
    base_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"
    """Where `pairsync auth microsoft` signs in (a simulator's URL in the demo)."""
    ca_bundle: Path | None = None
    """A CA certificate to trust for these two URLs (a simulator's own certificate)."""
    requests_per_minute: int = Field(100, ge=1, le=10_000)
    """Graph throttles OneNote per app and user (about 120 a minute reported): paced below."""
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    retry_seconds: float = Field(60.0, gt=0, le=3600)
    clock_speed: float = Field(1.0, gt=0, le=10_000)

    @model_validator(mode="after")
    def _one_section(self) -> Self:
        named = self.notebook is not None and self.section is not None
        if (self.section_id is None) == (not named):
            raise ValueError("set section_id, or notebook and section (one of the two)")
        return self
