"""Run the simulated Trello on loopback (moto's ThreadedMotoServer) and act in it as a
person would, for tests and the demo.

    sim = TrelloSimulator(speed=100).start()     # sim.base_url == "http://127.0.0.1:PORT/1"
    board_id = sim.create_board("Team board")
    sim.person.create_card(board_id, "Actions", "Call the bank")

`speed` compresses the clock: at 100, Trello's 10-second rate-limit window lasts 0.1 s.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.simkit import Simulator, iso
from adapters.trello.sim.entities import Board, Card, Member
from adapters.trello.sim.responses import TrelloApp


class TrelloSimulator(Simulator):
    """One simulated Trello with one account (`key`, `token`) ready to use."""

    api_prefix = "/1"
    app: TrelloApp

    def __init__(
        self,
        *,
        speed: float = 1.0,
        port: int = 0,
        key: str | None = None,
        token: str | None = None,
        api_secret: str | None = None,
    ) -> None:
        super().__init__(TrelloApp(speed=speed), port=port)
        self.backend = self.app.backend
        self.key = key or secrets.token_hex(16)
        self.token = token or secrets.token_hex(32)
        self.api_secret = api_secret or secrets.token_hex(32)
        """The app's secret: webhooks are signed with it."""
        self.app.hooks.app_secrets[self.key] = self.api_secret
        self.member = self.backend.add_member(self.key, self.token, "assistant", "Lee Park")
        self.person = Person(self, self.member)

    def request_count(self) -> int:
        return self.app.stats.total

    def config_keys(self) -> dict[str, str]:
        """The `[[targets]]` keys of a new board on this simulator (`pairsync simulate`)."""
        board_id = self.create_board("pairsync board")
        return {
            "base_url": self.base_url,
            "board_id": board_id,
            "api_key": self.key,
            "token": self.token,
            "api_secret": self.api_secret,
        }

    def spend_rate_limit(self, requests: int) -> None:
        """Count requests against the token's window, as other clients of the token would."""
        for _ in range(requests):
            self.app.limiter.admit(self.token)

    def add_token(self, username: str, key: str | None = None) -> str:
        """Another member's token: by default for the simulator's API key (another pair's
        assistant through the same app), whose requests count against the key's limit too;
        or for an API key of their own."""
        token = secrets.token_hex(32)
        with self.app.lock:
            self.backend.add_member(key or self.key, token, username)
        return token

    def pacing(self) -> dict[str, float]:
        """The target keys that pace a client to this simulator's limits on its clock."""
        return {
            "token_limit_per_10s": self.app.limiter.limit,
            "key_limit_per_10s": self.app.key_limiter.limit,
            "clock_speed": self.app.clock.speed,
        }

    def create_board(
        self, name: str = "Board", lists: tuple[str, ...] = (), token: str | None = None
    ) -> str:
        """A board of the simulator's member, or of the member of `token`."""
        with self.app.lock:
            member = self.backend.tokens[token] if token else self.member
            board = self.backend.create_board(member, name)
            for list_name in lists:
                self.backend.create_list(member, board.id, list_name, "bottom")
            return board.id

    def board(self, board_id: str) -> Board:
        return self.backend.boards[board_id]

    def cards(self, board_id: str, list_name: str | None = None) -> list[Card]:
        """Cards of a board (of one list if named), archived ones included."""
        board = self.board(board_id)
        names = {t.id: t.name for t in board.lists.values()}
        return [
            c for c in board.cards.values() if list_name is None or names[c.idList] == list_name
        ]


class Person:
    """Someone working in Trello's UI: direct backend calls, each recorded as an action."""

    def __init__(self, sim: TrelloSimulator, member: Member) -> None:
        self.sim = sim
        self.backend = sim.backend
        self.member = member

    def _list_id(self, board_id: str, list_name: str) -> str:
        board = self.backend.boards[board_id]
        found = [t.id for t in board.lists.values() if t.name == list_name and not t.closed]
        return found[0] if found else self.backend.create_list(self.member, board_id, list_name).id

    def _label_ids(self, board_id: str, names: list[str]) -> list[str]:
        board = self.backend.boards[board_id]
        by_name = {x.name: x.id for x in board.labels.values()}
        return [
            by_name.get(n) or self.backend.create_label(self.member, board_id, n, "sky").id
            for n in names
        ]

    def create_card(
        self,
        board_id: str,
        list_name: str,
        name: str,
        *,
        desc: str = "",
        labels: list[str] | None = None,
        **fields: Any,
    ) -> str:
        with self.sim.app.lock:
            if labels is not None:
                fields["idLabels"] = self._label_ids(board_id, labels)
            return self.backend.create_card(
                self.member, self._list_id(board_id, list_name), name=name, desc=desc, **fields
            ).id

    def edit_card(self, card_id: str, *, labels: list[str] | None = None, **fields: Any) -> None:
        """Change card fields (`name`, `desc`, `due`, `dueComplete`, `closed`, ...)."""
        with self.sim.app.lock:
            if labels is not None:
                fields["idLabels"] = self._label_ids(
                    self.backend.card(self.member, card_id)[0].id, labels
                )
            self.backend.update_card(self.member, card_id, **fields)

    def move_card(self, card_id: str, list_name: str) -> None:
        with self.sim.app.lock:
            board, _ = self.backend.card(self.member, card_id)
            self.backend.update_card(
                self.member, card_id, idList=self._list_id(board.id, list_name)
            )

    def archive_card(self, card_id: str, archived: bool = True) -> None:
        self.edit_card(card_id, closed=archived)

    def delete_card(self, card_id: str) -> None:
        with self.sim.app.lock:
            self.backend.delete_card(self.member, card_id)

    def tick(self, card_id: str, item_name: str, done: bool = True) -> None:
        """Tick (or untick) the check item of that name on the card."""
        with self.sim.app.lock:
            board, card = self.backend.card(self.member, card_id)
            item = next(
                i
                for c in card.idChecklists
                for i in board.checklists[c].items
                if i.name == item_name
            )
            self.backend.update_check_item(
                self.member, card_id, item.id, state="complete" if done else "incomplete"
            )

    def add_check_item(self, card_id: str, name: str, checklist: str = "Five Whys") -> None:
        """Add a check item at the bottom of the card's checklist of that name."""
        with self.sim.app.lock:
            board, card = self.backend.card(self.member, card_id)
            found = next(c for c in card.idChecklists if board.checklists[c].name == checklist)
            self.backend.create_check_item(self.member, found, name, pos="bottom")

    def delete_checklist(self, card_id: str, name: str = "Five Whys") -> None:
        with self.sim.app.lock:
            board, card = self.backend.card(self.member, card_id)
            checklist = next(
                board.checklists[c] for c in card.idChecklists if board.checklists[c].name == name
            )
            self.backend.delete_checklist(self.member, checklist.id)

    def age_card(self, card_id: str, days: float) -> None:
        """Set the card's `dateLastActivity` `days` into the past, as if untouched since."""
        with self.sim.app.lock:
            _, card = self.backend.card(self.member, card_id)
            when = datetime.fromtimestamp(self.sim.app.clock.now(), UTC) - timedelta(days=days)
            card.dateLastActivity = iso(when.timestamp())
