"""The `[[targets]]` keys of a Trello board (kept apart from the adapter so that loading a
config never imports py-trello)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from sync.contract import ServiceTarget


class TrelloTarget(ServiceTarget):
    type: Literal["trello"]
    board_id: str
    api_key: SecretStr
    token: SecretStr
    api_secret: SecretStr | None = None
    """The Trello app's secret: `pairsync serve` checks webhook signatures with it."""
    base_url: str = "https://api.trello.com/1"
    token_limit_per_10s: int = Field(100, gt=0)
    """Trello's published limit per token; requests are paced to it."""
    key_limit_per_10s: int = Field(300, gt=0)
    """Trello's published limit per API key, shared by every pair in the process that
    uses the key."""

    def identity(self) -> tuple[str, str] | None:
        return f"trello:{self.board_id}", f"the Trello board {self.board_id}"
