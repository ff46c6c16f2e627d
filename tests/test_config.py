"""Config errors: one line per problem, naming the file and the key; messages pinned."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.config import load_config
from sync.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
[pair]
name = "ceo-ea"
[state]
path = "state/ceo-ea.sqlite"
[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
"""


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "pair.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return info.value.problems


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TRELLO_BOARD_ID",
        "TRELLO_API_KEY",
        "TRELLO_TOKEN",
        "ASANA_PROJECT_GID",
        "ASANA_TOKEN",
        "SLACK_BOT_TOKEN",
    ):
        monkeypatch.setenv(name, "x" * 24)
    monkeypatch.setenv("TEAMS_WEBHOOK_URL", "https://example.invalid/workflows/x")
    config = load_config(ROOT / "config.example.toml")
    assert [t.type for t in config.targets] == ["trello", "asana", "markdown"]
    assert [c.type for c in config.channels] == ["slack", "teams"]
    assert config.state_path == ROOT / "state" / "ceo-ea.sqlite"


def test_relative_paths_start_at_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "pair.toml").write_text(GOOD, encoding="utf-8")
    config = load_config(tmp_path / "pair.toml")
    assert config.state_path == tmp_path / "state" / "ceo-ea.sqlite"


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    assert problems(tmp_path, "[pair\nname = 1\n") == [
        "pair.toml: invalid TOML: "
        "Expected ']' at the end of a table declaration (at line 1, column 6)"
    ]


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    text = GOOD.replace('path = "board.md"', 'path = "board.md"\ncolour = "red"')
    assert problems(tmp_path, text) == ['pair.toml: targets[1] "notes".colour: unrecognized key']


def test_single_bracket_targets_gets_a_hint(tmp_path: Path) -> None:
    text = GOOD.replace("[[targets]]", "[target]")
    assert problems(tmp_path, text)[0] == (
        "pair.toml: target: unrecognized section (did you mean [[targets]]?)"
    )


def test_missing_environment_variable_names_key_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAIRSYNC_TEST_UNSET", raising=False)
    text = (
        GOOD + '[[targets]]\nname = "t"\ntype = "trello"\nboard_id = "b"\n'
        'api_key = "${PAIRSYNC_TEST_UNSET}"\ntoken = "x"\n'
    )
    assert problems(tmp_path, text) == [
        'pair.toml: targets[2] "t".api_key: environment variable PAIRSYNC_TEST_UNSET is not set'
    ]


@pytest.mark.parametrize("spelling", ["${PAIRSYNC_TEST_UNSET}", "\\u0024{PAIRSYNC_TEST_UNSET}"])
def test_a_variable_is_expanded_however_the_toml_spells_its_dollar(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    """A file naming no `$` skips the expansion; `\\u0024`, TOML's escape of it, still
    names a variable."""
    monkeypatch.delenv("PAIRSYNC_TEST_UNSET", raising=False)
    text = GOOD.replace('path = "board.md"', f'path = "{spelling}.md"')
    assert problems(tmp_path, text) == [
        'pair.toml: targets[1] "notes".path: environment variable PAIRSYNC_TEST_UNSET is not set'
    ]


def test_unknown_target_type(tmp_path: Path) -> None:
    text = GOOD + '[[targets]]\nname = "jira"\ntype = "jira"\n'
    assert problems(tmp_path, text) == [
        "pair.toml: targets[2] \"jira\": unknown target type 'jira' "
        "(expected one of: markdown, trello, asana, notion, google_sheets)"
    ]


def test_missing_keys_and_bad_values_are_all_listed(tmp_path: Path) -> None:
    text = GOOD.replace('name = "ceo-ea"', 'name = "ceo-ea"\nconflict_policy = "loudest"')
    text += '[[targets]]\nname = "t"\ntype = "trello"\ntoken = "x"\n'
    assert problems(tmp_path, text) == [
        "pair.toml: pair.conflict_policy: Input should be 'latest', 'executive' or 'assistant' "
        "(got 'loudest')",
        'pair.toml: targets[2] "t".board_id: required key is missing',
        'pair.toml: targets[2] "t".api_key: required key is missing',
    ]


def test_secret_values_are_never_echoed(tmp_path: Path) -> None:
    text = (
        GOOD + '[[targets]]\nname = "t"\ntype = "trello"\nboard_id = "b"\napi_key = 12345\n'
        'token = "s3cr3t-token"\n'
    )
    [line] = problems(tmp_path, text)
    assert line == 'pair.toml: targets[2] "t".api_key: Input should be a valid string'


def test_policy_needs_a_target_with_that_role(tmp_path: Path) -> None:
    text = GOOD.replace('name = "ceo-ea"', 'name = "ceo-ea"\nconflict_policy = "executive"')
    assert problems(tmp_path, text) == [
        "pair.toml: (top level): conflict_policy 'executive' needs a target with role 'executive'"
    ]


def test_duplicate_target_names(tmp_path: Path) -> None:
    text = GOOD + '[[targets]]\nname = "notes"\ntype = "markdown"\npath = "other.md"\n'
    assert problems(tmp_path, text) == [
        "pair.toml: (top level): target names must be unique: notes"
    ]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert info.value.problems == [f"{tmp_path / 'nope.toml'}: config file not found"]
