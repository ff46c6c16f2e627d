"""The services' limits: the Trello simulator refuses what Trello refuses, and pairsync
keeps every item within it, shortened visibly in Trello and whole everywhere else, with
no loop on the next run."""

from __future__ import annotations

import requests

from adapters.trello.sim.server import TrelloSimulator
from sync.contract import split_footer
from sync.limits import NOTES_MARK, TITLE_MARK
from sync.model import Kind
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools

LIMIT = 16384


def test_the_trello_simulator_refuses_a_card_name_or_description_over_16384(
    trello_sim: TrelloSimulator,
) -> None:
    board_id = trello_sim.create_board("Limits", lists=["Goals"])
    list_id = next(iter(trello_sim.board(board_id).lists))
    auth = {"key": trello_sim.key, "token": trello_sim.token}

    def post(**fields: str) -> requests.Response:
        body = {"idList": list_id, **fields}
        return requests.post(f"{trello_sim.base_url}/cards", params=auth, json=body, timeout=10)

    assert post(name="x" * LIMIT, desc="y" * LIMIT).status_code == 200
    too_long_name, too_long_desc = post(name="x" * (LIMIT + 1)), post(desc="y" * (LIMIT + 1))
    assert (too_long_name.status_code, too_long_desc.status_code) == (400, 400)
    assert too_long_desc.json()["message"] == "invalid value for desc"


def test_a_long_title_and_long_notes_are_shortened_in_trello_only_and_settle(
    tools: ThreeTools,
) -> None:
    tools.write_config()
    title = "Quarterly plan " + "t" * 20_000
    notes = "n" * 16_370  # fits Trello alone, not with the link-back footer
    tools.create(NOTES, Kind.ACTION, title, notes=notes)
    summary = tools.sync()
    assert not summary.failed, summary.to_json()
    item_id = tools.ids()[title]

    card = tools.card_of(item_id)
    assert len(card.name) == LIMIT and card.name.endswith(TITLE_MARK)
    assert len(card.desc) <= LIMIT and split_footer(card.desc) == (
        notes[: len(split_footer(card.desc)[0]) - len(NOTES_MARK)] + NOTES_MARK,
        item_id,
    )
    task = tools.task_of(item_id)
    assert (task.name, split_footer(task.notes)[0]) == (title, notes)  # whole in Asana
    assert tools.canonical()[item_id].title == title
    assert tools.sync().plan.is_empty  # the cut reads back as the whole text: no loop

    tools.edit(TRELLO, item_id, done=True)  # a person ticks the shortened card
    tools.sync()
    board = tools.canonical()[item_id]
    assert (board.done, board.title, board.notes) == (True, title, notes)
    assert tools.task_of(item_id).completed
    assert title in tools.board_path.read_text()
    assert tools.sync().plan.is_empty

    tools.edit(ASANA, item_id, notes="Short now")  # the whole text changes elsewhere
    tools.sync()
    assert split_footer(tools.card_of(item_id).desc)[0] == "Short now"
    assert tools.sync().plan.is_empty
