"""The `[[targets]]` keys of a Trello board (kept apart from the adapter so that loading a
config never imports py-trello)."""

from __future__ import annotations

from typing import Literal

from pydantic import SecretStr

from sync.contract import ServiceTarget


class TrelloTarget(ServiceTarget):
    type: Literal["trello"]
    board_id: str
    api_key: SecretStr
    token: SecretStr
    api_secret: SecretStr | None = None
    """The Trello app's secret: `pairsync serve` checks webhook signatures with it."""
    base_url: str = "https://api.trello.com/1"
