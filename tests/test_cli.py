"""The command line as a user runs it: a real `pairsync` process on Markdown boards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync.run.lock import pair_lock
from tests.cli_run import pairsync, start_pairsync

BOARD = """\
---
kanban-plugin: basic
---

## Goals

- [ ] Grow EMEA revenue @{2026-12-31} #q4

## Decisions

- [ ] Approve the offsite budget #owner/executive

## Problems

## Actions

- [ ] Book flights
"""

CONFIG = """\
[pair]
name = "ceo-ea"
[state]
path = "state/ceo-ea.sqlite"
[five_whys]
enabled = false
[[targets]]
name = "exec"
type = "markdown"
role = "executive"
path = "exec.md"
[[targets]]
name = "asst"
type = "markdown"
role = "assistant"
path = "asst.md"
"""


@pytest.fixture
def pair_dir(tmp_path: Path) -> Path:
    (tmp_path / "pair.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "exec.md").write_text(BOARD, encoding="utf-8")
    return tmp_path


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_sync_mirrors_both_ways_and_rerun_writes_nothing(pair_dir: Path) -> None:
    first = pairsync("sync", "--config", "pair.toml", cwd=pair_dir)
    assert first.returncode == 0, first.stderr
    assert "ceo-ea/asst: 3 created" in first.stdout
    asst = (pair_dir / "asst.md").read_text(encoding="utf-8")
    assert "Grow EMEA revenue @{2026-12-31} #q4" in asst and "Book flights" in asst

    exec_md = pair_dir / "exec.md"
    exec_md.write_text(
        exec_md.read_text().replace("Approve the offsite", "Approve the Lisbon offsite")
    )
    asst_md = pair_dir / "asst.md"
    asst_md.write_text(asst_md.read_text().replace("- [ ] Book flights", "- [x] Book flights"))
    second = pairsync("sync", "--config", "pair.toml", "--json", cwd=pair_dir)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["targets"]["exec"]["updated"] == 1 and summary["targets"]["asst"]["updated"] == 1
    for board in (exec_md, asst_md):
        text = board.read_text()
        assert "Approve the Lisbon offsite budget" in text and "- [x] Book flights" in text

    before = files_in(pair_dir)
    third = pairsync("sync", "--config", "pair.toml", "--json", cwd=pair_dir)
    counts = json.loads(third.stdout)["targets"]
    assert all(t["created"] == t["updated"] == t["archived"] == 0 for t in counts.values())
    assert files_in(pair_dir)["exec.md"] == before["exec.md"]
    assert files_in(pair_dir)["asst.md"] == before["asst.md"]


def test_dry_run_prints_the_plan_and_writes_nothing(pair_dir: Path) -> None:
    before = files_in(pair_dir)
    result = pairsync("sync", "--config", "pair.toml", "--dry-run", cwd=pair_dir)
    assert result.returncode == 0, result.stderr
    assert "would create action 'Book flights' in asst" in result.stdout
    assert files_in(pair_dir) == before


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.replace("[pair]", "[pair"), "pair.toml: invalid TOML: "),
        (
            lambda c: c.replace('name = "ceo-ea"', 'name = "ceo-ea"\nnmae = "x"'),
            "pair.toml: pair.nmae: unrecognized key",
        ),
        (
            lambda c: c.replace('path = "exec.md"', 'path = "${PAIRSYNC_NO_SUCH_VAR}"'),
            'pair.toml: targets[1] "exec".path: '
            "environment variable PAIRSYNC_NO_SUCH_VAR is not set",
        ),
        (
            lambda c: c.replace(
                'type = "markdown"\nrole = "assistant"', 'type = "jira"\nrole = "assistant"'
            ),
            "pair.toml: targets[2] \"asst\": unknown target type 'jira'",
        ),
    ],
    ids=["malformed-toml", "unknown-key", "missing-env", "unknown-type"],
)
def test_bad_config_exits_2_with_one_line_and_writes_nothing(
    pair_dir: Path, edit, message: str
) -> None:
    config = pair_dir / "pair.toml"
    config.write_text(edit(CONFIG), encoding="utf-8")
    before = files_in(pair_dir)
    result = pairsync("sync", "--config", "pair.toml", cwd=pair_dir)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert files_in(pair_dir) == before


def test_an_unwritable_state_directory_exits_1_with_one_line(pair_dir: Path) -> None:
    """An I/O problem, not a config error (issue 13): exit 1, nothing written."""
    config = pair_dir / "pair.toml"
    config.write_text(CONFIG.replace("state/ceo-ea.sqlite", "/proc/pairsync/state.sqlite"))
    before = files_in(pair_dir)
    result = pairsync("sync", "--config", "pair.toml", cwd=pair_dir)
    assert result.returncode == 1
    assert result.stderr == (
        "pairsync: /proc/pairsync/state.sqlite.lock: cannot create the lock file: "
        "No such file or directory\n"
    )
    assert files_in(pair_dir) == before


def test_an_unwritable_board_fails_that_target_only(pair_dir: Path) -> None:
    config = pair_dir / "pair.toml"
    config.write_text(CONFIG.replace('path = "asst.md"', 'path = "/proc/asst.md"'))
    result = pairsync("sync", "--config", "pair.toml", cwd=pair_dir)
    assert result.returncode == 1
    assert "ceo-ea/exec:" in result.stdout and "ok" in result.stdout
    assert "FAILED" in result.stderr and "/proc/asst.md" in result.stderr  # failures: stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_an_overlapping_run_waits_then_says_so(pair_dir: Path) -> None:
    state = pair_dir / "state" / "ceo-ea.sqlite"
    with pair_lock(state):
        result = pairsync(
            "sync", "--config", "pair.toml", cwd=pair_dir, env={"PAIRSYNC_LOCK_WAIT": "0.5"}
        )
    assert result.returncode == 1
    assert "another pairsync run of this pair is still going" in result.stderr
    assert "ceo-ea.sqlite.lock" in result.stderr


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("soon", "Input should be a valid number, unable to parse string as a number"),
        ("1e12", "Input should be less than or equal to 86400"),
        ("-1", "Input should be greater than or equal to 0"),
    ],
)
def test_a_bad_lock_wait_is_a_usage_error(pair_dir: Path, value: str, problem: str) -> None:
    result = pairsync(
        "sync", "--config", "pair.toml", cwd=pair_dir, env={"PAIRSYNC_LOCK_WAIT": value}
    )
    assert result.returncode == 2
    assert result.stderr == f"pairsync: PAIRSYNC_LOCK_WAIT: {problem} (got {value!r})\n"
    assert not (pair_dir / "state").exists()


def test_version_and_usage_errors(pair_dir: Path) -> None:
    assert pairsync("--version", cwd=pair_dir).stdout.startswith("pairsync ")
    both = pairsync("sync", cwd=pair_dir)
    assert both.returncode == 2
    assert "give exactly one of --config FILE or --config-dir DIR" in both.stderr


def test_config_dir_syncs_good_pairs_and_reports_the_broken_one(tmp_path: Path) -> None:
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "exec.md").write_text(BOARD)
        (tmp_path / f"{name}.toml").write_text(
            CONFIG.replace('"ceo-ea"', f'"{name}"')
            .replace('"state/', f'"{name}/state/')
            .replace('"exec.md"', f'"{name}/exec.md"')
            .replace('"asst.md"', f'"{name}/asst.md"')
        )
    (tmp_path / "broken.toml").write_text(CONFIG.replace("[pair]", "[pair"))
    result = pairsync("sync", "--config-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "a" / "asst.md").exists() and (tmp_path / "b" / "asst.md").exists()
    assert (
        result.stderr.strip().splitlines() == [result.stderr.strip().splitlines()[0]]
        and "pairsync: broken.toml: invalid TOML" in result.stderr
    )


def test_agenda_and_stale_after_a_sync(pair_dir: Path) -> None:
    assert pairsync("sync", "--config", "pair.toml", cwd=pair_dir).returncode == 0
    agenda = pairsync("agenda", "--config", "pair.toml", "--output", "agenda.md", cwd=pair_dir)
    assert agenda.returncode == 0, agenda.stderr
    text = (pair_dir / "agenda.md").read_text()
    assert "## Decisions waiting for Executive" in text
    assert "- decision: Approve the offsite budget [executive]" in text
    stale = pairsync("stale", "--config", "pair.toml", "--json", cwd=pair_dir)
    assert json.loads(stale.stdout) == []


def test_run_loop_syncs_then_stops_cleanly_on_sigterm(pair_dir: Path) -> None:
    import signal
    import time

    folder = pair_dir / "pairs"
    folder.mkdir()
    (folder / "pair.toml").write_text(
        CONFIG.replace('"state/', '"../state/')
        .replace('"exec.md"', '"../exec.md"')
        .replace('"asst.md"', '"../asst.md"')
    )
    process = start_pairsync("run", "--config-dir", str(folder), "--every", "1s", cwd=pair_dir)
    deadline = time.monotonic() + 30
    while not (pair_dir / "asst.md").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # at least one more tick
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert stdout.count("ceo-ea/asst:") >= 2  # the first run and at least one scheduled one
    assert "3 created" in stdout
