"""Sync you can trust, across Markdown, Trello and Asana at once (issue 6): conflicts,
deletions and archive, lost or damaged state and overlapping runs, each through the real
engine and the simulators over HTTP. Faults: tests/test_trust_faults.py; crashes:
tests/test_crash.py; random sequences of all of it: tests/test_engine_machine.py."""

from __future__ import annotations

import json
import os
import time
from datetime import date

import pytest

from sync.model import Kind, Owner, Step
from sync.run.summary import summary_lines
from tests.cli_run import pairsync, start_pairsync
from tests.order_tools import assert_same_order
from tests.three_tools import (
    ASANA,
    FIVE_WHYS,
    NOTES,
    SEED,
    TOOLS,
    TRELLO,
    ThreeTools,
)


def written(summary) -> dict[str, tuple[int, int, int]]:
    return {name: (t.created, t.updated, t.archived) for name, t in summary.targets.items()}


# -- conflicts ------------------------------------------------------------------------------
TITLES = {
    NOTES: "Book flights to Porto",
    TRELLO: "Book trains to Lisbon",
    ASANA: "Book flights to Lisbon and back",
}


def markdown_newest(three_tools: ThreeTools, item_id: str) -> None:
    """By the tools' own clocks Markdown's edit is the newest, then Asana's, then Trello's
    (a day old): the simulators' clocks run fast, so `latest` needs set times."""
    future = time.time() + 30 * 86400
    os.utime(three_tools.board_path, (future, future))
    three_tools.trello.person.age_card(three_tools.card_of(item_id).id, days=1)


@pytest.mark.parametrize(
    ("policy", "winner"), [("latest", NOTES), ("executive", ASANA), ("assistant", TRELLO)]
)
def test_a_field_changed_in_three_tools_follows_the_policy_and_keeps_the_losers(
    three_tools: ThreeTools, policy: str, winner: str
) -> None:
    three_tools.write_config(policy=policy)
    ids = three_tools.seed()
    item, other = ids["Book flights to Lisbon"], ids["Grow EMEA revenue"]
    for tool, title in TITLES.items():
        three_tools.edit(tool, item, title=title)
    three_tools.edit(TRELLO, item, notes="aisle seat, please")  # one side only: never a conflict
    three_tools.edit(ASANA, other, due=date(2026, 12, 31))
    three_tools.edit(NOTES, other, labels=frozenset({"q4"}))
    markdown_newest(three_tools, item)

    result = pairsync("sync", "--config", "pair.toml", "--json", cwd=three_tools.folder)

    assert result.returncode == 0, result.stderr
    losers = {(t, v) for t, v in TITLES.items() if t != winner}
    [conflict] = json.loads(result.stdout)["conflicts"]
    assert (conflict["item_id"], conflict["field"]) == (item, "title")
    assert (conflict["winner"], conflict["winner_value"]) == (winner, TITLES[winner])
    assert {(loser["target"], loser["value"]) for loser in conflict["losers"]} == losers
    rows = three_tools.conflict_rows()
    assert {(r[0], r[1], r[2], r[3]) for r in rows} == {(item, "title", winner, TITLES[winner])}
    assert {(r[4], r[5]) for r in rows} == losers
    board = three_tools.assert_same_board()
    assert (board[item].title, board[item].notes) == (TITLES[winner], "aisle seat, please")
    assert (board[other].due, board[other].labels) == (date(2026, 12, 31), {"q4"})


