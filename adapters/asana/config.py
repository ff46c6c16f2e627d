"""The `[[targets]]` keys of an Asana project (kept apart from the adapter so that loading a
config never imports the asana SDK)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sync.contract import ServiceTarget


class AsanaTarget(ServiceTarget):
    type: Literal["asana"]
    project_gid: str
    token: SecretStr
    base_url: str = "https://app.asana.com/api/1.0"
    archive_section: str = "Archive"
    rate_limit_per_minute: int = Field(150, gt=0)
    """Asana's limit per token: 150 on free plans, 1,500 on paid ones; requests are paced
    to it, shared by every target in the process that uses the token."""

    def identity(self) -> tuple[str, str] | None:
        return f"asana:{self.project_gid}", f"the Asana project {self.project_gid}"
