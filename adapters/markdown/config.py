"""The `[[targets]]` keys of a Markdown board file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import ValidationInfo, field_validator

from adapters.markdown.headings import heading_key
from sync.contract import TargetBase


class MarkdownTarget(TargetBase):
    type: Literal["markdown"]
    path: Path
    archive_heading: str = "Archive"

    @field_validator("path")
    @classmethod
    def _from_config_dir(cls, path: Path, info: ValidationInfo) -> Path:
        """A relative path starts at the config file's folder (the `config_dir` that
        `load_config` passes as validation context), so the adapter gets it whole."""
        path = path.expanduser()
        base = (info.context or {}).get("config_dir")
        return base / path if base is not None and not path.is_absolute() else path

    def identity(self) -> tuple[str, str] | None:
        whole = Path(os.path.normpath(self.path.absolute()))
        try:
            shown = whole.relative_to(Path.cwd())
        except ValueError:
            shown = whole
        return f"markdown:{whole.resolve()}", f"the board file {shown}"

    def place_key(self, name: str) -> str:
        """As the parser reads a `## heading`: closing `#`s stripped, case folded."""
        return heading_key(name)
