"""How a `## heading` names its section: shared by the parser and the config check, so
that two names the parser would read as one are refused as one."""

from __future__ import annotations

import re

CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+\Z")


def heading_key(name: str) -> str:
    """`Goals ##`, `goals` and `GOALS` are one section."""
    return CLOSING_HASHES.sub("", name.strip()).casefold()
