"""Slack passes the channel contract, on the Slack simulator through slack_sdk."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.slack.channel import SlackChannel
from adapters.slack.sim.server import SlackSimulator
from sync.channels.base import Channel
from sync.channels.config import SlackChannelConfig
from tests.channel_contract import ChannelContract, MakeChannel
from tests.channel_pair import dm


def slack(sim: SlackSimulator, pair: str = "ceo-ea", **keys: str) -> SlackChannel:
    config = {"to": "dana@example.com", "token": sim.token, "base_url": sim.base_url} | keys
    return SlackChannel(SlackChannelConfig(name="dana-slack", type="slack", **config), pair)


class TestSlackContract(ChannelContract):
    channel_class = SlackChannel

    @pytest.fixture
    def make_channel(self, slack_sim: SlackSimulator) -> MakeChannel:
        return lambda pair="ceo-ea": slack(slack_sim, pair)

    @pytest.fixture
    def shown(self, slack_sim: SlackSimulator) -> Callable[[], list[str]]:
        return lambda: [message.text for message in dm(slack_sim)]

    @pytest.fixture
    def failures(self, slack_sim: SlackSimulator) -> dict[str, Callable[[], Channel]]:
        return {
            "a refused token": lambda: slack(slack_sim, token="xoxb-not-the-token"),
            "a person not in the workspace": lambda: slack(slack_sim, to="lee@example.com"),
        }
