"""The `[[targets]]` keys of a Trello board (kept apart from the adapter so that loading a
config never imports py-trello)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from adapters.base import TargetBase


class TrelloTarget(TargetBase):
    type: Literal["trello"]
    board_id: str
    api_key: SecretStr
    token: SecretStr
    base_url: str = "https://api.trello.com/1"
    timeout_seconds: float = 30.0
    """Per request; a slower answer counts as a failed attempt and is retried."""
    retry_seconds: float = 60.0
    """How long one request may keep retrying 429, 5xx and broken connections (at most
    6 attempts) before the target is reported unavailable for this run."""
