"""Structure is not deletion (issue 13): an emptied or deleted board file, closed lists,
renamed lists and sections and a mass delete never archive the shared board anywhere;
the run holds, says so in one line and exits 1 until the items are back or the user
accepts. Through the real engine, the simulators over HTTP, py-trello and the asana SDK."""

from __future__ import annotations

import pytest

from adapters.simkit import Faults
from sync.contract import DEFAULT_LISTS
from sync.model import Kind
from sync.run.summary import RunSummary, summary_lines
from tests.cli_run import pairsync
from tests.three_tools import ASANA, NOTES, SEED, TOOLS, TRELLO, ThreeTools

EVERY_TITLE = {title for _, _, title in SEED}


def live_titles(three_tools: ThreeTools) -> set[str]:
    return {item.title for item in three_tools.canonical().values() if not item.archived}


def archived_in_tools(three_tools: ThreeTools) -> dict[str, set[str]]:
    """Per tool, the titles it shows archived."""
    return {
        tool: {c[0].item.title for c in three_tools.shown(tool).values() if c[0].item.archived}
        for tool in TOOLS
    }


def held_twice(three_tools: ThreeTools, target: str, count: int) -> RunSummary:
    """Two syncs after the structure change: both hold, nothing archived anywhere."""
    for _ in range(2):
        summary = three_tools.sync()
        assert summary.held == {target: count}, summary.to_json()
        assert summary.failed
        assert all(t.archived == 0 for t in summary.targets.values())
    assert len(live_titles(three_tools)) == len(EVERY_TITLE)
    assert archived_in_tools(three_tools) == {tool: set() for tool in TOOLS}
    return summary


