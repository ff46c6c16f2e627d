"""The `[[channels]]` entries of a pair's config (validated by `sync.config`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from sync.channels.base import BUTTON_KINDS, MESSAGE_KINDS, MessageKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{8,}$")


NO_SIGNING_SECRET = (
    "Slack buttons without signing_secret: pairsync serve could not check a click, so "
    "every one would be refused; set signing_secret (the Slack app's Signing Secret), or "
    "buttons = false"
)


class ChannelConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    type: str
    send: list[MessageKind] = Field(default_factory=lambda: list(MESSAGE_KINDS), min_length=1)

    def unverifiable_buttons(self) -> str | None:
        """Why `check` and `webhooks register` refuse this channel (exit 2), or None."""
        return None

    @field_validator("send")
    @classmethod
    def _once_each(cls, send: list[MessageKind]) -> list[MessageKind]:
        if len(set(send)) != len(send):
            raise ValueError("each message kind may be listed once")
        return send


class SlackChannelConfig(ChannelConfig):
    type: Literal["slack"]
    token: SecretStr
    """A bot token with chat:write, users:read.email, im:write (and channels:history or
    im:history, so that a message posted before a lost state is found again)."""
    to: str
    base_url: str = "https://slack.com/api/"
    signing_secret: SecretStr | None = None
    """Verifies button clicks in `pairsync serve`; not used for sending."""
    buttons: bool = True
    """Agendas and decisions carry Keep / Park / Kill, Decided / Discuss … buttons, which
    `pairsync serve` takes with `signing_secret`; false: the same lines without them."""

    @property
    def clickable(self) -> bool:
        """Buttons go out: asked for, and serve can check a click (none that would always
        be refused)."""
        return self.buttons and self.signing_secret is not None

    def unverifiable_buttons(self) -> str | None:
        if self.clickable or not self.buttons or not BUTTON_KINDS & set(self.send):
            return None
        return NO_SIGNING_SECRET

    @field_validator("to")
    @classmethod
    def _person_or_channel(cls, to: str) -> str:
        if not (_EMAIL.match(to) or _CHANNEL_ID.match(to)):
            raise ValueError("expected a person's e-mail address or a channel id (C…, G…, D…)")
        return to


class TeamsChannelConfig(ChannelConfig):
    type: Literal["teams"]
    webhook_url: SecretStr
    """A Teams Workflows "post to a channel when a webhook request is received" URL."""

    @field_validator("webhook_url")
    @classmethod
    def _is_url(cls, url: SecretStr) -> SecretStr:
        if not url.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("expected an https:// URL")
        return url


CHANNEL_SECRET_KEYS = frozenset({"token", "webhook_url", "signing_secret"})
