"""Sync you can trust under faults (issue 6): rate limits, 5xx bursts, dropped and lost
answers, timeouts and a target that stays down, across Markdown, Trello and Asana at once
through the real engine and the simulators over HTTP (the rest: tests/test_trust.py)."""

from __future__ import annotations

import pytest

from adapters.simkit import Faults
from sync.model import Kind
from sync.run.summary import summary_lines
from tests.cli_run import pairsync
from tests.three_tools import ASANA, NOTES, SEED, TOOLS, TRELLO, ThreeTools


def storm(three_tools: ThreeTools) -> None:
    three_tools.trello.spend_rate_limit(100)  # the token's window is already full
    three_tools.trello.faults.rate_limit_next = 4
    three_tools.asana.faults.rate_limit_next = 4


def burst(three_tools: ThreeTools) -> None:
    three_tools.trello.faults.fail_next = 2
    three_tools.asana.faults.fail_next = 3


def drops(three_tools: ThreeTools) -> None:
    three_tools.trello.faults.drop_next = 2
    three_tools.asana.faults.drop_next = 2


def slow(three_tools: ThreeTools) -> None:
    three_tools.trello.faults.delay_seconds = 0.02
    three_tools.asana.faults.delay_seconds = 0.02


def lost_answers(three_tools: ThreeTools) -> None:
    """Creates that happened, whose answers never came back: the run cannot know."""
    three_tools.trello.faults.drop_after_write_next = 3
    three_tools.asana.faults.drop_after_write_next = 3


def writes_down(three_tools: ThreeTools) -> None:
    """Both services answer reads but refuse every write until the run gives up."""
    three_tools.write_config(retry_seconds=0.3)
    three_tools.trello.faults.fail_writes_next = 1000
    three_tools.asana.faults.fail_writes_next = 1000


def timeout(three_tools: ThreeTools) -> None:
    """Trello's first write answers only after the client gave up waiting: an update is
    sent again, a create is not (it may have happened: the next run finds it)."""
    three_tools.write_config(timeout_seconds=0.5)
    three_tools.trello.faults.stall_write_next = 1  # released once the run is over


@pytest.mark.parametrize(
    ("fault", "survives"),
    [
        (storm, True),
        (burst, True),
        (drops, True),
        (slow, True),
        (lost_answers, False),
        (writes_down, False),
        (timeout, None),
    ],
)
def test_faults_slow_a_first_push_but_never_corrupt_it(
    three_tools: ThreeTools, fault, survives: bool | None
) -> None:
    for tool, kind, title in SEED:
        three_tools.create(tool, kind, title)
    fault(three_tools)

    summary = three_tools.sync()

    assert survives is None or summary.failed is not survives, summary.to_json()
    three_tools.assert_no_duplicates()
    three_tools.trello.app.faults, three_tools.asana.app.faults = Faults(), Faults()
    three_tools.trello.app.release()

    three_tools.sync()

    board = three_tools.assert_same_board()
    three_tools.assert_no_duplicates()
    assert sorted(item.title for item in board.values()) == sorted(t for _, _, t in SEED)
    assert three_tools.sync().plan.is_empty


def test_a_lost_answer_to_creating_a_list_makes_no_second_list(three_tools: ThreeTools) -> None:
    three_tools.create(NOTES, Kind.GOAL, "Grow EMEA revenue")
    three_tools.create(NOTES, Kind.GOAL, "Open a Lisbon office")
    three_tools.trello.faults.drop_after_write_next = 1  # "Goals" is made; its answer is lost

    assert three_tools.sync().targets[TRELLO].problems(TRELLO) == [
        f"{TRELLO}: 2 changes not written: connection lost creating list 'Goals'"
    ]
    three_tools.sync()

    lists = [t.name for t in three_tools.trello.board(three_tools.board_id).lists.values()]
    assert lists.count("Goals") == 1
    board = three_tools.assert_same_board()  # both goals live, in every tool
    assert not any(item.archived for item in board.values())


def test_a_run_that_gives_up_on_a_target_says_so_in_one_line_and_exits_1(
    three_tools: ThreeTools,
) -> None:
    three_tools.write_config(retry_seconds=0.5)
    ids = three_tools.seed()
    three_tools.edit(NOTES, ids["Grow EMEA revenue"], title="Grow EMEA revenue 20%")
    three_tools.trello.faults.fail_next = 1000  # Trello is down for longer than the run waits

    result = pairsync("sync", "--config", "pair.toml", cwd=three_tools.folder)

    assert result.returncode == 1
    [said] = [line for line in (result.stdout + result.stderr).splitlines() if "503" in line]
    assert said.startswith("trust/trello: ")
    assert "FAILED: trello: GET /boards/{id}/actions: server error (503) after" in said
    assert (
        three_tools.shown(ASANA)[ids["Grow EMEA revenue"]][0].item.title == "Grow EMEA revenue 20%"
    )
    three_tools.trello.faults.fail_next = 0

    assert not three_tools.sync().failed
    assert (
        three_tools.assert_same_board()[ids["Grow EMEA revenue"]].title == "Grow EMEA revenue 20%"
    )


def test_an_asana_that_stays_down_fails_only_that_target(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    three_tools.edit(TRELLO, ids["Renew the passport"], done=True)
    three_tools.asana.faults.fail_next = 1000

    lines = summary_lines(three_tools.sync())

    assert [line.split(":")[0] for line in lines if "FAILED" in line] == ["trust/asana"]
    assert "server error (503) after 6 attempts" in lines[2]
    three_tools.asana.faults.fail_next = 0
    three_tools.sync()
    assert three_tools.assert_same_board()[ids["Renew the passport"]].done


def test_a_rerun_with_nothing_to_do_costs_one_request_per_tool(three_tools: ThreeTools) -> None:
    three_tools.seed()
    before = three_tools.trello.request_count(), three_tools.asana.stats.total

    summary = three_tools.sync()

    assert summary.plan.is_empty
    assert {name: t.requests for name, t in summary.targets.items()} == dict.fromkeys(TOOLS, 1)
    after = three_tools.trello.request_count(), three_tools.asana.stats.total
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
