"""The pair's Teams channel, a Workflows webhook simulator: the agenda as an Adaptive
Card 1.5 in the message envelope (202), a follow-up only when the agenda changed
materially, a refused card or URL as one line, and the webhook URL never shown."""

from __future__ import annotations

from pathlib import Path

import requests

from adapters.teams.channel import envelope
from adapters.teams.sim.server import TeamsWebhookSimulator
from sync.channels.base import Entry, Message, Section
from tests.channel_pair import WEDNESDAY, ChannelPair, hours
from tests.cli_run import pairsync


def teams_channel(url: str, send: str = '["agenda"]') -> str:
    return f"""
[[channels]]
name = "office-teams"
type = "teams"
webhook_url = "{url}"
send = {send}
"""


def test_the_agenda_card_is_accepted_and_followed_up_only_on_a_real_change(
    tmp_path: Path, teams_sim: TeamsWebhookSimulator
) -> None:
    saved = WEDNESDAY - hours(20 * 24 - 10)  # 19 days 14 hours before the first run
    pair = ChannelPair(tmp_path, teams_channel(teams_sim.webhook_url), saved=saved)

    first = pair.run(WEDNESDAY)
    same = pair.run(WEDNESDAY + hours(20))  # the stale ages moved from 19 to 20 days only
    pair.add_decision("Pick the CRM", WEDNESDAY + hours(21))
    changed = pair.run(WEDNESDAY + hours(21))

    assert [d.verb for d in first.deliveries] == ["posted"]
    assert same.deliveries == []
    assert [d.verb for d in changed.deliveries] == ["followed up"]
    card, follow_up = teams_sim.cards
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5"
    assert "untouched 19 days" in str(card) and "untouched 20 days" in str(follow_up)
    texts = [element["text"] for element in follow_up["body"]]
    assert texts[0].startswith("1:1 agenda: Dana Smith / Lee Park, Thursday 3 December")
    assert "- decision: Pick the CRM" in texts[texts.index("Decisions waiting for Dana Smith") + 1]


def test_a_malformed_card_is_refused_with_400() -> None:
    sim = TeamsWebhookSimulator().start()
    try:
        good = envelope(Message("health", "k", "A title", (Section("S", (Entry("a"),)),)))
        bad = {**good, "attachments": [{"contentType": "text/plain", "content": "hi"}]}
        no_text = envelope(Message("health", "k", " "))
        answers = [requests.post(sim.webhook_url, json=b, timeout=10) for b in (good, bad, no_text)]
        wrong_url = requests.post(sim.webhook_url + "x", json=good, timeout=10)
    finally:
        sim.stop()
    assert [a.status_code for a in answers] == [202, 400, 400]
    assert wrong_url.status_code == 404
    assert sim.app.rejected == [
        "attachment: contentType must be application/vnd.microsoft.card.adaptive",
        "card: a TextBlock without text",
    ]


def test_a_refused_webhook_url_is_one_line_and_no_log_shows_the_url(
    tmp_path: Path, teams_sim: TeamsWebhookSimulator
) -> None:
    url = teams_sim.webhook_url.replace("/workflows/", "/workflows/0")
    ChannelPair(tmp_path, teams_channel(url, '["decisions"]'))

    result = pairsync("-v", "sync", "--config", "pair.toml", cwd=tmp_path)

    assert result.returncode == 1
    assert (
        "ceo-ea/channel office-teams: the webhook URL was refused (HTTP 404); check webhook_url"
        in result.stderr.splitlines()  # a failure's line goes to stderr (issue 21)
    )
    assert url not in result.stdout + result.stderr
    assert "/workflows/" not in result.stdout + result.stderr
