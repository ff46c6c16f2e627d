"""Running unattended: `pairsync check` against the simulators, and no secret in any
output of runs that fail with 401, 429 or 500 (text and JSON logs, --verbose)."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.asana.sim.server import AsanaSimulator, World
from adapters.trello.sim.server import TrelloSimulator
from tests.cli_run import pairsync

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
[pair]
name = "ceo-ea"
[state]
path = "state/ceo-ea.sqlite"
[[targets]]
name = "assistant-trello"
type = "trello"
board_id = "{board_id}"
api_key = "${{T_KEY}}"
token = "${{T_TOKEN}}"
base_url = "{trello_url}"
retry_seconds = 1.5
[[targets]]
name = "executive-asana"
type = "asana"
project_gid = "{project_gid}"
token = "${{A_TOKEN}}"
base_url = "{asana_url}"
retry_seconds = 1.5
[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
"""


@pytest.fixture
def tools(
    tmp_path: Path, trello_sim: TrelloSimulator, asana_sim: AsanaSimulator, asana_world: World
) -> dict[str, str]:
    """A config on both simulators; returns the environment holding the real secrets."""
    (tmp_path / "pair.toml").write_text(
        CONFIG.format(
            board_id=trello_sim.create_board("Team"),
            trello_url=trello_sim.base_url,
            project_gid=asana_world.project_gid,
            asana_url=asana_sim.base_url,
        )
    )
    return {"T_KEY": trello_sim.key, "T_TOKEN": trello_sim.token, "A_TOKEN": asana_world.token}


def test_check_with_good_credentials_prints_a_table_and_exits_0(tmp_path: Path, tools) -> None:
    # a narrow terminal setting must not wrap output that goes to a pipe or a cron mail
    result = pairsync(
        "check", "--config", "pair.toml", cwd=tmp_path, env={**tools, "COLUMNS": "40"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    rows = result.stdout.splitlines()
    assert rows[0] == "pair.toml: pair ceo-ea, 3 targets"
    assert rows[1].split() == ["target", "check", "result", "detail"]
    checks = [row.split(maxsplit=3) for row in rows[2:]]
    assert [(target, what) for target, what, *_ in checks] == [
        ("assistant-trello", "credentials"),
        ("assistant-trello", "board"),
        ("assistant-trello", "lists"),
        ("assistant-trello", "rate"),
        ("assistant-trello", "webhooks"),  # no api_secret: serve only polls it (issue 21)
        ("executive-asana", "token"),
        ("executive-asana", "project"),
        ("executive-asana", "sections"),
        ("executive-asana", "rate"),
        ("notes", "create"),
    ]
    assert checks[-1][2:] == ["ok", f"{tmp_path / 'board.md'} will be created on first sync"]
    assert "FAILED" not in result.stdout


def test_check_with_a_bad_token_names_the_target_and_exits_1(tmp_path: Path, tools) -> None:
    bad = {**tools, "T_TOKEN": "f" * 64, "A_TOKEN": "not-the-token"}
    result = pairsync("check", "--config", "pair.toml", cwd=tmp_path, env=bad)
    assert result.returncode == 1
    assert "token rejected (401)" in result.stdout
    assert result.stdout.count("FAILED") >= 2
    assert "f" * 64 not in result.stdout and "not-the-token" not in result.stdout


@pytest.mark.parametrize("log_format", ["text", "json"])
@pytest.mark.parametrize("fault", ["401", "429", "500"])
def test_no_secret_in_any_output_of_a_failing_run(
    tmp_path: Path,
    tools,
    trello_sim: TrelloSimulator,
    asana_sim: AsanaSimulator,
    fault: str,
    log_format: str,
) -> None:
    env = dict(tools)
    if fault == "401":
        env["T_TOKEN"] = "0123456789abcdef" * 4
        env["A_TOKEN"] = "wrong-asana-token-123"
    for sim_faults in (trello_sim.faults, asana_sim.faults):
        if fault == "429":
            sim_faults.rate_limit_next = 1000
        elif fault == "500":
            sim_faults.fail_next, sim_faults.fail_status = 1000, 500
    result = pairsync(
        "--verbose",
        "--log-format",
        log_format,
        "sync",
        "--config",
        "pair.toml",
        "--json",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    for secret in env.values():
        assert secret not in output
    assert "assistant-trello" in output and "executive-asana" in output
    assert "Traceback" not in output
    assert '"ok": false' in result.stdout
    assert "HTTP/1.1" in result.stderr  # the libraries' own request lines were logged, redacted


def test_init_lists_boards_and_projects_and_writes_a_config_without_secrets(
    tmp_path: Path, trello_sim: TrelloSimulator, asana_sim: AsanaSimulator, asana_world: World
) -> None:
    trello_sim.create_board("Team board")
    answers = (
        "\n".join(
            [
                "ceo-ea",
                "Dana Smith",
                "Lee Park",
                "y",
                trello_sim.base_url,
                "1",
                "y",
                asana_sim.base_url,
                "1",
                "n",  # no Notion database
                "board.md",
                "n",  # no OneNote record
            ]
        )
        + "\n"
    )
    env = {
        "TRELLO_API_KEY": trello_sim.key,
        "TRELLO_TOKEN": trello_sim.token,
        "ASANA_TOKEN": asana_world.token,
    }
    result = pairsync("init", "--output", "pairs/ceo-ea.toml", cwd=tmp_path, env=env, input=answers)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1) Team board" in result.stdout and "Exec board" in result.stdout
    written = (tmp_path / "pairs" / "ceo-ea.toml").read_text()
    assert asana_world.project_gid in written and 'token = "${TRELLO_TOKEN}"' in written
    assert all(secret not in written for secret in env.values())
    checked = pairsync("check", "--config", "pairs/ceo-ea.toml", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout


def test_a_config_error_keeps_its_words_and_a_verbose_run_still_hides_the_secrets(
    tmp_path: Path, tools
) -> None:
    """Redaction masks credentials, not the words after a config key's name (it printed
    `token: *** variable A_TOKEN is not set`)."""
    unset = {name: value for name, value in tools.items() if name != "A_TOKEN"}
    result = pairsync("check", "--config", "pair.toml", cwd=tmp_path, env=unset)
    assert (result.returncode, result.stderr) == (
        2,
        'pairsync: pair.toml: targets[2] "executive-asana".token: environment variable '
        "A_TOKEN is not set\n",
    )

    result = pairsync("--verbose", "sync", "--config", "pair.toml", cwd=tmp_path, env=tools)
    assert result.returncode == 0, result.stderr
    for secret in tools.values():
        assert secret not in result.stdout + result.stderr
    assert "HTTP/1.1" in result.stderr  # the libraries' request lines were there to redact
