"""The state is never thrown away for an I/O problem (issue 13): a full disk or an
unwritable state directory is one line and exit 1, the database stays where it is, and
the first run after the problem is fixed converges with its history intact. Only a file
SQLite calls corrupt is moved aside (tests/test_trust.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_run import pairsync
from tests.three_tools import ASANA, TRELLO, ThreeTools


@pytest.fixture
def small_disk(three_tools: ThreeTools) -> Iterator[Path]:
    """A 2 MB tmpfs mounted where the pair keeps its state (skipped where mounting is not
    allowed)."""
    folder = three_tools.state_path.parent
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    return filler


def runs(state_path: Path) -> int:
    db = sqlite3.connect(state_path)
    try:
        return int(db.execute("SELECT count(*) FROM runs").fetchone()[0])
    finally:
        db.close()


def sync(three_tools: ThreeTools) -> subprocess.CompletedProcess[str]:
    return pairsync("sync", "--config", str(three_tools.config_path), cwd=three_tools.folder)


def test_a_full_disk_keeps_the_state_and_the_next_run_converges(
    three_tools: ThreeTools, small_disk: Path
) -> None:
    ids = three_tools.seed()
    before = runs(three_tools.state_path)
    filler = fill(small_disk)
    for number in range(3):  # every run while the disk is full: one line, nothing moved
        three_tools.edit(TRELLO, ids["Renew the passport"], title=f"Renew the passport ({number})")
        result = sync(three_tools)
        assert result.returncode == 1, result.stdout + result.stderr
        [line] = result.stderr.splitlines()
        reason = line.partition("cannot use the state database (")[2].partition(")")[0]
        assert reason in ("database or disk is full", "disk I/O error"), line  # SQLite's
        assert line == (
            f"pairsync: {three_tools.state_path}: cannot use the state database ({reason}); "
            "left as it is: free space or fix permissions, then run again"
        )
        assert sorted(p.name for p in small_disk.iterdir() if "corrupt" in p.name) == []
    filler.unlink()
    result = sync(three_tools)
    assert result.returncode == 0, result.stdout + result.stderr
    assert runs(three_tools.state_path) >= before + 1  # the history before the full disk is there
    board = three_tools.assert_same_board()
    assert board[ids["Renew the passport"]].title == "Renew the passport (2)"
    three_tools.assert_no_duplicates()


def test_a_read_only_state_directory_is_reported_and_left_alone(
    three_tools: ThreeTools, small_disk: Path
) -> None:
    ids = three_tools.seed()
    before = runs(three_tools.state_path)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    three_tools.edit(ASANA, ids["Book flights to Lisbon"], done=True)
    try:
        result = sync(three_tools)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert result.returncode == 1, result.stdout + result.stderr
    [line] = result.stderr.splitlines()
    assert line == (
        f"pairsync: {three_tools.state_path}.lock: cannot create the lock file: "
        "Read-only file system"
    )
    assert list(small_disk.glob("*corrupt*")) == []
    assert sync(three_tools).returncode == 0
    assert runs(three_tools.state_path) == before + 1
    three_tools.assert_same_board()