def test_the_run_summary_names_the_conflict_in_one_line(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    item = ids["Renew the passport"]
    three_tools.edit(TRELLO, item, done=True)
    three_tools.edit(NOTES, item, done=False, title="Renew both passports")
    three_tools.edit(ASANA, item, title="Renew the passport by May")
    markdown_newest(three_tools, item)

    lines = summary_lines(three_tools.sync())

    assert [line for line in lines if line.startswith("conflict")] == [
        "conflict on 'Renew the passport' title: kept notes='Renew both passports' over "
        "asana='Renew the passport by May'"
    ]
    assert three_tools.assert_same_board()[item].done  # changed in Trello only


# -- deletions, archive, kind -------------------------------------------------------------------
def others(tool: str) -> list[str]:
    return [t for t in TOOLS if t != tool]


@pytest.mark.parametrize("tool", TOOLS)
def test_deleting_in_one_tool_archives_everywhere_and_a_restore_brings_it_back(
    three_tools: ThreeTools, tool: str
) -> None:
    item = three_tools.seed()["Invoices paid late"]
    three_tools.delete(tool, item)

    summary = three_tools.sync()

    assert {t: summary.targets[t].archived for t in others(tool)} == dict.fromkeys(others(tool), 1)
    board = three_tools.assert_same_board()
    assert board[item].archived and item not in three_tools.shown(tool)
    assert three_tools.sync().plan.is_empty
    three_tools.restore(others(tool)[0], item, Kind.PROBLEM)

    summary = three_tools.sync()

    assert summary.targets[tool].created == 1  # the deleted copy comes back, once
    board = three_tools.assert_same_board()
    assert not board[item].archived and board[item].kind is Kind.PROBLEM
    assert board[item].steps == tuple(Step(text) for text in FIVE_WHYS)
    assert item in three_tools.shown(tool)
    three_tools.assert_no_duplicates()


@pytest.mark.parametrize(
    ("archiver", "restorer"), [(NOTES, TRELLO), (TRELLO, ASANA), (ASANA, NOTES)]
)
def test_archiving_in_one_tool_archives_everywhere_and_restoring_in_another_restores(
    three_tools: ThreeTools, archiver: str, restorer: str
) -> None:
    item = three_tools.seed()["Grow EMEA revenue"]
    three_tools.archive(archiver, item)

    three_tools.sync()

    assert three_tools.assert_same_board()[item].archived
    assert three_tools.card_of(item).closed and three_tools.task_of(item).completed
    assert three_tools.shown(NOTES)[item][0].item.archived
    three_tools.restore(restorer, item, Kind.GOAL)

    three_tools.sync()

    board = three_tools.assert_same_board()
    assert not board[item].archived and board[item].kind is Kind.GOAL and not board[item].done
    assert not three_tools.card_of(item).closed and not three_tools.task_of(item).completed
    three_tools.assert_no_duplicates()
    assert three_tools.sync().plan.is_empty


@pytest.mark.parametrize("tool", TOOLS)
def test_moving_between_lists_changes_the_kind_everywhere(
    three_tools: ThreeTools, tool: str
) -> None:
    ids = three_tools.seed()
    problem, action = ids["Invoices paid late"], ids["Renew the passport"]
    three_tools.tick(tool, problem, 0)
    three_tools.move(tool, problem, Kind.DECISION)
    three_tools.move(tool, action, Kind.PROBLEM)

    three_tools.sync()

    board = three_tools.assert_same_board()
    assert board[problem].kind is Kind.DECISION
    assert board[problem].steps == (Step(FIVE_WHYS[0], True), Step(FIVE_WHYS[1]))
    assert board[action].kind is Kind.PROBLEM
    assert board[action].steps == tuple(Step(text) for text in FIVE_WHYS)  # a new problem
    assert three_tools.sync().plan.is_empty


# -- lost or damaged state --------------------------------------------------------------------
def varied_board(three_tools: ThreeTools) -> dict[str, str]:
    """The seed board after a week of use: done, archived, labelled, a ticked step, a
    problem moved to the decisions."""
    ids = three_tools.seed()
    three_tools.edit(TRELLO, ids["Renew the passport"], done=True, labels=frozenset({"travel"}))
    three_tools.edit(
        ASANA, ids["Book flights to Lisbon"], owner=Owner.ASSISTANT, due=date(2026, 5, 4)
    )
    three_tools.archive(NOTES, ids["Approve the offsite budget"])
    three_tools.tick(TRELLO, ids["Invoices paid late"], 1)
    three_tools.move(TRELLO, ids["Invoices paid late"], Kind.DECISION)
    assert not three_tools.sync().failed
    return ids


def test_a_deleted_state_database_is_rebuilt_through_the_footers(three_tools: ThreeTools) -> None:
    varied_board(three_tools)
    before = three_tools.assert_same_board()
    three_tools.state_path.unlink()
    three_tools.create(NOTES, Kind.ACTION, "Call the bank")  # made while the state was gone

    summary = three_tools.sync()

    assert written(summary) == {NOTES: (0, 1, 0), TRELLO: (1, 0, 0), ASANA: (1, 0, 0)}
    after = three_tools.assert_same_board()
    three_tools.assert_no_duplicates()
    assert {i: after[i].with_(rank="") for i in before} == {
        i: item.with_(rank="") for i, item in before.items()
    }  # ranks are made anew from the first tool's order: the order itself is checked
    assert [item.title for i, item in after.items() if i not in before] == ["Call the bank"]
    assert_same_order(three_tools)
    assert three_tools.sync().plan.is_empty


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_damaged_state_database_is_moved_aside_and_the_next_run_rebuilds_it(
    three_tools: ThreeTools, damage: str
) -> None:
    three_tools.seed()
    before = three_tools.assert_same_board()
    good = three_tools.state_path.read_bytes()
    bad = os.urandom(8192) if damage == "garbage" else good[: len(good) // 2]
    three_tools.state_path.write_bytes(bad)

    refused = pairsync("sync", "--config", "pair.toml", cwd=three_tools.folder)

    assert refused.returncode == 2
    [line] = refused.stderr.splitlines()
    assert f"{three_tools.state_path}: the state database is damaged" in line
    assert "moved it to trust.sqlite.corrupt-" in line and "Run again to rebuild" in line
    [aside] = three_tools.state_path.parent.glob("trust.sqlite.corrupt-*")
    assert aside.read_bytes() == bad and not three_tools.state_path.exists()

    rebuilt = pairsync("sync", "--config", "pair.toml", "--json", cwd=three_tools.folder)

    assert rebuilt.returncode == 0, rebuilt.stderr
    counts = json.loads(rebuilt.stdout)["targets"]
    assert all(t["created"] == t["updated"] == t["archived"] == 0 for t in counts.values())
    assert three_tools.assert_same_board() == before
    three_tools.assert_no_duplicates()
    assert aside.read_bytes() == bad  # kept for whoever wants to look at it


# -- overlapping runs and a person at work during a run ----------------------------------------
def test_two_overlapping_runs_are_serialised_by_the_lock(three_tools: ThreeTools) -> None:
    for tool, kind, title in SEED:
        three_tools.create(tool, kind, title)
    trello, asana = three_tools.trello.app, three_tools.asana.app
    # hold the first run in the middle of its push (both services are written at once)
    trello.faults.stall_write_next = asana.faults.stall_write_next = 1
    command = ("sync", "--config", "pair.toml", "--json")
    first = start_pairsync(*command, cwd=three_tools.folder)
    try:
        assert trello.stalled.wait(30) and asana.stalled.wait(30), first.stderr
        requests = trello.stats.total + three_tools.asana.stats.total
        second = start_pairsync(
            "-v", *command, cwd=three_tools.folder, env={"PAIRSYNC_LOCK_WAIT": "60"}
        )
        assert second.stderr is not None
        for line in second.stderr:  # its -v log, read until it says it waits (or it ends)
            if "holds the lock; waiting" in line:
                break
        else:
            raise AssertionError("the second run never said it waits for the lock")
        assert second.poll() is None  # still waiting, not syncing
        assert trello.stats.total + three_tools.asana.stats.total == requests
    finally:
        trello.release()
        asana.release()
    outputs = [process.communicate(timeout=60) for process in (first, second)]

    assert [first.returncode, second.returncode] == [0, 0], outputs
    pushed, rerun = (json.loads(out)["targets"] for out, _ in outputs)
    assert pushed[ASANA]["created"] == 4 and pushed[TRELLO]["created"] == 3
    assert all(t["created"] == t["updated"] == 0 for t in rerun.values())
    three_tools.assert_same_board()
    three_tools.assert_no_duplicates()


def test_a_person_editing_the_board_file_during_a_run_loses_nothing(
    three_tools: ThreeTools,
) -> None:
    ids = three_tools.seed()
    flights, budget = ids["Book flights to Lisbon"], ids["Approve the offsite budget"]
    three_tools.edit(ASANA, flights, title="Book flights to Lisbon, aisle")

    def person_saves_the_file(step: str) -> None:
        """Between the run's read of the file and its write, a person saves it."""
        if step.startswith(f"{NOTES}: writing"):
            three_tools.edit(NOTES, flights, done=True)  # the very card the run is about to rewrite
            three_tools.edit(NOTES, budget, title="Approve the Lisbon offsite budget")

    summary = three_tools.sync(on_step=person_saves_the_file)

    shown = {i: r[0].item for i, r in three_tools.shown(NOTES).items()}
    assert shown[flights].done and shown[flights].title == "Book flights to Lisbon"
    assert shown[budget].title == "Approve the Lisbon offsite budget"
    assert summary.targets[NOTES].problems(NOTES) == [
        f"{NOTES}: 'Book flights to Lisbon, aisle': changed in the file since it was read; "
        "will merge next run"
    ]

    assert not three_tools.sync().failed

    board = three_tools.assert_same_board()
    assert (board[flights].title, board[flights].done) == ("Book flights to Lisbon, aisle", True)
    assert board[budget].title == "Approve the Lisbon offsite budget"
