"""`pairsync agenda` after real syncs of Markdown, Trello and Asana: the sections of the 1:1
agenda since the last one, and the agenda published on every board, updated in place."""

from __future__ import annotations

import json

from sync.delivery.agenda import agenda_key
from sync.model import Kind
from sync.store.state import State
from tests.cli_run import pairsync
from tests.facilitation_pair import (
    EXECUTIVE,
    STEPS,
    age,
    answer,
    configure,
    writes,
)
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools


def agenda(tools: ThreeTools, *args: str) -> str:
    result = pairsync("agenda", "--config", "pair.toml", "-o", "agenda.md", *args, cwd=tools.folder)
    assert result.returncode == 0, result.stderr
    return (tools.folder / "agenda.md").read_text(encoding="utf-8")


def sections(text: str) -> dict[str, list[str]]:
    """Agenda section title -> its item lines."""
    found: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            lines = found.setdefault(line[3:], [])
        elif line.startswith("- ") and line != "- nothing":
            lines.append(line)
    return found


def test_the_agenda_shows_a_week_of_work_since_the_last_one(tools: ThreeTools) -> None:
    for tool, kind, title in (
        (NOTES, Kind.DECISION, "Approve the offsite budget"),
        (ASANA, Kind.GOAL, "Grow EMEA revenue"),
        (TRELLO, Kind.ACTION, "Book flights"),
        (ASANA, Kind.PROBLEM, "Weekly report arrives late"),
        (TRELLO, Kind.PROBLEM, "Invoices paid late"),
        (NOTES, Kind.ACTION, "Renew the passport"),
    ):
        tools.create(tool, kind, title)
    age(tools, NOTES, "Renew the passport", 20)  # the whole file: the decision too
    tools.sync()
    first = agenda(tools)
    assert "First agenda: everything." in first
    assert len(sections(first)["New since last time"]) == 4  # stale or waiting: below
    assert sections(first)[f"Decisions waiting for {EXECUTIVE}"] == [
        "- decision: Approve the offsite budget — untouched 20 days (last in notes), ball "
        f"with {EXECUTIVE}"
    ]
    every_line = [line for lines in sections(first).values() for line in lines]
    for title in ("Approve the offsite budget", "Renew the passport"):  # each item once
        assert sum(title in line for line in every_line) == 1, first
    ids = tools.ids()

    tools.edit(ASANA, ids["Book flights"], done=True)
    tools.edit(TRELLO, ids["Approve the offsite budget"], notes="two quotes in")
    tools.tick(NOTES, ids["Weekly report arrives late"], 0)
    tools.tick(NOTES, ids["Weekly report arrives late"], 1)
    for index in range(len(STEPS) - 1):
        tools.tick(TRELLO, ids["Invoices paid late"], index)
    done = "Countermeasure: Lee to automate the reminders by 2026-12-15"
    answer(tools, TRELLO, ids["Invoices paid late"], len(STEPS) - 1, done)
    tools.create(ASANA, Kind.ACTION, "Hire an analyst")
    tools.sync()

    second = agenda(tools)

    assert "Changes since " in second and "First agenda" not in second
    assert sections(second) == {
        f"Decisions waiting for {EXECUTIVE}": ["- decision: Approve the offsite budget"],
        "New since last time": [
            "- action: Automate the reminders (due 2026-12-15) [assistant]",
            "- action: Hire an analyst",
        ],
        "Changed since last time": [
            "- problem: Invoices paid late",
            "- problem: Weekly report arrives late",
        ],
        "Stale: keep, park or kill?": [
            "- action: Renew the passport — untouched 20 days (last in notes), ball with "
            "nobody yet (no owner)"
        ],
        "Five Whys in progress": ["- problem: Weekly report arrives late — 2/5 steps"],
        "Root causes agreed": [
            "- problem: Invoices paid late — root cause agreed; countermeasure: Automate the "
            "reminders (due 2026-12-15) [assistant]"
        ],
        "Wins": ["- action: Book flights"],
    }
    print(second)  # the sample agenda in the note (pytest -s)
    since_new_year = sections(agenda(tools, "--since", "2000-01-01"))["New since last time"]
    assert "- goal: Grow EMEA revenue" in since_new_year
    assert sections(agenda(tools))["Wins"] == [], "nothing new since the agenda just written"


def test_published_agenda_is_one_card_per_board_updated_in_place(tools: ThreeTools) -> None:
    configure(tools, agenda={"publish": True})
    tools.create(NOTES, Kind.DECISION, "Approve the offsite budget")
    tools.sync()
    key = agenda_key(tools.config())

    agenda(tools)
    first = published(tools)
    tools.create(TRELLO, Kind.ACTION, "Hire an analyst")
    assert not tools.sync().failed
    text = agenda(tools)

    again = published(tools)
    assert {tool: remote_id for tool, (remote_id, _) in again.items()} == {
        tool: remote_id for tool, (remote_id, _) in first.items()
    }
    for tool, (_, body) in again.items():
        assert "- action: Hire an analyst" in body, tool
        assert body.startswith(text.splitlines()[0]), tool
    assert writes(tools.sync()) == 0
    assert "1:1 agenda" not in {item.title for item in tools.canonical().values()}
    state = State.open(tools.state_path)
    try:
        (*_, (_, remote)) = state.agendas()
    finally:
        state.close()
    assert json.loads(remote) == {NOTES: key, TRELLO: again[TRELLO][0], ASANA: again[ASANA][0]}


def published(tools: ThreeTools) -> dict[str, tuple[str, str]]:
    """The one agenda card in each tool's "1:1" list: (remote id, its text)."""
    trello = tools.trello.cards(tools.board_id, "1:1")
    asana = tools.asana.person.tasks(tools.world.project_gid, "1:1")
    board = tools.board_path.read_text(encoding="utf-8")
    lane = board.split("## 1:1\n", 1)[1].split("\n## ", 1)[0]
    cards = [line for line in lane.splitlines() if line.startswith("- ")]
    assert (len(trello), len(asana), len(cards)) == (1, 1, 1)
    notes = "\n".join(line.removeprefix("\t") for line in lane.splitlines()[2:])
    return {
        TRELLO: (trello[0].id, trello[0].desc),
        ASANA: (asana[0].gid, asana[0].notes),
        NOTES: (cards[0].rsplit("^ps-", 1)[1], notes),
    }
