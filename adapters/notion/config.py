"""The `[[targets]]` keys of a Notion database's data source (kept apart from the adapter so
that loading a config never imports notion-client)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sync.contract import ServiceTarget


class NotionTarget(ServiceTarget):
    type: Literal["notion"]
    data_source_id: str = Field(min_length=1)
    """The board database's data source (`pairsync init` lists those the token can see)."""
    token: SecretStr
    """An internal integration's secret; share the database with the integration."""
    webhook_secret: SecretStr | None = None
    """`pairsync serve`: the subscription's verification token, which also signs events
    (`pairsync webhooks token` shows the one Notion sent)."""
    base_url: str = "https://api.notion.com"
    archive_option: str = "Archive"
    """The `Kind` option of archived items (pairsync never moves a page to the trash)."""
    requests_per_second: float = Field(3.0, gt=0)
    """Notion's average limit per integration token; requests are paced to it, shared by
    every target in the process that uses the token."""

    def identity(self) -> tuple[str, str] | None:
        return f"notion:{self.data_source_id}", f"the Notion data source {self.data_source_id}"
