"""`[agenda] meeting` / `lead_hours` and `[[channels]]`: one line per problem, naming the
channel; secrets never echoed and registered for redaction."""

from __future__ import annotations

from pathlib import Path

from sync.config import load_config
from sync.logs import redact
from tests.test_config import GOOD, problems

SLACK = """
[[channels]]
name = "dana-slack"
type = "slack"
token = "xoxb-secret-value-1234"
to = "dana@example.com"
"""


def test_a_good_channel_config_loads_and_registers_its_secret(tmp_path: Path) -> None:
    path = tmp_path / "pair.toml"
    path.write_text(GOOD + SLACK, encoding="utf-8")
    config = load_config(path)
    (slack,) = config.channels
    assert slack.send == ["agenda", "decisions", "health", "pulse"]
    assert slack.base_url == "https://slack.com/api/"
    assert redact("token xoxb-secret-value-1234 here") == "token *** here"


def test_channel_problems_are_one_line_each(tmp_path: Path) -> None:
    text = (
        GOOD.replace(
            "[state]", '[agenda]\nmeeting = "thursday at ten"\nlead_hours = 0\n[state]'
        ).replace('name = "ceo-ea"', 'name = "ceo-ea"\ntimezone = "Mars/Olympus"')
        + SLACK.replace("dana@example.com", "dana").replace('"slack"', '"slack"\ncolour = 1')
        + '\n[[channels]]\nname = "t"\ntype = "teams"\nwebhook_url = "ftp://x"\nsend = ["news"]\n'
        + '\n[[channels]]\nname = "x"\ntype = "irc"\n'
    )
    assert problems(tmp_path, text) == [
        "pair.toml: pair.timezone: unknown time zone (an IANA name such as Europe/Paris)"
        " (got 'Mars/Olympus')",
        'pair.toml: agenda.meeting: expected a weekday and a 24-hour time, such as "thursday'
        " 10:00\" (got 'thursday at ten')",
        "pair.toml: agenda.lead_hours: Input should be greater than or equal to 1 (got 0)",
        'pair.toml: channels[1] "dana-slack".to: expected a person\'s e-mail address or a'
        " channel id (C…, G…, D…) (got 'dana')",
        'pair.toml: channels[1] "dana-slack".colour: unrecognized key',
        "pair.toml: channels[2] \"t\".send.0: Input should be 'agenda', 'decisions', 'health'"
        " or 'pulse' (got 'news')",
        'pair.toml: channels[2] "t".webhook_url: expected an https:// URL',
        "pair.toml: channels[3] \"x\": unknown channel type 'irc' (expected one of: slack, teams)",
    ]


def test_duplicate_channel_names(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD + SLACK + SLACK) == [
        "pair.toml: (top level): channel names must be unique: dana-slack"
    ]


def test_a_missing_secret_variable_names_the_channel_key(tmp_path: Path) -> None:
    text = GOOD + SLACK.replace('"xoxb-secret-value-1234"', '"${PAIRSYNC_TEST_UNSET_TOKEN}"')
    assert problems(tmp_path, text) == [
        'pair.toml: channels[1] "dana-slack".token: environment variable '
        "PAIRSYNC_TEST_UNSET_TOKEN is not set"
    ]


def test_a_channel_that_asks_for_the_agenda_needs_the_meeting(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD + SLACK + 'send = ["agenda"]\n') == [
        "pair.toml: (top level): channel dana-slack gets the agenda: set [agenda] meeting"
    ]
