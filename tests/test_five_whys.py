"""The Five Whys on problem items, through the engine and the simulators over HTTP, with a
Markdown board, a Trello board and an Asana project in one pair: added once with the
configured step names, ticks and answers mirrored, deletions respected, and the agreed
countermeasure turned into one action item."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sync.model import Item, Kind, Owner, Step, item_to_dict
from sync.plan.facilitation import five_whys_progress
from sync.run.summary import summary_lines
from sync.store.sqlite.schema import MIGRATIONS
from sync.store.state import State
from tests.facilitation_pair import (
    STEPS,
    answer,
    configure,
    delete_steps,
    everywhere,
    records,
    writes,
)
from tests.three_tools import ASANA, NOTES, TOOLS, TRELLO, ThreeTools

PROBLEMS = {NOTES: "Reports arrive late", TRELLO: "Invoices paid late", ASANA: "Hiring stalls"}
FRESH = tuple(Step(text) for text in STEPS)


def problems_made_in_each_tool(tools: ThreeTools) -> dict[str, str]:
    """A person makes a problem in each tool; a first sync. Returns item id by tool."""
    for tool, title in PROBLEMS.items():
        tools.create(tool, Kind.PROBLEM, title)
    assert not tools.sync().failed
    ids = tools.ids()
    return {tool: ids[title] for tool, title in PROBLEMS.items()}


def trello_checklists(tools: ThreeTools, item_id: str) -> list[str]:
    board = tools.trello.board(tools.board_id)
    return [board.checklists[c].name for c in tools.card_of(item_id).idChecklists]


def test_every_problem_gets_the_configured_steps_once_in_every_tool(tools: ThreeTools) -> None:
    tools.create(NOTES, Kind.ACTION, "Book flights")
    problems = problems_made_in_each_tool(tools)

    for item_id in problems.values():
        assert {t: i.steps for t, i in everywhere(tools, item_id).items()} == dict.fromkeys(
            TOOLS, FRESH
        )
        assert trello_checklists(tools, item_id) == ["Five Whys"]
        assert [s.name for s in tools.task_of(item_id).subtasks] == list(STEPS)
    action = tools.ids()["Book flights"]
    assert all(not item.steps for item in everywhere(tools, action).values())
    assert "\t- [ ] Why 1?\n" in tools.board_path.read_text()

    again = tools.sync()
    assert (writes(again), again.facilitation) == (0, [])
    assert all(trello_checklists(tools, i) == ["Five Whys"] for i in problems.values())


def test_a_tick_or_an_answer_written_in_any_tool_reaches_the_others(tools: ThreeTools) -> None:
    tools.create(TRELLO, Kind.PROBLEM, "Weekly report arrives late")
    tools.sync()
    problem = tools.ids()["Weekly report arrives late"]

    tools.tick(TRELLO, problem, 0)
    answer(tools, ASANA, problem, 1, "Why 1? the weekly report arrives late")
    answer(tools, NOTES, problem, 2, "Why 2? the export is run by hand")
    summary = tools.sync()

    expected = (
        Step(STEPS[0], True),
        Step("Why 1? the weekly report arrives late", True),
        Step("Why 2? the export is run by hand", True),
        *FRESH[3:],
    )
    assert {t: i.steps for t, i in everywhere(tools, problem).items()} == dict.fromkeys(
        TOOLS, expected
    )
    assert summary.conflicts == []
    assert writes(tools.sync()) == 0


def test_five_whys_a_person_deleted_stay_deleted(tools: ThreeTools) -> None:
    problems = problems_made_in_each_tool(tools)
    for tool, item_id in problems.items():
        delete_steps(tools, tool, item_id)

    tools.sync()

    for item_id in problems.values():
        assert all(not item.steps for item in everywhere(tools, item_id).values())
        assert trello_checklists(tools, item_id) == []
        assert tools.task_of(item_id).subtasks == []
    for _ in range(2):
        rerun = tools.sync()
        assert (writes(rerun), rerun.facilitation) == (0, [])


def test_a_ticked_countermeasure_becomes_one_action_item_in_every_tool(
    tools: ThreeTools,
) -> None:
    tools.create(ASANA, Kind.PROBLEM, "Weekly report arrives late")
    tools.sync()
    problem = tools.ids()["Weekly report arrives late"]
    for index in range(len(STEPS) - 1):
        tools.tick(TRELLO, problem, index)
    text = "Countermeasure: assistant to automate the export by 2026-12-15"
    answer(tools, TRELLO, problem, len(STEPS) - 1, text)

    summary = tools.sync()

    [action] = [i for i, item in tools.canonical().items() if item.kind is Kind.ACTION]
    expected = Item(
        Kind.ACTION,
        "Automate the export",
        notes="Countermeasure for: Weekly report arrives late",
        due=date(2026, 12, 15),
        owner=Owner.ASSISTANT,
    )
    assert everywhere(tools, action) == dict.fromkeys(TOOLS, expected)
    assert "made the action item 'Automate the export' (Countermeasure for: Weekly report " in (
        "\n".join(summary_lines(summary))
    )
    state = records(tools)
    assert state[problem].countermeasure_id == action
    assert five_whys_progress(state[problem].item) == "root cause agreed"

    tools.tick(NOTES, problem, len(STEPS) - 1, done=False)
    tools.sync()
    tools.tick(ASANA, problem, len(STEPS) - 1)
    tools.delete(ASANA, action)
    tools.sync()
    assert writes(tools.sync()) == 0
    board = tools.canonical()
    assert [i for i, item in board.items() if item.kind is Kind.ACTION] == [action]
    assert board[action].archived, "deleting the action in Asana archives it; never made again"

    tools.state_path.unlink()  # lost state: rebuilt from the footers, the action found again
    assert tools.sync().facilitation == []
    assert records(tools)[problem].countermeasure_id == action
    tools.assert_no_duplicates()


def test_requests_per_problem_card(tools: ThreeTools) -> None:
    """The numbers for the issue's note (pytest -s prints them): on Trello the Five Whys cost
    no request of their own on a card pairsync creates, and one on a person's card; on
    Asana one per step (a subtask each)."""
    configure(tools, steps=None)  # the default eight steps
    tools.create(NOTES, Kind.PROBLEM, "The first problem makes the Trello template")
    tools.sync()

    def made_in_markdown() -> None:
        for i in range(5):
            tools.create(NOTES, Kind.PROBLEM, f"Markdown problem {i}")

    def made_in_trello_and_asana() -> None:
        for i in range(5):
            tools.create(TRELLO, Kind.PROBLEM, f"Trello problem {i}")
            tools.create(ASANA, Kind.PROBLEM, f"Asana problem {i}")

    elsewhere = spent(tools, made_in_markdown)
    by_people = spent(tools, made_in_trello_and_asana)

    assert writes_of(elsewhere[TRELLO]) == {"POST /1/cards": 5}
    assert writes_of(elsewhere[ASANA]) == {
        "POST /api/1.0/tasks": 5,
        # a person types new lines at the top of the heading: each is placed there
        "POST /api/1.0/sections/<section_gid>/addTask": 5,
        "POST /api/1.0/tasks/<task_gid>/subtasks": 5 * 8,
    }
    assert writes_of(by_people[TRELLO]) == {
        "POST /1/cards": 5,  # the Asana problems
        "PUT /1/cards/<id>": 5,  # the link-back footer on the person's cards
        "POST /1/checklists": 5,  # a copy of the template's Five Whys checklist
    }
    # Trello's new problems go among Asana's own as the board interleaves the two at the
    # bottom (new in both at once, by item id): a placed write for each that lands above one.
    assert by_people[ASANA].pop("POST /api/1.0/sections/<section_gid>/addTask", 0) <= 5
    assert writes_of(by_people[ASANA]) == {
        "POST /api/1.0/tasks": 5,  # the Trello problems
        "PUT /api/1.0/tasks/<task_gid>": 5,  # the link-back footer on the person's tasks
        "POST /api/1.0/tasks/<task_gid>/subtasks": 10 * 8,
    }
    for made, counts in (("in Markdown", elsewhere), ("in Trello/Asana", by_people)):
        for tool in (TRELLO, ASANA):
            print(f"5 problems made {made}, {tool}: {sum(counts[tool].values())} requests,")
            print(f"  {dict(counts[tool])}")


def spent(tools: ThreeTools, act: Callable[[], None]) -> dict[str, Counter[str]]:
    """Requests by endpoint that one sync after `act` cost in Trello and in Asana."""
    stats = {TRELLO: tools.trello.stats.requests, ASANA: tools.asana.stats.requests}
    before = {tool: Counter(counts) for tool, counts in stats.items()}
    act()
    summary = tools.sync()
    assert not summary.failed
    return {tool: Counter(stats[tool]) - before[tool] for tool in stats}


def writes_of(counts: Counter[str]) -> dict[str, int]:
    return {k: n for k, n in counts.items() if not k.startswith("GET ")}


def test_a_state_written_before_countermeasures_existed_opens_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
    old.execute(
        "INSERT INTO items VALUES ('0123456789abcdef', ?, '2026-01-01T00:00:00+00:00', "
        "'2026-01-01T00:00:00+00:00', 'notes', 1)",
        (json.dumps(item_to_dict(Item(Kind.PROBLEM, "Old problem", steps=FRESH))),),
    )
    old.commit()
    old.close()

    state = State.open(path)
    try:
        [record] = state.items().values()
        version = state.db.execute("PRAGMA user_version").fetchone()[0]
    finally:
        state.close()
    assert (version, record.item.title, record.countermeasure_id) == (
        len(MIGRATIONS),
        "Old problem",
        None,
    )
