"""The one registry of channel types: for each `type = "..."` of a `[[channels]]` table,
its channel class, its config model and its simulator, as import paths (as
`adapters.TARGET_TYPES` is for targets). Imports are lazy, so a pair without Slack never
imports slack_sdk, and the core knows channels only through `sync.channels.base`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sync.lazy import load_object

if TYPE_CHECKING:
    from sync.channels.base import Channel


@dataclass(frozen=True, slots=True)
class ChannelType:
    channel: str
    config: str
    simulator: str


CHANNEL_TYPES: dict[str, ChannelType] = {
    "slack": ChannelType(
        "adapters.slack.channel:SlackChannel",
        "sync.channels.config:SlackChannelConfig",
        "adapters.slack.sim.server:SlackSimulator",
    ),
    "teams": ChannelType(
        "adapters.teams.channel:TeamsChannel",
        "sync.channels.config:TeamsChannelConfig",
        "adapters.teams.sim.server:TeamsWebhookSimulator",
    ),
}


def load_channel_class(type_name: str) -> type[Channel]:
    cls: type[Channel] = load_object(CHANNEL_TYPES[type_name].channel, f"a {type_name} channel")
    return cls


def channel_config_models() -> list[type[Any]]:
    return [load_object(t.config) for t in CHANNEL_TYPES.values()]


def channel_simulator_class(type_name: str) -> Any:
    """The simulator of a channel type (`pairsync simulate slack`, the demo, tests)."""
    return load_object(CHANNEL_TYPES[type_name].simulator, f"the {type_name} simulator")
