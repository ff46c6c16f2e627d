"""The progress bar (`rich`) is drawn only on a terminal: a person at a shell sees the
pairs or the pair's steps go by, cron's mail and `--json` get none of it."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.cli_run import pairsync_env
from tests.md_pairs import run, write_pair


def on_a_terminal(folder: Path, *args: str) -> tuple[int, str]:
    """Exit code and what `pairsync ARGS` drew on stderr, a pseudo-terminal."""
    main, attached = pty.openpty()
    done = subprocess.run(
        [sys.executable, "-m", "sync.cli", *args],
        cwd=folder,
        env=pairsync_env({"COLUMNS": "100", "TERM": "xterm"}),
        stdout=subprocess.DEVNULL,
        stderr=attached,
        timeout=120,
    )
    os.close(attached)
    drawn = b""
    try:
        while chunk := os.read(main, 65536):
            drawn += chunk
    except OSError:  # the terminal's other side is closed: all of it was read
        pass
    os.close(main)
    return done.returncode, drawn.decode("utf-8", "replace")


def test_a_bar_is_drawn_on_a_terminal_and_nothing_without_one(tmp_path: Path) -> None:
    for name in ("alpha", "beta"):
        write_pair(tmp_path, name, {"exec-md": f"{name}-exec.md", "asst-md": f"{name}-asst.md"})
        (tmp_path / f"{name}-exec.md").write_text("## Goals\n\n- [ ] Grow EMEA revenue\n")

    code, drawn = on_a_terminal(tmp_path, "sync", "--config-dir", str(tmp_path))
    assert code == 0, drawn
    assert "syncing pairs" in drawn
    code, drawn = on_a_terminal(tmp_path, "sync", "-c", str(tmp_path / "alpha.toml"))
    assert code == 0, drawn
    assert "\x1b[" in drawn and "alpha" in drawn  # the pair's own bar, then erased

    code, out, err = run(tmp_path, "sync", "--config-dir", str(tmp_path))
    assert code == 0
    assert not any("syncing pairs" in line or "\x1b[" in line for line in out + err)
