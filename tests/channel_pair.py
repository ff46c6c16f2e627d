"""A pair with one Markdown board and channels on the Slack and Teams simulators, driven
in-process with a simulated clock (`now` is always given; the real date never matters).

Fixtures: `slack_sim` (a workspace with Dana, dana@example.com), `teams_sim`; each fails
the test at teardown if a request or answer broke the spec or a card was refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.sim.models import Message as SlackMessage
from adapters.slack.sim.models import User
from adapters.slack.sim.server import SlackSimulator
from adapters.teams.sim.server import TeamsWebhookSimulator
from sync.config import PairConfig, load_config
from sync.delivery.notify import NotifyReport, notify
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State

WEDNESDAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
"""10:00 in New York on the Wednesday before the Thursday 10:00 1:1 (lead 24 h: not yet)."""
BOARD = """## Goals

- [ ] Grow EMEA revenue

## Decisions

{decisions}

## Problems

## Actions

- [ ] Book flights #owner/assistant
"""


@pytest.fixture
def slack_sim() -> Iterator[SlackSimulator]:
    sim = SlackSimulator(speed=60).start()
    sim.add_user("dana", "dana@example.com")
    yield sim
    sim.stop()
    assert sim.violations == [], "requests or answers broke Slack's Web API description"


@pytest.fixture
def teams_sim() -> Iterator[TeamsWebhookSimulator]:
    sim = TeamsWebhookSimulator().start()
    yield sim
    sim.stop()
    assert sim.app.rejected == [], "the webhook refused a card"


class ChannelPair:
    """`pair.toml` + `board.md` in `folder`; `sync(now)` and `notify(now)` as cron would."""

    def __init__(
        self,
        folder: Path,
        channels: str,
        decisions: tuple[str, ...] = ("Approve the offsite budget @{2026-12-10}",),
        saved: datetime = WEDNESDAY,
        meeting: str = "thursday 10:00",
        targets: str = "",
        name: str = "ceo-ea",
    ) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)
        self.board = folder / "board.md"
        lines = "\n".join(f"- [ ] {d}" for d in decisions)
        self.board.write_text(BOARD.format(decisions=lines), encoding="utf-8")
        self._saved(saved)
        (folder / "pair.toml").write_text(
            f"""[pair]
name = "{name}"
executive = "Dana Smith"
assistant = "Lee Park"
timezone = "America/New_York"

[state]
path = "state/ceo-ea.sqlite"

[agenda]
meeting = "{meeting}"
lead_hours = 24

[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
{targets}{channels}""",
            encoding="utf-8",
        )

    @property
    def config(self) -> PairConfig:
        return load_config(self.folder / "pair.toml")

    def add_decision(self, title: str, now: datetime) -> None:
        """A person adds a decision to the board file and saves it at `now`."""
        text = self.board.read_text(encoding="utf-8")
        self.board.write_text(
            text.replace("## Decisions\n", f"## Decisions\n\n- [ ] {title}\n", 1), encoding="utf-8"
        )
        self._saved(now)

    def _saved(self, now: datetime) -> None:
        """The file's mtime is the Markdown tool's clock (stale ages come from it)."""
        os.utime(self.board, (now.timestamp(), now.timestamp()))

    def sync(self, now: datetime) -> RunSummary:
        state = State.open(self.config.state_path)
        try:
            return sync_pair(self.config, state, now=now)
        finally:
            state.close()

    def notify(self, now: datetime, **options: Any) -> NotifyReport:
        state = State.open(self.config.state_path)
        try:
            return notify(self.config, state, now, **options)
        finally:
            state.close()

    def run(self, now: datetime) -> NotifyReport:
        """What `pairsync sync` does at `now`: sync the board, then notify."""
        self.sync(now)
        return self.notify(now)


def slack_channel(sim: SlackSimulator, to: str = "dana@example.com", **keys: str) -> str:
    extra = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    return f"""
[[channels]]
name = "dana-slack"
type = "slack"
token = "{sim.token}"
to = "{to}"
base_url = "{sim.base_url}"
{extra}"""


def dana(sim: SlackSimulator) -> User:
    return next(u for u in sim.backend.users.values() if u.email == "dana@example.com")


def dm(sim: SlackSimulator) -> list[SlackMessage]:
    """The messages in Dana's direct-message conversation with the bot, oldest first."""
    channel = sim.dm_with(dana(sim))
    return sim.messages(channel) if channel else []


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
