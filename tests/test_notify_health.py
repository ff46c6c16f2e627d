"""Sync-health notices on Slack: a failing target is one incident (one message, however
many runs fail), resolved once when it syncs again; conflicts are one notice per run."""

from __future__ import annotations

from pathlib import Path

from adapters.slack.sim.server import SlackSimulator
from tests.channel_pair import WEDNESDAY, ChannelPair, dm, hours, slack_channel

SECOND_BOARD = """
[[targets]]
name = "office"
type = "markdown"
path = "office/board.md"
"""


def test_a_failing_target_posts_once_and_resolves_once(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    channel = slack_channel(slack_sim) + 'send = ["health"]\n'
    pair = ChannelPair(tmp_path, channel, targets=SECOND_BOARD)
    (tmp_path / "office" / "board.md").mkdir(parents=True)  # a directory: cannot be read

    failing = [pair.run(WEDNESDAY + hours(n)) for n in range(3)]
    (tmp_path / "office" / "board.md").rmdir()
    (tmp_path / "office" / "board.md").write_text("", encoding="utf-8")
    cleared = [pair.run(WEDNESDAY + hours(n)) for n in range(3, 6)]

    assert [[d.verb for d in r.deliveries] for r in failing] == [["posted"], [], []]
    assert [[d.verb for d in r.deliveries] for r in cleared] == [["resolved"], [], []]
    incident, resolved = dm(slack_sim)
    assert incident.text.splitlines()[0] == "pairsync ceo-ea: office is failing"
    assert incident.text.splitlines()[4].startswith("  - office: ")
    assert resolved.text == "pairsync ceo-ea: office is syncing again (resolved)"
