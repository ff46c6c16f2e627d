"""The `[[documents]]` keys of an Evernote notebook (`type = "evernote"`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sync.documents.config import DocumentBase


class EvernoteDocuments(DocumentBase):
    type: Literal["evernote"]
    token: SecretStr
    """An Evernote authentication token: a personal (developer) token, or the OAuth token
    of an app whose consumer key Evernote issued (keys are issued by request only now)."""
    notebook: str = Field("Pair record", min_length=1, max_length=100)
    """The notebook the notes go in; made on the first publish if the account has none."""
    base_url: str = "https://www.evernote.com"
    """Where the UserStore is (`/edam/user`); it names the account's NoteStore."""
    timeout_seconds: float = Field(30.0, gt=0, le=600)
    retry_seconds: float = Field(60.0, gt=0, le=3600)
