"""The `[[targets]]` keys of a Markdown board file."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from sync.contract import TargetBase


class MarkdownTarget(TargetBase):
    type: Literal["markdown"]
    path: Path
    archive_heading: str = "Archive"
