"""The contract every channel passes (Slack, Teams, and every channel added later), in the
shape of the adapter contract (`tests/contract.py`): each channel's test module
subclasses `ChannelContract` with three small fixtures; tests/test_contracts_meta.py
checks that every registered channel type has one.

The fixtures a subclass gives:

- `make_channel(pair)`: a new channel on the same conversation each call (a new one
  knows nothing, as after a lost state database), posting for `pair`;
- `shown()`: what a person sees in the conversation, one text per message, oldest first;
- `failures`: ways the channel fails (a refused token or URL, an unknown person), each a
  callable returning a channel that meets it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest
from pydantic import SecretStr

from sync.channels.base import Channel, ChannelError, Entry, Message, Section

MakeChannel = Callable[..., Channel]
MESSAGE = Message(
    "decisions",
    "decisions-2026-12-02",
    "Decisions waiting for Dana: 2",
    (Section("Waiting", (Entry("Approve the offsite budget"), Entry("Pick the CFO shortlist"))),),
)
CHANGED = Message(
    "decisions",
    "decisions-2026-12-02",
    "Decisions waiting for Dana: 1",
    (Section("Waiting", (Entry("Pick the CFO shortlist"),)),),
)


class ChannelContract:
    """Tests every channel passes; a subclass supplies the fixtures named above."""

    channel_class: ClassVar[type[Channel]]

    @pytest.fixture
    def make_channel(self) -> MakeChannel:
        raise NotImplementedError

    @pytest.fixture
    def shown(self) -> Callable[[], list[str]]:
        raise NotImplementedError

    @pytest.fixture
    def failures(self) -> dict[str, Callable[[], Channel]]:
        raise NotImplementedError

    def test_the_channel_is_the_declared_class(self, make_channel: MakeChannel) -> None:
        assert type(make_channel()) is self.channel_class

    def test_a_post_is_shown_once_with_its_title_and_entries(
        self, make_channel: MakeChannel, shown: Callable[[], list[str]]
    ) -> None:
        channel = make_channel()
        before = shown()
        remote_id = channel.post(MESSAGE)
        after = shown()
        assert remote_id and len(after) == len(before) + 1
        for text in (MESSAGE.title, "Approve the offsite budget", "Pick the CFO shortlist"):
            assert text in after[-1]
        assert channel.requests > 0

    def test_an_update_replaces_the_message_in_place_or_is_not_offered(
        self, make_channel: MakeChannel, shown: Callable[[], list[str]]
    ) -> None:
        channel = make_channel()
        remote_id = channel.post(MESSAGE)
        count = len(shown())
        if not channel.updates_in_place:  # the notifier posts a follow-up instead
            with pytest.raises(NotImplementedError):
                channel.update(remote_id, CHANGED)
            return
        assert channel.update(remote_id, CHANGED) == remote_id
        after = shown()
        assert len(after) == count and CHANGED.title in after[-1]
        assert "Approve the offsite budget" not in after[-1]

    def test_a_new_channel_finds_an_earlier_post_by_its_marker_and_only_its_own(
        self, make_channel: MakeChannel
    ) -> None:
        remote_id = make_channel().post(MESSAGE)
        if not make_channel().looks_back:  # write-only: it cannot look, so finds nothing
            assert make_channel().find(MESSAGE) is None
            return
        assert make_channel().find(MESSAGE) == remote_id
        assert make_channel(pair="cfo-ea").find(MESSAGE) is None  # another pair's key

    def test_a_refused_post_is_one_line_naming_the_channel_without_secrets(
        self, failures: dict[str, Callable[[], Channel]]
    ) -> None:
        assert failures, "say how this channel fails"
        for what, broken in failures.items():
            channel = broken()
            with pytest.raises(ChannelError) as refused:
                channel.post(MESSAGE)
            line = str(refused.value)
            assert line.startswith(f"channel {channel.name}: ") and "\n" not in line, what
            secrets = [
                value.get_secret_value()
                for value in vars(channel.config).values()
                if isinstance(value, SecretStr)
            ]
            assert not any(secret in line for secret in secrets), what
