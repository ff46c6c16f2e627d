"""The monthly pulse in the pair's channels: on the first run of a month that follows a
month with runs, once; Slack gets the chart as a file (slack_sdk's files_upload_v2 on the
Slack simulator's external upload), Teams as a compact image inside the card."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

from adapters.slack.sim.server import SlackSimulator
from adapters.teams.sim.server import MAX_BYTES, TeamsWebhookSimulator
from tests.channel_pair import WEDNESDAY, ChannelPair, dana, dm, slack_channel
from tests.test_notify_teams import teams_channel
from tests.test_pulse import png_size

NOVEMBER = WEDNESDAY - timedelta(days=7)  # 25 November 2026


def test_the_pulse_goes_to_slack_once_a_month_with_its_chart_as_a_file(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    pair = ChannelPair(tmp_path, slack_channel(slack_sim) + 'send = ["pulse"]\n')
    first = pair.run(NOVEMBER)  # the pair's first month: nothing to look back on
    assert first.deliveries == [] and dm(slack_sim) == []

    december = pair.run(WEDNESDAY)
    again = pair.run(WEDNESDAY + timedelta(days=1))

    assert [(d.verb, d.message.kind) for d in december.deliveries] == [("posted", "pulse")]
    (message,) = dm(slack_sim)
    assert message.text.startswith("Partnership pulse: Dana Smith / Lee Park, 2026-12")
    assert "items created: 0 by Dana Smith, 0 by Lee Park, 3 in shared tools" in message.text
    (chart,) = slack_sim.files(slack_sim.dm_with(dana(slack_sim)) or "")
    assert chart.filename == "pulse-2026-12.png" and chart.title == message.text.splitlines()[0]
    assert png_size(chart.data or b"") == (1200, 750)
    assert again.deliveries == []  # once a month
    requests = slack_sim.requests()
    assert requests["files.getUploadURLExternal"] == requests["files.completeUploadExternal"] == 1
    assert december.requests == {"dana-slack": 7}  # lookup, open, history, post, 3 for the file


def test_the_pulse_card_carries_the_compact_chart_within_teams_size_limit(
    tmp_path: Path, teams_sim: TeamsWebhookSimulator
) -> None:
    pair = ChannelPair(tmp_path, teams_channel(teams_sim.webhook_url, '["pulse"]'))
    pair.run(NOVEMBER)
    report = pair.run(WEDNESDAY)

    assert [d.message.kind for d in report.deliveries] == ["pulse"]
    (card,) = teams_sim.cards
    (image,) = [element for element in card["body"] if element["type"] == "Image"]
    header, _, data = image["url"].partition(",")
    assert header == "data:image/png;base64"
    assert png_size(base64.b64decode(data)) == (600, 375)
    assert image["altText"].startswith("Partnership pulse: Dana Smith / Lee Park")
    assert len(str(card).encode()) < MAX_BYTES
