"""The Slack Web API simulator through slack_sdk (as moto is tested through boto3), plus
raw HTTP for what a client library hides: Bearer auth, tiers and Retry-After, history
pages, Block Kit limits, and answers checked against Slack's own description."""

from __future__ import annotations

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.sim.server import SlackSimulator
from tests.channel_pair import dana


def client(sim: SlackSimulator, token: str | None = None) -> WebClient:
    return WebClient(token=token or sim.token, base_url=sim.base_url, retry_handlers=[])


def test_a_direct_message_round_trip(slack_sim: SlackSimulator) -> None:
    web = client(slack_sim)
    assert web.auth_test()["user_id"] == slack_sim.bot.user.id
    user = web.users_lookupByEmail(email="DANA@example.com")["user"]["id"]
    first = web.conversations_open(users=user)
    again = web.conversations_open(users=user)
    channel = first["channel"]["id"]
    posted = web.chat_postMessage(channel=channel, text="hello")
    web.chat_update(channel=channel, ts=posted["ts"], text="hello again")

    assert channel.startswith("D") and again["channel"]["id"] == channel
    assert (first["already_open"], again["already_open"]) == (False, True)
    (message,) = web.conversations_history(channel=channel)["messages"]
    assert (message["ts"], message["text"]) == (posted["ts"], "hello again")
    assert slack_sim.dm_with(dana(slack_sim)) == channel


def test_history_comes_newest_first_in_pages(slack_sim: SlackSimulator) -> None:
    web = client(slack_sim)
    channel = slack_sim.add_channel()
    for n in range(5):
        web.chat_postMessage(channel=channel, text=f"m{n}")
    first = web.conversations_history(channel=channel, limit=3)
    rest = web.conversations_history(
        channel=channel, limit=3, cursor=first["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"]
    assert (first["has_more"], rest["has_more"]) == (True, False)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda web, sim: web.users_lookupByEmail(email="nobody@example.com"), "users_not_found"),
        (
            lambda web, sim: web.chat_postMessage(channel="C0NOSUCHONE", text="x"),
            "channel_not_found",
        ),
        (
            lambda web, sim: web.chat_postMessage(channel=sim.add_channel(False), text="x"),
            "not_in_channel",
        ),
        (lambda web, sim: client(sim, "xoxb-wrong").auth_test(), "invalid_auth"),
        (
            lambda web, sim: web.chat_postMessage(
                channel=sim.add_channel(), text="x", blocks=[{"type": "divider"}] * 51
            ),
            "invalid_blocks",
        ),
        (
            lambda web, sim: web.chat_postMessage(
                channel=sim.add_channel(),
                text="x",
                blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}],
            ),
            "invalid_blocks",
        ),
    ],
    ids=[
        "users_not_found",
        "channel_not_found",
        "not_in_channel",
        "invalid_auth",
        "51-blocks",
        "3001-characters",
    ],
)
def test_errors_are_ok_false_with_slacks_codes(
    slack_sim: SlackSimulator, call: object, error: str
) -> None:
    with pytest.raises(SlackApiError) as info:
        call(client(slack_sim), slack_sim)  # type: ignore[operator]
    assert info.value.response.status_code == 200
    assert info.value.response["ok"] is False and info.value.response["error"] == error


def test_raw_http_bearer_auth_and_rate_limit_tiers() -> None:
    sim = SlackSimulator().start()  # real time: a tier's minute lasts a minute
    try:
        url = sim.base_url + "auth.test"
        missing = requests.post(url, timeout=10)
        bearer = {"Authorization": f"Bearer {sim.token}"}
        form = {"channel": "C0NOSUCHONE", "ts": "1700000000.000001"}
        answers = [
            requests.post(sim.base_url + "chat.update", headers=bearer, data=form, timeout=10)
            for _ in range(51)
        ]
        other_tier = requests.post(url, headers=bearer, timeout=10)
    finally:
        sim.stop()

    assert missing.json() == {"ok": False, "error": "not_authed"}
    assert [a.json()["error"] for a in answers[:50]] == ["channel_not_found"] * 50
    assert answers[50].status_code == 429
    assert answers[50].json() == {"ok": False, "error": "ratelimited"}
    assert 1 <= int(answers[50].headers["Retry-After"]) <= 60
    assert other_tier.json()["ok"] is True  # tiers are counted per method
    assert sim.violations == []


def test_an_answer_that_breaks_the_description_is_caught(slack_sim: SlackSimulator) -> None:
    person = dana(slack_sim)
    person.id = "not-a-user-id"  # Slack user ids match ^[UW][A-Z0-9]{2,}$
    client(slack_sim).users_lookupByEmail(email="dana@example.com")
    assert len(slack_sim.violations) == 1
    assert slack_sim.violations[0].startswith("response POST /api/users.lookupByEmail")
    slack_sim.violations.clear()
