"""The `[[targets]]` keys of an Asana project (kept apart from the adapter so that loading a
config never imports the asana SDK)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from sync.contract import ServiceTarget


class AsanaTarget(ServiceTarget):
    type: Literal["asana"]
    project_gid: str
    token: SecretStr
    base_url: str = "https://app.asana.com/api/1.0"
    archive_section: str = "Archive"
