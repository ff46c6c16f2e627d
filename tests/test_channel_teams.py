"""Teams passes the channel contract, on the Workflows webhook simulator."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from adapters.teams.channel import TeamsChannel
from adapters.teams.sim.server import TeamsWebhookSimulator
from sync.channels.base import Channel
from sync.channels.config import TeamsChannelConfig
from tests.channel_contract import ChannelContract, MakeChannel


def teams(url: str, pair: str = "ceo-ea") -> TeamsChannel:
    config = TeamsChannelConfig(name="office-teams", type="teams", webhook_url=url)
    return TeamsChannel(config, pair)


class TestTeamsContract(ChannelContract):
    channel_class = TeamsChannel

    @pytest.fixture
    def make_channel(self, teams_sim: TeamsWebhookSimulator) -> MakeChannel:
        return lambda pair="ceo-ea": teams(teams_sim.webhook_url, pair)

    @pytest.fixture
    def shown(self, teams_sim: TeamsWebhookSimulator) -> Callable[[], list[str]]:
        return lambda: [json.dumps(card, ensure_ascii=False) for card in teams_sim.cards]

    @pytest.fixture
    def failures(self, teams_sim: TeamsWebhookSimulator) -> dict[str, Callable[[], Channel]]:
        refused = teams_sim.webhook_url.replace("/workflows/", "/workflows/0")
        return {"a webhook URL the service refuses": lambda: teams(refused)}
