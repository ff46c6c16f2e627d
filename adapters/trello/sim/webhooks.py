"""The simulated Trello's webhooks: made with `POST /webhooks` after a HEAD check of the
callback URL (it must answer 200, else 400, as Trello answers), listed per token,
deleted; each new action on the watched board is POSTed to the callback as
`{"action", "model", "webhook"}`, signed in `X-Trello-Webhook` with the base64
HMAC-SHA1 of body + callback URL, keyed with the app secret of the token's key.

Limitations: only boards can be watched; a webhook is never deactivated after failures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from typing import Any

from adapters.simhooks import Deliverer, Outgoing
from adapters.trello.sim.entities import TrelloError, new_id
from adapters.trello.sim.models import TrelloBackend


@dataclass
class Webhook:
    id: str
    token: str
    secret: str
    id_model: str
    callback_url: str
    description: str
    cursor: int
    """How many of the board's actions were already delivered."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "idModel": self.id_model,
            "callbackURL": self.callback_url,
            "active": True,
            "consecutiveFailures": 0,
            "firstConsecutiveFailDate": None,
        }


class TrelloWebhooks:
    def __init__(self, backend: TrelloBackend, lock: threading.RLock) -> None:
        self.backend = backend
        self.lock = lock
        self.app_secrets: dict[str, str] = {}
        """API key -> the app's secret (what `api_secret` holds in a pair's config)."""
        self.hooks: dict[str, Webhook] = {}
        self.deliverer = Deliverer(self._due)

    def create(self, key: str, token: str, params: dict[str, Any]) -> Webhook:
        url, model = str(params.get("callbackURL") or ""), str(params.get("idModel") or "")
        member = self.backend.tokens[token]
        board = self.backend.board(member, model)
        for hook in self.hooks.values():
            if hook.token == token and hook.id_model == model and hook.callback_url == url:
                raise TrelloError(400, "A webhook with that callback, model, and token exists")
        answer = self.deliverer.check("HEAD", url)
        if answer is None or answer.status_code != 200:
            got = "no answer" if answer is None else f"got {answer.status_code}"
            raise TrelloError(400, f"URL ({url}) did not return 200 status code, {got}")
        hook = Webhook(
            new_id(self.backend.now()),
            token,
            self.app_secrets[key],
            board.id,
            url,
            str(params.get("description") or ""),
            len(board.actions),
        )
        self.hooks[hook.id] = hook
        return hook

    def of_token(self, token: str) -> list[Webhook]:
        return [h for h in self.hooks.values() if h.token == token]

    def delete(self, token: str, hook_id: str) -> None:
        hook = self.hooks.get(hook_id)
        if hook is None or hook.token != token:
            raise TrelloError(404, "webhook not found")
        del self.hooks[hook_id]

    def _due(self) -> list[Outgoing]:
        out = []
        with self.lock:
            for hook in list(self.hooks.values()):
                board = self.backend.boards.get(hook.id_model)
                if board is None:
                    continue
                for action in board.actions[hook.cursor :]:
                    body = json.dumps(
                        {
                            "action": action.to_json(),
                            "model": board.ref(),
                            "webhook": hook.to_json(),
                        }
                    ).encode()
                    digest = hmac.new(
                        hook.secret.encode(), body + hook.callback_url.encode(), hashlib.sha1
                    ).digest()
                    headers = {
                        "Content-Type": "application/json",
                        "X-Trello-Webhook": base64.b64encode(digest).decode(),
                    }
                    out.append(Outgoing(hook.callback_url, headers, body))
                hook.cursor = len(board.actions)
        return out
