"""`pairsync sync` and `pairsync notify` as a user runs them, against the Slack simulator:
a channel that fails never fails the board sync (exit 1, one line naming the channel),
a run SIGKILLed between a post and its commit never posts twice, 429s are waited out,
and no secret reaches any output or the state database."""

from __future__ import annotations

import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.slack.sim.server import SlackSimulator
from sync.delivery.meeting import WEEKDAYS
from tests.channel_pair import ChannelPair, slack_channel
from tests.cli_run import pairsync, start_pairsync


def meeting_in_three_days() -> str:
    """A weekly meeting days away from whatever today is: `--now agenda` then always
    means the same meeting across the test's runs, whatever the date."""
    day = datetime.now(UTC) + timedelta(days=3)
    return f"{WEEKDAYS[day.weekday()]} 12:00"


def everything(result: object) -> str:
    return f"{result.stdout}\n{result.stderr}"  # type: ignore[attr-defined]


def test_a_failing_channel_gives_one_line_and_the_board_still_syncs(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    channel = slack_channel(slack_sim) + 'send = ["decisions"]\n'
    ChannelPair(tmp_path, channel.replace(slack_sim.token, "xoxb-not-the-token"))

    result = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)

    assert result.returncode == 1, everything(result)
    assert result.stdout.splitlines() == [
        "ceo-ea/notes: 0 created, 3 updated, 0 archived, 0 conflicts, 3 requests - ok",
        "ceo-ea/channel dana-slack: 1 request",
    ]
    assert (  # a failure's line goes to stderr (issue 21)
        "ceo-ea/channel dana-slack: Slack refused the bot token (invalid_auth); check token"
        in result.stderr.splitlines()
    )
    assert "^ps-" in (tmp_path / "board.md").read_text(encoding="utf-8")  # footers went in
    assert "Traceback" not in everything(result)


def test_no_secret_reaches_output_json_or_the_state(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    ChannelPair(tmp_path, slack_channel(slack_sim) + 'send = ["decisions"]\n')

    outputs = [
        pairsync("sync", "--config", "pair.toml", "--json", cwd=tmp_path),
        pairsync("-v", "notify", "--config", "pair.toml", "--now", "decisions", cwd=tmp_path),
        pairsync("notify", "-c", "pair.toml", "--dry-run", "--now", "decisions", cwd=tmp_path),
    ]

    assert [r.returncode for r in outputs] == [0, 0, 0], [everything(r) for r in outputs]
    assert '"sent": [' in outputs[0].stdout
    assert outputs[2].stdout.splitlines()[0] == "nothing is due"  # sent by the sync already
    state = b"".join(p.read_bytes() for p in (tmp_path / "state").iterdir())
    for secret in (slack_sim.token,):
        assert all(secret not in everything(r) for r in outputs)
        assert secret.encode() not in state


def test_a_notify_killed_between_post_and_commit_does_not_post_again(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    room = slack_sim.add_channel()
    pair = ChannelPair(
        tmp_path,
        slack_channel(slack_sim, to=room) + 'send = ["agenda"]\n',
        meeting=meeting_in_three_days(),
    )
    assert pairsync("sync", "--config", "pair.toml", cwd=tmp_path).returncode == 0
    slack_sim.app.faults.stall_write_next = 2  # conversations.history, then chat.postMessage
    process = start_pairsync("notify", "--config", "pair.toml", "--now", "agenda", cwd=tmp_path)
    try:
        assert slack_sim.app.stalled.wait(30), process.communicate(timeout=30)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        slack_sim.app.release()
    assert len(slack_sim.messages(room)) == 1  # it went out; the state does not know

    rerun = pairsync("notify", "--config", "pair.toml", "--now", "agenda", cwd=tmp_path)
    again = pairsync("notify", "--config", "pair.toml", "--now", "agenda", cwd=tmp_path)

    assert rerun.returncode == 0, everything(rerun)
    assert rerun.stdout.splitlines()[0] == "channel dana-slack: found and updated agenda"
    assert again.stdout.splitlines() == ["nothing is due"]
    assert len(slack_sim.messages(room)) == 1
    assert pair.config.agenda.meeting is not None


def test_a_429_is_waited_out_as_retry_after_asks(tmp_path: Path, slack_sim: SlackSimulator) -> None:
    ChannelPair(tmp_path, slack_channel(slack_sim) + 'send = ["decisions"]\n')
    slack_sim.app.faults.rate_limit_next = 1

    result = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)

    assert result.returncode == 0, everything(result)
    assert slack_sim.app.stats.throttled == 1
    assert "channel dana-slack: 5 requests" in result.stdout  # the retry counted too
    assert slack_sim.requests()["chat.postMessage"] == 1


def test_check_reaches_the_slack_channel_and_names_a_bad_token(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    ChannelPair(tmp_path, slack_channel(slack_sim, signing_secret="8f14e45fceea167a5a36dedd"))
    good = pairsync("check", "--config", "pair.toml", cwd=tmp_path)
    (tmp_path / "pair.toml").write_text(
        (tmp_path / "pair.toml").read_text().replace(slack_sim.token, "xoxb-wrong"),
        encoding="utf-8",
    )
    bad = pairsync("check", "--config", "pair.toml", cwd=tmp_path)

    assert good.returncode == 0, everything(good)
    rows = [row.split(maxsplit=3) for row in good.stdout.splitlines()[2:]]
    assert [r[:3] for r in rows if r[0] == "dana-slack"] == [
        ["dana-slack", "token", "ok"],
        ["dana-slack", "to", "ok"],
    ]
    assert bad.returncode == 1
    assert bad.stdout.splitlines()[-1].split(maxsplit=3) == [
        "dana-slack",
        "token",
        "FAILED",
        "channel dana-slack: Slack refused the bot token (invalid_auth); check token",
    ]
    assert slack_sim.token not in everything(good) + everything(bad)


def test_a_dry_run_shows_the_messages_as_text_and_sends_nothing(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    ChannelPair(
        tmp_path, slack_channel(slack_sim) + 'send = ["agenda"]\n', meeting=meeting_in_three_days()
    )
    assert pairsync("sync", "--config", "pair.toml", cwd=tmp_path).returncode == 0

    result = pairsync("notify", "-c", "pair.toml", "--dry-run", "--now", "agenda", cwd=tmp_path)

    lines = result.stdout.splitlines()
    assert result.returncode == 0, everything(result)
    assert lines[0] == "channel dana-slack: would post agenda"
    assert lines[1].startswith("    1:1 agenda: Dana Smith / Lee Park, ")
    assert "      - decision: Approve the offsite budget (due 2026-12-10)" in lines
    assert slack_sim.requests() == {}
