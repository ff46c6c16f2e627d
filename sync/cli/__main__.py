"""`python -m sync.cli`: the same command line as the `pairsync` script."""

from __future__ import annotations

from sync.cli import main

main()
