"""The `pairsync` command line (typer). Every failure ends in one line on stderr and the exit
code from DESIGN.md: 0 all synced, 1 some target failed, 2 config or usage error."""

from __future__ import annotations

from sync.cli import auth, board, ops, pulse, scale  # noqa: F401  (each registers its commands on the app)
from sync.cli.app import app, main

__all__ = ["app", "main"]
