"""Every failure a clear line: each case run as a user would (a real `pairsync` process),
checked by its exit code and the exact line it prints, never a traceback."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from adapters.asana.sim.server import AsanaSimulator, World
from adapters.trello.sim.server import TrelloSimulator
from sync.run.lock import pair_lock
from tests.cli_run import pairsync

MARKDOWN_PAIR = """\
[pair]
name = "ceo-ea"
[state]
path = "{state}"
[five_whys]
enabled = false
[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
"""

BOARD = """\
## Goals

- [ ] Grow EMEA revenue

## Decisions

- [ ] Approve the offsite budget

## Problems

- [ ] Late board reports

## Actions

- [ ] Book flights
"""

HELD = "another pairsync run of this pair is still going; this run gave up after waiting 0 s"


def stderr_lines(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert "Traceback" not in result.stdout + result.stderr
    return result.stderr.splitlines()


@pytest.fixture
def pair_dir(tmp_path: Path) -> Path:
    (tmp_path / "pair.toml").write_text(MARKDOWN_PAIR.format(state="state/ceo-ea.sqlite"))
    (tmp_path / "board.md").write_text(BOARD)
    return tmp_path


@pytest.fixture
def synced(pair_dir: Path) -> Path:
    first = pairsync("sync", "--config", "pair.toml", cwd=pair_dir)
    assert first.returncode == 0, first.stderr
    return pair_dir


# -- config and usage errors: exit 2 ------------------------------------------------------


def trello_target(sim: TrelloSimulator, board_id: str, extra: str) -> str:
    """A `[[targets]]` table for the simulated board, plus `extra` keys."""
    return f"""\
[[targets]]
name = "assistant-trello"
type = "trello"
board_id = "{board_id}"
api_key = "{sim.key}"
token = "{sim.token}"
base_url = "{sim.base_url}"
{extra}
"""


def test_a_partial_lists_table_keeps_the_other_defaults_on_trello_and_asana(
    tmp_path: Path, trello_sim: TrelloSimulator, asana_sim: AsanaSimulator, asana_world: World
) -> None:
    board_id = trello_sim.create_board("Team")
    (tmp_path / "pair.toml").write_text(
        MARKDOWN_PAIR.format(state="state.sqlite")
        + trello_target(trello_sim, board_id, 'lists = { goal = "Our goals" }')
        + f"""\
[[targets]]
name = "executive-asana"
type = "asana"
project_gid = "{asana_world.project_gid}"
token = "{asana_world.token}"
base_url = "{asana_sim.base_url}"
lists = {{ problem = "Issues" }}
"""
    )
    (tmp_path / "board.md").write_text(BOARD)

    result = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)

    assert result.returncode == 0 and stderr_lines(result) == []
    lists = trello_sim.board(board_id).lists
    trello = {card.name: lists[card.idList].name for card in trello_sim.cards(board_id)}
    assert trello == {
        "Grow EMEA revenue": "Our goals",
        "Approve the offsite budget": "Decisions",
        "Late board reports": "Problems",
        "Book flights": "Actions",
    }
    backend = asana_sim.backend
    sections = backend.sections_for_project(backend.get_project(asana_world.project_gid))
    asana = {t.name: s.name for s in sections for t in backend.tasks_for_section(s)}
    assert asana == {
        "Grow EMEA revenue": "Goals",
        "Approve the offsite budget": "Decisions",
        "Late board reports": "Issues",
        "Book flights": "Actions",
    }


@pytest.mark.parametrize(
    ("args", "env", "edit", "line"),
    [
        (
            ("sync", "--config", "pair.toml"),
            {},
            "[stale]\nafter_days = 1000000000\n",
            "pairsync: pair.toml: stale.after_days: "
            "Input should be less than or equal to 3650 (got 1000000000)",
        ),
        (
            ("sync", "--config", "pair.toml"),
            {},
            "[stale]\narchive_after_days = 1000000000\n",
            "pairsync: pair.toml: stale.archive_after_days: "
            "Input should be less than or equal to 3650 (got 1000000000)",
        ),
        (
            ("run", "--config-dir", ".", "--every", "999999999h"),
            {},
            "",
            "pairsync: --every: '999999999h' is longer than a week (168h)",
        ),
        (
            ("sync", "--config", "pair.toml"),
            {"PAIRSYNC_LOCK_WAIT": "soon"},
            "",
            "pairsync: PAIRSYNC_LOCK_WAIT: Input should be a valid number, "
            "unable to parse string as a number (got 'soon')",
        ),
        (
            ("sync", "--config-dir", "."),
            {"PAIRSYNC_LOCK_WAIT": "1e400"},
            "",
            "pairsync: PAIRSYNC_LOCK_WAIT: "
            "Input should be less than or equal to 86400 (got '1e400')",
        ),
        (
            ("--log-format", "xml", "sync", "--config", "pair.toml"),
            {},
            "",
            "pairsync: Invalid value for '--log-format': 'xml' is not one of: text, json "
            "(see pairsync --help)",
        ),
    ],
    ids=["after-days", "archive-after-days", "every", "lock-wait", "lock-wait-dir", "log-format"],
)
def test_out_of_range_values_are_one_usage_line_exit_2(
    pair_dir: Path, args: tuple[str, ...], env: dict[str, str], edit: str, line: str
) -> None:
    config = pair_dir / "pair.toml"
    config.write_text(config.read_text() + edit)

    result = pairsync(*args, cwd=pair_dir, env=env)

    assert result.returncode == 2
    assert stderr_lines(result) == [line]
    assert not (pair_dir / "state").exists()


# -- --json: one document on stdout, whatever happens --------------------------------------


def failure(kind: str, line: str, exit_code: int) -> dict[str, object]:
    return {
        "ok": False,
        "exit_code": exit_code,
        "error": {"kind": kind, "message": line, "problems": [line]},
    }


def test_json_on_a_config_error(pair_dir: Path) -> None:
    (pair_dir / "pair.toml").write_text(MARKDOWN_PAIR.format(state="s.sqlite") + "colour = 1\n")
    result = pairsync("sync", "--config", "pair.toml", "--json", cwd=pair_dir)
    assert result.returncode == 2
    line = 'pair.toml: targets[1] "notes".colour: unrecognized key'
    assert json.loads(result.stdout) == failure("config", line, 2)
    assert stderr_lines(result) == [f"pairsync: {line}"]


def test_json_on_a_usage_error(pair_dir: Path) -> None:
    result = pairsync("stale", "--json", "--config", "pair.toml", "--colour", cwd=pair_dir)
    assert result.returncode == 2
    line = "stale: No such option: --colour (see pairsync stale --help)"
    assert json.loads(result.stdout) == failure("usage", line, 2)
    assert stderr_lines(result) == [f"pairsync: {line}"]


def test_json_on_a_held_lock_names_the_lock_normalised(pair_dir: Path) -> None:
    (pair_dir / "pair.toml").write_text(MARKDOWN_PAIR.format(state="state/../state//p.sqlite"))
    lock = pair_dir.resolve() / "state" / "p.sqlite.lock"
    with pair_lock(pair_dir / "state" / "p.sqlite"):
        result = pairsync(
            "sync", "--config", "pair.toml", "--json", cwd=pair_dir, env={"PAIRSYNC_LOCK_WAIT": "0"}
        )
    assert result.returncode == 1
    line = f"{lock}: {HELD} (the next scheduled run will catch up)"
    assert json.loads(result.stdout) == failure("lock", line, 1)
    assert stderr_lines(result) == [f"pairsync: {line}"]


def test_json_on_an_internal_error(pair_dir: Path) -> None:
    """A SQLite file of the right version but not pairsync's: the last line of defence."""
    import sqlite3

    state = pair_dir / "state" / "ceo-ea.sqlite"
    state.parent.mkdir()
    with sqlite3.connect(state) as foreign:
        foreign.execute("PRAGMA user_version = 2")
    for command in ("sync", "stale"):
        result = pairsync(command, "--config", "pair.toml", "--json", cwd=pair_dir)
        assert result.returncode == 1
        line = "internal error: OperationalError: no such table: items"
        assert json.loads(result.stdout) == failure("internal", line, 1)
        assert stderr_lines(result) == [f"pairsync: {line}"]


# -- --log-format json: every stderr line is JSON -------------------------------------------


def test_json_log_format_makes_the_failure_lines_json(tmp_path: Path, pair_dir: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[pair\n")
    result = pairsync("-v", "--log-format", "json", "sync", "--config-dir", ".", cwd=pair_dir)
    assert result.returncode == 1
    entries = [json.loads(line) for line in stderr_lines(result)]  # every line is JSON
    failures = [e for e in entries if e["level"] == "error"]
    assert [e["message"] for e in failures] == [
        "broken.toml: invalid TOML: Expected ']' at the end of a table declaration "
        "(at line 1, column 6)"
    ]
    assert any(e["level"] == "info" for e in entries)  # the -v lines are JSON too


# -- a target that dies mid-run ---------------------------------------------------------------


def test_a_target_that_dies_mid_run_gives_one_line_with_a_count(
    tmp_path: Path, trello_sim: TrelloSimulator
) -> None:
    board_id = trello_sim.create_board("Team")
    (tmp_path / "pair.toml").write_text(
        MARKDOWN_PAIR.format(state="state.sqlite")
        + trello_target(trello_sim, board_id, "retry_seconds = 0.5")
    )
    (tmp_path / "board.md").write_text(
        "## Actions\n\n" + "".join(f"- [ ] Action {n}\n" for n in range(24))
    )
    trello_sim.faults.fail_status = 503
    trello_sim.faults.fail_writes_next = 10_000

    single = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)
    many = pairsync("sync", "--config-dir", ".", cwd=tmp_path)

    assert single.returncode == many.returncode == 1
    reason = r"POST /lists: server error \(503\) after \d attempts"
    trello_line = [line for line in single.stderr.splitlines() if "assistant-trello" in line]
    assert len(trello_line) == 1 and re.fullmatch(
        r"ceo-ea/assistant-trello: 0 created, 0 updated, 0 archived, 0 conflicts, \d+ requests"
        rf" - FAILED: assistant-trello: 24 changes not written: {reason}",
        trello_line[0],
    )
    assert stderr_lines(single) == trello_line  # a failure's line, on stderr only
    [pair_line] = [line for line in stderr_lines(many) if line.startswith("pairsync: ")]
    assert re.fullmatch(
        rf"pairsync: pair.toml: assistant-trello: 24 changes not written: {reason}", pair_line
    )


# -- agenda, read-only state ------------------------------------------------------------------


def test_agenda_since_with_an_offset_is_that_instant_in_the_pairs_zone(synced: Path) -> None:
    # the pair has no [pair] timezone: the machine's zone, made UTC here for the child
    result = pairsync(
        "agenda",
        "--config",
        "pair.toml",
        "--since",
        "2026-12-01T10:00:00+05:00",
        cwd=synced,
        env={"TZ": "UTC"},
    )
    assert result.returncode == 0 and stderr_lines(result) == []
    assert "Changes since 2026-12-01 05:00 UTC." in result.stdout.splitlines()


def test_a_read_only_state_lets_stale_and_agenda_run_and_fails_sync_with_1(synced: Path) -> None:
    state = synced.resolve() / "state" / "ceo-ea.sqlite"
    state.chmod(0o444)
    before = state.read_bytes()

    stale = pairsync("stale", "--config", "pair.toml", cwd=synced, honour_file_modes=True)
    agenda = pairsync("agenda", "--config", "pair.toml", cwd=synced, honour_file_modes=True)
    sync = pairsync("sync", "--config", "pair.toml", cwd=synced, honour_file_modes=True)

    assert stale.returncode == 0 and stderr_lines(stale) == []
    assert stale.stdout == "nothing is stale\n"
    assert agenda.returncode == 0 and "- action: Book flights" in agenda.stdout
    assert stderr_lines(agenda) == [
        f"pairsync: {state}: read-only: this agenda is not recorded, "
        "so the next one shows the same changes again"
    ]
    assert sync.returncode == 1
    assert stderr_lines(sync) == [
        f"pairsync: {state}: the state database is read-only; a sync must write it "
        "(give the user running pairsync write access to it and its folder)"
    ]
    assert state.read_bytes() == before


# -- init ---------------------------------------------------------------------------------


def test_init_asks_again_and_writes_valid_toml_for_any_name_and_path(
    tmp_path: Path, trello_sim: TrelloSimulator
) -> None:
    trello_sim.create_board("Team board")
    board_id = trello_sim.create_board("Dana's board")
    answers = [
        'dana "ceo"',  # not a pair name: asked again
        "dana-ceo",
        'Dana "The Boss" Smith',
        "Lee O'Neil \\ Park",
        "y",
        trello_sim.base_url,
        "second",  # not a number: asked again
        "3",  # not in the list: asked again
        "2",
        "n",
        "n",
        r"C:\Users\dana\Documents\board.md",
        "n",  # no OneNote record
    ]
    env = {"TRELLO_API_KEY": trello_sim.key, "TRELLO_TOKEN": trello_sim.token}
    env["TZ"] = "Europe/Paris"  # the machine's zone, which init writes down
    result = pairsync(
        "init", "--output", "dana.toml", cwd=tmp_path, env=env, input="\n".join(answers) + "\n"
    )

    assert result.returncode == 0, result.stderr
    assert stderr_lines(result) == []
    said = result.stdout
    assert "'dana \"ceo\"' is not a pair name: use letters, digits, '-', '_' or '.'" in said
    assert said.count("answer a number from 1 to 2") == 2
    written = tomllib.loads((tmp_path / "dana.toml").read_text())
    assert written["pair"] == {
        "name": "dana-ceo",
        "executive": 'Dana "The Boss" Smith',
        "assistant": "Lee O'Neil \\ Park",
        "conflict_policy": "latest",
        "timezone": "Europe/Paris",
    }
    trello, notes = written["targets"]
    assert trello["board_id"] == board_id
    assert notes["path"] == r"C:\Users\dana\Documents\board.md"


def test_a_failed_init_leaves_no_file(tmp_path: Path, trello_sim: TrelloSimulator) -> None:
    trello_sim.create_board("Team board")
    env = {"TRELLO_API_KEY": trello_sim.key, "TRELLO_TOKEN": trello_sim.token}
    answers = ["ceo-ea", "Dana", "Lee", "y", trello_sim.base_url]  # input ends: no board chosen
    result = pairsync(
        "init",
        "--output",
        "pairs/ceo-ea.toml",
        cwd=tmp_path,
        env=env,
        input="\n".join(answers) + "\n",
    )
    assert result.returncode == 1
    assert stderr_lines(result) == ["pairsync: aborted before the last answer; nothing was written"]
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
