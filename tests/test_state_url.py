"""`[state] url` in a pair's file, end to end through the real command line: the state
goes to that database (no SQLite file is made), the key wins over PAIRSYNC_DATABASE_URL,
and a URL that cannot be used is one line naming the key, with its exit code and no
password."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

from tests.cli_run import pairsync
from tests.postgres import BOARD, PAIR, finished_runs

PASSWORD = "hunter2-Secret-9f"


def pair_file(folder: Path, url: str) -> Path:
    path = folder / "solo.toml"
    state = 'path = "state/solo.sqlite"\n'
    path.write_text(PAIR.replace(state, f'{state}url = "{url}"\n'))
    (folder / "exec.md").write_text(BOARD)
    (folder / "asst.md").write_text("")
    return path


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    stderr = result.stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr and PASSWORD not in stderr + result.stdout
    return str(lines[0])


def test_the_state_url_key_keeps_the_pairs_state_in_that_database_and_wins_over_the_variable(
    migrated_database: str, second_database: str, tmp_path: Path
) -> None:
    config = pair_file(tmp_path, migrated_database)
    env = {"PAIRSYNC_DATABASE_URL": second_database}  # the key in the file wins over it
    first = pairsync("sync", "--config", str(config), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "solo/asst: 1 created" in first.stdout
    assert (tmp_path / "asst.md").read_text().count("Hire a COO") == 1
    assert not (tmp_path / "state").exists(), "no SQLite file, no lock file"
    assert finished_runs(migrated_database, "solo") == 1
    assert finished_runs(second_database, "solo") == 0
    (tmp_path / "asst.md").write_text(
        (tmp_path / "asst.md").read_text().replace("Hire a COO", "Hire a COO by March")
    )
    second = pairsync("sync", "--config-dir", str(tmp_path), cwd=tmp_path)  # no variable
    assert second.returncode == 0, second.stderr
    assert "solo/exec: 0 created, 1 updated" in second.stdout
    history = pairsync("history", "--config", str(config), cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert [line.split()[:2] for line in history.stdout.splitlines()] == [
        ["run", "1"],
        ["run", "2"],
    ]
    checked = pairsync("check", "--config", str(config), cwd=tmp_path)
    assert "schema version" in checked.stdout, checked.stdout + checked.stderr


def test_a_state_url_that_is_not_postgresql_is_one_line_naming_the_key_exit_2(
    tmp_path: Path,
) -> None:
    config = pair_file(tmp_path, f"mysql://root:{PASSWORD}@db.internal/pairsync")
    result = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert one_line(result) == (
        "pairsync: solo.toml: state.url: not a PostgreSQL URL (it starts with mysql://); "
        "give postgresql://user@host/database"
    )


def test_a_state_url_nobody_answers_is_one_line_naming_the_key_exit_1(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = pair_file(tmp_path, f"postgresql://pairsync:{PASSWORD}@127.0.0.1:{port}/pairsync")
    result = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1  # the server may come back: the next run tries again
    line = one_line(result)
    assert line.startswith(
        f"pairsync: solo.toml: state.url: postgresql://127.0.0.1:{port}/pairsync: "
        "cannot reach the database: "
    ), line


def test_a_state_url_of_a_database_not_migrated_says_what_to_run_exit_2(
    database_url: str, tmp_path: Path
) -> None:
    with_password = database_url.replace("pairsync@", f"pairsync:{PASSWORD}@", 1)
    config = pair_file(tmp_path, with_password)
    result = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("pairsync: solo.toml: state.url: postgresql://"), line
    assert line.endswith("run: pairsync db migrate --database URL"), line


def test_a_bad_database_variable_or_option_is_one_line_naming_it_exit_2(tmp_path: Path) -> None:
    config = pair_file(tmp_path, f"postgresql://pairsync:{PASSWORD}@db.internal/pairsync")
    config.write_text(config.read_text().replace("url = ", "# url = "))
    bad = f"mysql://root:{PASSWORD}@db.internal/pairsync"
    result = pairsync(
        "sync", "--config", str(config), cwd=tmp_path, env={"PAIRSYNC_DATABASE_URL": bad}
    )
    assert result.returncode == 2
    assert one_line(result) == (
        "pairsync: PAIRSYNC_DATABASE_URL: not a PostgreSQL URL (it starts with mysql://); "
        "give postgresql://user@host/database"
    )
    worker = pairsync("worker", "--database", bad, "--config-dir", str(tmp_path), cwd=tmp_path)
    assert worker.returncode == 2
    assert one_line(worker).startswith("pairsync: --database: not a PostgreSQL URL")
