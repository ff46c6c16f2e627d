"""Dates in the pair's time zone (`[pair] timezone`), whatever the machine's zone: a
Trello due or an Asana due time is the day it falls on there, and the time a person set
is kept when the day or another field changes. Run also with TZ=Pacific/Kiritimati."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sync.config import load_config
from sync.delivery.agenda import render_agenda
from sync.model import Kind
from tests.cli_run import pairsync
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools

NEW_YORK = "America/New_York"


def in_new_york(tools: ThreeTools) -> ThreeTools:
    tools.write_config(timezone=NEW_YORK)
    return tools


def test_a_trello_due_late_in_new_york_is_that_day_everywhere_and_keeps_its_time(
    tools: ThreeTools,
) -> None:
    in_new_york(tools)
    tools.trello.person.create_card(
        tools.board_id, "Actions", "Send the gifts", due="2026-12-25T00:30:00.000Z"
    )  # 19:30 on 24 December in New York
    assert not tools.sync().failed
    item_id = tools.ids()["Send the gifts"]
    assert f"- [ ] Send the gifts @{{2026-12-24}} ^ps-{item_id}" in tools.board_path.read_text()
    assert tools.task_of(item_id).due_on == "2026-12-24"
    assert tools.card_of(item_id).due == "2026-12-25T00:30:00.000Z"

    tools.edit(NOTES, item_id, title="Send the gifts today")  # another field changes
    tools.sync()
    assert tools.card_of(item_id).due == "2026-12-25T00:30:00.000Z"  # not rounded

    tools.edit(NOTES, item_id, due=date(2026, 12, 26))  # another day, the same 19:30
    tools.sync()
    assert tools.card_of(item_id).due == "2026-12-27T00:30:00.000Z"
    assert tools.task_of(item_id).due_on == "2026-12-26"
    tools.assert_same_board()
    assert tools.sync().plan.is_empty


def test_an_asana_due_time_is_read_in_the_pairs_zone_and_kept_when_the_day_moves(
    tools: ThreeTools,
) -> None:
    in_new_york(tools)
    tools.asana.person.create_task(
        tools.world.project_gid, "Actions", "Call the bank", due_at="2026-03-02T03:00:00.000Z"
    )  # 22:00 on 1 March in New York
    tools.sync()
    item_id = tools.ids()["Call the bank"]
    assert tools.canonical()[item_id].due == date(2026, 3, 1)
    assert "@{2026-03-01}" in tools.board_path.read_text()

    tools.edit(TRELLO, item_id, due=date(2026, 3, 9))  # after the switch to summer time
    tools.sync()
    task = tools.task_of(item_id)
    assert task.due_at == "2026-03-10T02:00:00.000Z"  # still 22:00 in New York
    assert tools.canonical()[item_id].due == date(2026, 3, 9)
    tools.edit(ASANA, item_id, title="Call the bank back")
    tools.sync()
    assert tools.task_of(item_id).due_at == "2026-03-10T02:00:00.000Z"
    tools.assert_same_board()


def test_the_agenda_shows_times_in_the_pairs_zone(tools: ThreeTools) -> None:
    in_new_york(tools)
    tools.create(NOTES, Kind.ACTION, "Book the room")
    tools.sync()
    text = render_agenda(
        tools.config(),
        {},
        datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        datetime(2026, 12, 8, 2, 0, tzinfo=UTC),
    )
    assert "— 2026-12-07" in text and "Changes since 2026-11-30 22:00 EST." in text


def test_init_writes_the_machines_zone_so_the_file_keeps_its_dates(tmp_path: Path) -> None:
    answers = "ceo-ea\nDana\nLee\nn\nn\nn\nboard.md\nn\n"  # no Trello, Asana, Notion, OneNote
    result = pairsync(
        "init", "--output", "p.toml", cwd=tmp_path, env={"TZ": "Asia/Tokyo"}, input=answers
    )
    assert result.returncode == 0, result.stderr
    assert load_config(tmp_path / "p.toml").pair.timezone == "Asia/Tokyo"
