"""The pair's Slack direct messages, through slack_sdk against the Slack simulator, on a
simulated clock: the agenda once per meeting and then updated in place, the decisions
digest at most daily, health incidents once and resolved once, never a second copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from adapters.slack.sim.models import Message as SlackMessage
from adapters.slack.sim.server import SlackSimulator
from tests.channel_pair import WEDNESDAY, ChannelPair, dm, hours, slack_channel


def agenda_pair(tmp_path: Path, sim: SlackSimulator) -> ChannelPair:
    return ChannelPair(tmp_path, slack_channel(sim) + 'send = ["agenda"]\n')


def test_the_agenda_goes_out_once_lead_hours_before_the_meeting(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    pair = agenda_pair(tmp_path, slack_sim)
    before = pair.run(WEDNESDAY - hours(1))  # 25 hours before Thursday 10:00 New York
    assert before.deliveries == [] and dm(slack_sim) == []

    first = pair.run(WEDNESDAY)
    again = pair.run(WEDNESDAY + hours(2))

    assert [d.verb for d in first.deliveries] == ["posted"]
    (message,) = dm(slack_sim)
    assert message.text.startswith(
        "1:1 agenda: Dana Smith / Lee Park, Thursday 3 December, 10:00 (America/New_York)"
    )
    assert "decision: Approve the offsite budget (due 2026-12-10)" in message.text
    assert again.deliveries == [] and again.requests == {}  # not even a connection
    assert slack_sim.requests() == {
        "users.lookupByEmail": 1,
        "conversations.open": 1,
        "conversations.history": 1,
        "chat.postMessage": 1,
    }


def test_a_board_edit_updates_the_agenda_in_place(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    pair = agenda_pair(tmp_path, slack_sim)
    pair.run(WEDNESDAY)
    (posted,) = dm(slack_sim)
    pair.add_decision("Pick the CRM", WEDNESDAY + hours(3))

    report = pair.run(WEDNESDAY + hours(3))

    assert [d.verb for d in report.deliveries] == ["updated"]
    assert report.requests == {"dana-slack": 1}
    (message,) = dm(slack_sim)
    assert message.ts == posted.ts and message.edited
    assert "decision: Pick the CRM" in message.text
    assert slack_sim.requests()["chat.update"] == 1
    after_meeting = pair.run(WEDNESDAY + hours(25))  # the meeting has started
    assert after_meeting.deliveries == [] and len(dm(slack_sim)) == 1


def test_a_lost_state_finds_the_agenda_instead_of_posting_it_again(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    pair = agenda_pair(tmp_path, slack_sim)
    pair.run(WEDNESDAY)
    shutil.rmtree(tmp_path / "state")

    report = pair.run(WEDNESDAY + hours(1))

    assert [d.verb for d in report.deliveries] == ["found and updated"]
    assert len(dm(slack_sim)) == 1
    assert pair.run(WEDNESDAY + hours(2)).deliveries == []


def test_two_pairs_in_one_channel_never_take_each_others_agenda(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    room = slack_sim.add_channel()
    channel = slack_channel(slack_sim, to=room) + 'send = ["agenda"]\n'
    pairs = [ChannelPair(tmp_path / n, channel, name=n) for n in ("ceo-ea", "cfo-ea")]
    for pair in pairs:
        pair.run(WEDNESDAY)
    shutil.rmtree(tmp_path / "ceo-ea" / "state")  # the first to post loses its state

    rerun = pairs[0].run(WEDNESDAY + hours(1))

    assert [d.verb for d in rerun.deliveries] == ["found and updated"]
    ceo, cfo = slack_sim.messages(room)
    assert ceo.edited and not cfo.edited  # the newer cfo-ea agenda was left alone


def test_stale_items_and_waiting_decisions_carry_the_serve_buttons(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    channel = slack_channel(slack_sim, signing_secret=SIGNING_SECRET) + 'send = ["agenda"]\n'
    pair = ChannelPair(tmp_path, channel, saved=WEDNESDAY - hours(24 * 20))
    pair.run(WEDNESDAY)  # the board was last touched 20 days ago

    (message,) = dm(slack_sim)
    buttons = buttons_of(message)
    item_ids = {value.split(":", 1)[1] for _, value in buttons}
    assert {a for a, _ in buttons} == {
        "stale_keep",
        "stale_park",
        "stale_kill",
        "decision_decided",
        "decision_discuss",
    }
    assert all(value.startswith("ceo-ea:") for _, value in buttons)
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in item_ids)
    assert "untouched 20 days" in message.text


def test_the_decisions_digest_goes_out_only_when_something_waits_and_at_most_daily(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    channel = slack_channel(slack_sim) + 'send = ["decisions"]\n'
    pair = ChannelPair(tmp_path, channel, decisions=())
    assert pair.run(WEDNESDAY).deliveries == []  # nothing waits

    pair.add_decision("Pick the CRM", WEDNESDAY)
    first = pair.run(WEDNESDAY + hours(1))
    pair.add_decision("Approve the offsite budget", WEDNESDAY + hours(2))
    same_day = pair.run(WEDNESDAY + hours(2))
    next_day_unchanged = pair.run(WEDNESDAY + hours(24))
    pair.add_decision("Hire an analyst", WEDNESDAY + hours(72))
    three_days_later = pair.run(WEDNESDAY + hours(72))

    assert [d.verb for d in first.deliveries] == ["posted"]
    assert [d.verb for d in same_day.deliveries] == ["updated"]  # today's, in place
    assert next_day_unchanged.deliveries == []
    assert [d.verb for d in three_days_later.deliveries] == ["posted"]
    texts = [m.text for m in dm(slack_sim)]
    assert len(texts) == 2
    assert texts[1].splitlines() == [
        "3 decisions waiting for Dana Smith",
        "",
        "Oldest first:",
        "  - Pick the CRM, no due date, raised in notes — waiting 2 days",
        "  - Approve the offsite budget, no due date, raised in notes — waiting 2 days",
        "  - Hire an analyst, no due date, raised in notes — waiting since today",
    ]


@pytest.mark.parametrize(
    ("to", "line"),
    [
        ("nobody@example.com", "no Slack user has the e-mail {to} (users_not_found); check to"),
        ("C0NOSUCHCHAN", "Slack has no channel {to} the bot can see (channel_not_found); check to"),
        ("outside", "the bot is not in channel {to} (not_in_channel); /invite the bot there"),
        ("bad token", "Slack refused the bot token (invalid_auth); check token"),
    ],
    ids=["users_not_found", "channel_not_found", "not_in_channel", "invalid_auth"],
)
def test_every_slack_error_is_one_line_naming_the_channel(
    tmp_path: Path, slack_sim: SlackSimulator, to: str, line: str
) -> None:
    if to == "outside":
        to = slack_sim.add_channel(with_bot=False)
    channel = slack_channel(slack_sim, to="dana@example.com" if to == "bad token" else to)
    if to == "bad token":
        channel = channel.replace(slack_sim.token, "xoxb-not-the-token")
    pair = ChannelPair(tmp_path, channel + 'send = ["decisions"]\n')

    first, again = pair.run(WEDNESDAY), pair.run(WEDNESDAY + hours(1))

    assert first.errors == again.errors == [f"channel dana-slack: {line.format(to=to)}"]
    assert first.deliveries == [] and pair.sync(WEDNESDAY).targets["notes"].errors == []


def test_a_token_without_history_scopes_still_posts_and_says_what_it_cannot_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sim = SlackSimulator(scopes=frozenset({"chat:write", "users:read.email", "im:write"}))
    sim.start()
    try:
        sim.add_user("dana", "dana@example.com")
        pair = ChannelPair(tmp_path, slack_channel(sim) + 'send = ["agenda"]\n')
        report = pair.run(WEDNESDAY)
        rerun = pair.run(WEDNESDAY + hours(1))
    finally:
        sim.stop()
    assert [d.verb for d in report.deliveries] == ["posted"] and rerun.deliveries == []
    assert len(dm(sim)) == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "channel dana-slack: the bot token may not read the conversation's history "
        "(missing_scope: add im:history or channels:history)"
    )
    assert sim.violations == []


SIGNING_SECRET = "8f14e45fceea167a5a36dedd4bea2543"


def buttons_of(message: SlackMessage) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_no_buttons_go_out_where_serve_could_not_check_a_click(
    tmp_path: Path, slack_sim: SlackSimulator
) -> None:
    """W3: without `signing_secret` every click would be refused; the same lines go out
    without buttons (`check` and `webhooks register` say why: tests/test_qa_leftovers.py)."""
    channel = slack_channel(slack_sim) + 'send = ["agenda"]\n'
    pair = ChannelPair(tmp_path, channel, saved=WEDNESDAY - hours(24 * 20))
    pair.run(WEDNESDAY)

    (message,) = dm(slack_sim)
    assert buttons_of(message) == []
    assert "untouched 20 days" in message.text