def test_an_emptied_board_file_is_held_and_restoring_it_converges(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    saved = three_tools.board_path.read_text()
    three_tools.board_path.write_text("")
    three_tools.edit(TRELLO, ids["Renew the passport"], title="Renew both passports")
    summary = held_twice(three_tools, NOTES, 2 + 3)  # everything, Trello's and Asana's items too
    assert summary.targets[NOTES].errors == [
        "notes: 5 items vanished at once (the board is empty: lists closed, file emptied "
        "or deleted, or access lost?); still holding them, nothing archived. If they were "
        "deleted on purpose: pairsync sync --config "
        f"{three_tools.config_path} --accept-vanished notes"
    ]
    assert three_tools.board_path.read_text() == ""  # nothing written into the held file
    three_tools.board_path.write_text(saved)
    summary = three_tools.sync()
    assert not summary.failed and summary.held == {}
    board = three_tools.assert_same_board()
    assert {i.title for i in board.values()} == EVERY_TITLE - {"Renew the passport"} | {
        "Renew both passports"
    }
    assert three_tools.sync().plan.is_empty


def test_a_deleted_board_file_is_held_then_archived_everywhere_when_accepted(
    three_tools: ThreeTools,
) -> None:
    three_tools.seed()
    three_tools.board_path.unlink()
    result = pairsync("sync", "--config", str(three_tools.config_path), cwd=three_tools.folder)
    assert result.returncode == 1, result.stderr
    held = [line for line in result.stderr.splitlines() if "vanished" in line]
    assert held == [
        "trust/notes: 0 created, 0 updated, 0 archived, 0 conflicts, 1 request - FAILED: "
        "notes: 5 items vanished at once (the board is empty: lists closed, file emptied or "
        "deleted, or access lost?); holding them, nothing archived. If they were deleted on "
        f"purpose: pairsync sync --config {three_tools.config_path} --accept-vanished notes"
    ]
    held_twice(three_tools, NOTES, 5)
    result = pairsync(
        "sync",
        "--config",
        str(three_tools.config_path),
        "--accept-vanished",
        "notes",
        cwd=three_tools.folder,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert live_titles(three_tools) == set()
    assert archived_in_tools(three_tools) == {NOTES: set(), TRELLO: EVERY_TITLE, ASANA: EVERY_TITLE}
    assert three_tools.sync().plan.is_empty


def test_accept_vanished_names_a_target_of_the_pair(three_tools: ThreeTools) -> None:
    result = pairsync(
        "sync",
        "--config",
        str(three_tools.config_path),
        "--accept-vanished",
        "nots",
        cwd=three_tools.folder,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "pairsync: --accept-vanished: no target 'nots' in this pair "
        "(targets: notes, trello, asana)\n"
    )


def test_closed_trello_lists_are_held_and_reopening_them_converges(three_tools: ThreeTools) -> None:
    three_tools.seed()
    board = three_tools.trello.board(three_tools.board_id)
    mapped = [t for t in board.lists.values() if t.name in DEFAULT_LISTS.values()]
    for tlist in mapped:
        three_tools.trello.backend.update_list(three_tools.trello.member, tlist.id, closed=True)
    summary = held_twice(three_tools, TRELLO, 5)
    assert "5 items vanished at once (the board is empty" in summary.targets[TRELLO].errors[0]
    for tlist in mapped:
        three_tools.trello.backend.update_list(three_tools.trello.member, tlist.id, closed=False)
    assert not three_tools.sync().failed
    three_tools.assert_same_board()


def test_a_closed_list_reopened_after_a_new_one_was_made_is_read_again(
    three_tools: ThreeTools,
) -> None:
    """While "Goals" is closed, a goal made in Asana gets a new "Goals" list in Trello;
    reopening the old list brings its goals back: the hold ends, nothing archived."""
    three_tools.seed()
    for number in range(3):
        three_tools.create(TRELLO, Kind.GOAL, f"Goal {number}")
    assert not three_tools.sync().failed
    board = three_tools.trello.board(three_tools.board_id)
    goals = next(t for t in board.lists.values() if t.name == "Goals")
    three_tools.trello.backend.update_list(three_tools.trello.member, goals.id, closed=True)
    three_tools.create(ASANA, Kind.GOAL, "Open the Lisbon office")
    assert three_tools.sync().held == {TRELLO: 4}
    three_tools.trello.backend.update_list(three_tools.trello.member, goals.id, closed=False)
    summary = three_tools.sync()
    assert not summary.failed and summary.held == {}, summary.to_json()
    assert archived_in_tools(three_tools) == {tool: set() for tool in TOOLS}
    assert len(live_titles(three_tools)) == len(EVERY_TITLE) + 4
    three_tools.assert_same_board()
    assert three_tools.sync().plan.is_empty


def test_a_person_deleting_most_tasks_at_once_is_held(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    doomed = ["Grow EMEA revenue", "Invoices paid late", "Book flights to Lisbon"]
    for title in doomed:
        three_tools.delete(ASANA, ids[title])
    summary = held_twice(three_tools, ASANA, 3)
    assert (
        summary.targets[ASANA]
        .errors[0]
        .startswith(
            "asana: 3 items vanished at once (more than half of its items: a mass delete, or "
            "moved out of the mapped lists?); still holding them"
        )
    )
    assert not three_tools.sync(accept_vanished=[ASANA]).failed
    assert live_titles(three_tools) == EVERY_TITLE - set(doomed)
    archived = archived_in_tools(three_tools)
    assert archived[TRELLO] == set(doomed) and archived[ASANA] == set()
    three_tools.assert_same_board()


def test_a_person_deleting_one_or_two_items_is_never_held(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    for title in ("Grow EMEA revenue", "Renew the passport"):
        three_tools.delete(TRELLO, ids[title])
    summary = three_tools.sync()
    assert not summary.failed and summary.held == {}
    assert live_titles(three_tools) == EVERY_TITLE - {"Grow EMEA revenue", "Renew the passport"}


def test_every_item_of_a_kind_vanishing_is_held(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    for number in range(2):
        three_tools.create(NOTES, Kind.GOAL, f"Goal {number}")
    assert not three_tools.sync().failed
    ids = three_tools.ids()
    for title in ("Grow EMEA revenue", "Goal 0", "Goal 1"):
        three_tools.delete(TRELLO, ids[title])  # 3 of 7: not half, but every goal
    summary = three_tools.sync()
    assert summary.held == {TRELLO: 3}
    assert 'was "Goals" renamed, closed or deleted?' in summary.targets[TRELLO].errors[0]


# -- renames ------------------------------------------------------------------------------
def test_a_renamed_trello_list_is_followed(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    board = three_tools.trello.board(three_tools.board_id)
    goals = next(t for t in board.lists.values() if t.name == "Goals")
    three_tools.trello.backend.update_list(three_tools.trello.member, goals.id, name="Goals FY27")
    three_tools.edit(TRELLO, ids["Grow EMEA revenue"], title="Grow EMEA revenue 20%")
    three_tools.create(ASANA, Kind.GOAL, "Open the Madrid office")
    for _ in range(2):
        summary = three_tools.sync()
        assert not summary.failed, summary.to_json()
        assert summary.notices == ['trello: list "Goals" is now "Goals FY27"; following it']
    assert live_titles(three_tools) == EVERY_TITLE - {"Grow EMEA revenue"} | {
        "Grow EMEA revenue 20%",
        "Open the Madrid office",
    }
    in_list = {c.name for c in three_tools.trello.cards(three_tools.board_id, "Goals FY27")}
    assert in_list == {"Grow EMEA revenue 20%", "Open the Madrid office"}
    assert not [t for t in board.lists.values() if t.name == "Goals"]  # no second list
    three_tools.assert_same_board()
    result = pairsync("check", "--config", str(three_tools.config_path), cwd=three_tools.folder)
    assert result.returncode == 0, result.stdout
    assert 'list "Goals" is now "Goals FY27"; following it' in result.stdout


def test_a_renamed_asana_section_is_followed(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    project = three_tools.world.project_gid
    three_tools.asana.person.rename_section(project, "Decisions", "Decisions (exec)")
    three_tools.edit(ASANA, ids["Approve the offsite budget"], done=True)
    three_tools.create(TRELLO, Kind.DECISION, "Pick the auditor")
    for _ in range(2):
        summary = three_tools.sync()
        assert not summary.failed, summary.to_json()
        assert summary.notices == [
            'asana: section "Decisions" is now "Decisions (exec)"; following it'
        ]
    in_section = {t.name for t in three_tools.asana.person.tasks(project, "Decisions (exec)")}
    assert in_section == {"Approve the offsite budget", "Pick the auditor"}
    assert not three_tools.asana.person.tasks(project, "Decisions")
    board = three_tools.assert_same_board()
    assert board[ids["Approve the offsite budget"]].done
    result = pairsync("check", "--config", str(three_tools.config_path), cwd=three_tools.folder)
    assert result.returncode == 0, result.stdout
    assert 'section "Decisions" is now "Decisions (exec)"; following it' in result.stdout
    assert "missing, created on first sync: Archive\n" in result.stdout  # not Decisions


def test_a_renamed_markdown_heading_is_held_and_renaming_it_back_converges(
    three_tools: ThreeTools,
) -> None:
    three_tools.seed()
    saved = three_tools.board_path.read_text()
    three_tools.board_path.write_text(saved.replace("## Goals\n", "## Goals FY27\n"))
    summary = held_twice(three_tools, NOTES, 1)  # one goal: held at any count, its heading is gone
    assert (
        'notes: 1 item vanished at once (was "Goals" renamed, closed or deleted?)'
        in (summary.targets[NOTES].errors[0])
    )
    three_tools.board_path.write_text(
        three_tools.board_path.read_text().replace("## Goals FY27\n", "## Goals\n")
    )
    assert not three_tools.sync().failed
    three_tools.assert_same_board()


# -- one state per pair, colliding mappings, a read-only board file -------------------------
def test_a_second_pair_naming_the_same_state_is_refused(three_tools: ThreeTools) -> None:
    three_tools.seed()
    assert (
        pairsync(
            "sync", "--config", str(three_tools.config_path), cwd=three_tools.folder
        ).returncode
        == 0
    )
    other = three_tools.folder / "other.toml"
    other.write_text(
        three_tools.config_path.read_text().replace('name = "trust"', 'name = "other"', 1)
    )
    result = pairsync("sync", "--config", str(other), cwd=three_tools.folder)
    assert result.returncode == 2
    assert result.stderr == (
        f"pairsync: {three_tools.state_path}: this state database belongs to pair 'trust', not "
        "'other'; give each pair its own [state] path\n"
    )
    stale = pairsync("stale", "--config", str(other), cwd=three_tools.folder)
    assert stale.returncode == 2 and "belongs to pair 'trust'" in stale.stderr


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            'lists = { goal = "Goals", decision = "Goals" }',
            'targets[1] "notes": lists.goal and lists.decision are both "Goals"',
        ),
        (
            'archive_heading = "Actions"',
            'targets[1] "notes": archive_heading and lists.action are both "Actions"',
        ),
    ],
)
def test_colliding_mappings_are_config_errors(
    three_tools: ThreeTools, extra: str, line: str
) -> None:
    text = three_tools.config_path.read_text()
    three_tools.config_path.write_text(
        text.replace('path = "board.md"\n', f'path = "board.md"\n{extra}\n')
    )
    for command in ("sync", "check"):
        result = pairsync(command, "--config", str(three_tools.config_path), cwd=three_tools.folder)
        assert result.returncode == 2
        assert result.stderr == f"pairsync: pair.toml: {line}\n"


def test_a_read_only_board_file_is_read_but_never_written(three_tools: ThreeTools) -> None:
    ids = three_tools.seed()
    three_tools.edit(NOTES, ids["Grow EMEA revenue"], title="Grow EMEA revenue 20%")
    three_tools.edit(TRELLO, ids["Renew the passport"], done=True)
    three_tools.board_path.chmod(0o444)
    before = three_tools.board_path.read_bytes()
    summary = three_tools.sync()
    assert summary.failed
    said = [line for line in summary_lines(summary) if "read-only" in line]
    assert said == [
        "trust/notes: 0 created, 0 updated, 0 archived, 0 conflicts, 2 requests - FAILED: "
        f"notes: 'Renew the passport': {three_tools.board_path} is read-only (0444): read from it, "
        "wrote nothing into it"
    ]
    assert (
        three_tools.board_path.read_bytes() == before
        and three_tools.board_path.stat().st_mode & 0o777 == 0o444
    )
    board = three_tools.canonical()
    assert board[ids["Grow EMEA revenue"]].title == "Grow EMEA revenue 20%"  # read from it
    assert [c[0].item.title for c in three_tools.shown(TRELLO).values()].count(
        "Grow EMEA revenue 20%"
    )
    result = pairsync("check", "--config", str(three_tools.config_path), cwd=three_tools.folder)
    assert result.returncode == 1 and "FAILED" in result.stdout
    three_tools.board_path.chmod(0o644)
    assert not three_tools.sync().failed
    three_tools.assert_same_board()


# -- writes that went through are recorded, also when a later one of the batch fails ------
class WritesFailAfter(Faults):
    """Let the first `allowed` writes through, then answer 503 to every write."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        super().__init__()

    @property  # type: ignore[override]
    def fail_writes_next(self) -> int:  # the simulator asks once per write
        if self.allowed:
            self.allowed -= 1
            return 0
        return 1

    @fail_writes_next.setter
    def fail_writes_next(self, value: int) -> None:
        pass


def test_an_asana_outage_mid_batch_keeps_what_was_written(three_tools: ThreeTools) -> None:
    three_tools.write_config(retry_seconds=0.3)
    ids = three_tools.seed()
    titles = ["Grow EMEA revenue", "Invoices paid late", "Renew the passport"]
    for title in titles:
        three_tools.edit(TRELLO, ids[title], title=f"{title}!")
    three_tools.asana.app.faults = WritesFailAfter(allowed=1)
    try:
        summary = three_tools.sync()
    finally:
        three_tools.asana.app.faults = Faults()
    assert summary.failed and summary.targets[ASANA].updated == 1, summary.to_json()
    written = [t.name for t in three_tools.asana.person.tasks(three_tools.world.project_gid)]
    [first] = [title for title in titles if f"{title}!" in written]
    # The next run must see Asana's copy as pairsync's own write, not a person's edit:
    # a person's new edit in Trello then goes through without a conflict.
    three_tools.edit(TRELLO, ids[first], title=f"{first} (final)")
    summary = three_tools.sync()
    assert not summary.failed and summary.conflicts == [], summary.to_json()
    board = three_tools.assert_same_board()
    assert board[ids[first]].title == f"{first} (final)"
    assert three_tools.conflict_rows() == []
