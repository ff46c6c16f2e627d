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


@pytest.fixture
def tools(three_tools: ThreeTools) -> ThreeTools:
    return three_tools


def live_titles(tools: ThreeTools) -> set[str]:
    return {item.title for item in tools.canonical().values() if not item.archived}


def archived_in_tools(tools: ThreeTools) -> dict[str, set[str]]:
    """Per tool, the titles it shows archived."""
    return {
        tool: {c[0].item.title for c in tools.shown(tool).values() if c[0].item.archived}
        for tool in TOOLS
    }


def held_twice(tools: ThreeTools, target: str, count: int) -> RunSummary:
    """Two syncs after the structure change: both hold, nothing archived anywhere."""
    for _ in range(2):
        summary = tools.sync()
        assert summary.held == {target: count}, summary.to_json()
        assert summary.failed
        assert all(t.archived == 0 for t in summary.targets.values())
    assert len(live_titles(tools)) == len(EVERY_TITLE)
    assert archived_in_tools(tools) == {tool: set() for tool in TOOLS}
    return summary


def test_an_emptied_board_file_is_held_and_restoring_it_converges(tools: ThreeTools) -> None:
    ids = tools.seed()
    saved = tools.board_path.read_text()
    tools.board_path.write_text("")
    tools.edit(TRELLO, ids["Renew the passport"], title="Renew both passports")
    summary = held_twice(tools, NOTES, 2 + 3)  # everything, Trello's and Asana's items too
    assert summary.targets[NOTES].errors == [
        "notes: 5 items vanished at once (the board is empty: lists closed, file emptied "
        "or deleted, or access lost?); still holding them, nothing archived. If they were "
        f"deleted on purpose: pairsync sync --config {tools.config_path} --accept-vanished notes"
    ]
    assert tools.board_path.read_text() == ""  # nothing written into the held file
    tools.board_path.write_text(saved)
    summary = tools.sync()
    assert not summary.failed and summary.held == {}
    board = tools.assert_same_board()
    assert {i.title for i in board.values()} == EVERY_TITLE - {"Renew the passport"} | {
        "Renew both passports"
    }
    assert tools.sync().plan.is_empty


def test_a_deleted_board_file_is_held_then_archived_everywhere_when_accepted(
    tools: ThreeTools,
) -> None:
    tools.seed()
    tools.board_path.unlink()
    result = pairsync("sync", "--config", str(tools.config_path), cwd=tools.folder)
    assert result.returncode == 1, result.stderr
    held = [line for line in result.stderr.splitlines() if "vanished" in line]
    assert held == [
        "trust/notes: 0 created, 0 updated, 0 archived, 0 conflicts, 1 request - FAILED: "
        "notes: 5 items vanished at once (the board is empty: lists closed, file emptied or "
        "deleted, or access lost?); holding them, nothing archived. If they were deleted on "
        f"purpose: pairsync sync --config {tools.config_path} --accept-vanished notes"
    ]
    held_twice(tools, NOTES, 5)
    result = pairsync(
        "sync", "--config", str(tools.config_path), "--accept-vanished", "notes", cwd=tools.folder
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert live_titles(tools) == set()
    assert archived_in_tools(tools) == {NOTES: set(), TRELLO: EVERY_TITLE, ASANA: EVERY_TITLE}
    assert tools.sync().plan.is_empty


def test_accept_vanished_names_a_target_of_the_pair(tools: ThreeTools) -> None:
    result = pairsync(
        "sync", "--config", str(tools.config_path), "--accept-vanished", "nots", cwd=tools.folder
    )
    assert result.returncode == 2
    assert result.stderr == (
        "pairsync: --accept-vanished: no target 'nots' in this pair "
        "(targets: notes, trello, asana)\n"
    )


def test_closed_trello_lists_are_held_and_reopening_them_converges(tools: ThreeTools) -> None:
    tools.seed()
    board = tools.trello.board(tools.board_id)
    mapped = [t for t in board.lists.values() if t.name in DEFAULT_LISTS.values()]
    for tlist in mapped:
        tools.trello.backend.update_list(tools.trello.member, tlist.id, closed=True)
    summary = held_twice(tools, TRELLO, 5)
    assert "5 items vanished at once (the board is empty" in summary.targets[TRELLO].errors[0]
    for tlist in mapped:
        tools.trello.backend.update_list(tools.trello.member, tlist.id, closed=False)
    assert not tools.sync().failed
    tools.assert_same_board()


def test_a_closed_list_reopened_after_a_new_one_was_made_is_read_again(
    tools: ThreeTools,
) -> None:
    """While "Goals" is closed, a goal made in Asana gets a new "Goals" list in Trello;
    reopening the old list brings its goals back: the hold ends, nothing archived."""
    tools.seed()
    for number in range(3):
        tools.create(TRELLO, Kind.GOAL, f"Goal {number}")
    assert not tools.sync().failed
    board = tools.trello.board(tools.board_id)
    goals = next(t for t in board.lists.values() if t.name == "Goals")
    tools.trello.backend.update_list(tools.trello.member, goals.id, closed=True)
    tools.create(ASANA, Kind.GOAL, "Open the Lisbon office")
    assert tools.sync().held == {TRELLO: 4}
    tools.trello.backend.update_list(tools.trello.member, goals.id, closed=False)
    summary = tools.sync()
    assert not summary.failed and summary.held == {}, summary.to_json()
    assert archived_in_tools(tools) == {tool: set() for tool in TOOLS}
    assert len(live_titles(tools)) == len(EVERY_TITLE) + 4
    tools.assert_same_board()
    assert tools.sync().plan.is_empty


def test_a_person_deleting_most_tasks_at_once_is_held(tools: ThreeTools) -> None:
    ids = tools.seed()
    doomed = ["Grow EMEA revenue", "Invoices paid late", "Book flights to Lisbon"]
    for title in doomed:
        tools.delete(ASANA, ids[title])
    summary = held_twice(tools, ASANA, 3)
    assert (
        summary.targets[ASANA]
        .errors[0]
        .startswith(
            "asana: 3 items vanished at once (more than half of its items: a mass delete, or "
            "moved out of the mapped lists?); still holding them"
        )
    )
    assert not tools.sync(accept_vanished=[ASANA]).failed
    assert live_titles(tools) == EVERY_TITLE - set(doomed)
    archived = archived_in_tools(tools)
    assert archived[TRELLO] == set(doomed) and archived[ASANA] == set()
    tools.assert_same_board()


def test_a_person_deleting_one_or_two_items_is_never_held(tools: ThreeTools) -> None:
    ids = tools.seed()
    for title in ("Grow EMEA revenue", "Renew the passport"):
        tools.delete(TRELLO, ids[title])
    summary = tools.sync()
    assert not summary.failed and summary.held == {}
    assert live_titles(tools) == EVERY_TITLE - {"Grow EMEA revenue", "Renew the passport"}


def test_every_item_of_a_kind_vanishing_is_held(tools: ThreeTools) -> None:
    ids = tools.seed()
    for number in range(2):
        tools.create(NOTES, Kind.GOAL, f"Goal {number}")
    assert not tools.sync().failed
    ids = tools.ids()
    for title in ("Grow EMEA revenue", "Goal 0", "Goal 1"):
        tools.delete(TRELLO, ids[title])  # 3 of 7: not half, but every goal
    summary = tools.sync()
    assert summary.held == {TRELLO: 3}
    assert 'was "Goals" renamed, closed or deleted?' in summary.targets[TRELLO].errors[0]


# -- renames ------------------------------------------------------------------------------
def test_a_renamed_trello_list_is_followed(tools: ThreeTools) -> None:
    ids = tools.seed()
    board = tools.trello.board(tools.board_id)
    goals = next(t for t in board.lists.values() if t.name == "Goals")
    tools.trello.backend.update_list(tools.trello.member, goals.id, name="Goals FY27")
    tools.edit(TRELLO, ids["Grow EMEA revenue"], title="Grow EMEA revenue 20%")
    tools.create(ASANA, Kind.GOAL, "Open the Madrid office")
    for _ in range(2):
        summary = tools.sync()
        assert not summary.failed, summary.to_json()
        assert summary.notices == ['trello: list "Goals" is now "Goals FY27"; following it']
    assert live_titles(tools) == EVERY_TITLE - {"Grow EMEA revenue"} | {
        "Grow EMEA revenue 20%",
        "Open the Madrid office",
    }
    in_list = {c.name for c in tools.trello.cards(tools.board_id, "Goals FY27")}
    assert in_list == {"Grow EMEA revenue 20%", "Open the Madrid office"}
    assert not [t for t in board.lists.values() if t.name == "Goals"]  # no second list
    tools.assert_same_board()
    result = pairsync("check", "--config", str(tools.config_path), cwd=tools.folder)
    assert result.returncode == 0, result.stdout
    assert 'list "Goals" is now "Goals FY27"; following it' in result.stdout


def test_a_renamed_asana_section_is_followed(tools: ThreeTools) -> None:
    ids = tools.seed()
    project = tools.world.project_gid
    tools.asana.person.rename_section(project, "Decisions", "Decisions (exec)")
    tools.edit(ASANA, ids["Approve the offsite budget"], done=True)
    tools.create(TRELLO, Kind.DECISION, "Pick the auditor")
    for _ in range(2):
        summary = tools.sync()
        assert not summary.failed, summary.to_json()
        assert summary.notices == [
            'asana: section "Decisions" is now "Decisions (exec)"; following it'
        ]
    in_section = {t.name for t in tools.asana.person.tasks(project, "Decisions (exec)")}
    assert in_section == {"Approve the offsite budget", "Pick the auditor"}
    assert not tools.asana.person.tasks(project, "Decisions")
    board = tools.assert_same_board()
    assert board[ids["Approve the offsite budget"]].done
    result = pairsync("check", "--config", str(tools.config_path), cwd=tools.folder)
    assert result.returncode == 0, result.stdout
    assert 'section "Decisions" is now "Decisions (exec)"; following it' in result.stdout
    assert "missing, created on first sync: Archive\n" in result.stdout  # not Decisions


def test_a_renamed_markdown_heading_is_held_and_renaming_it_back_converges(
    tools: ThreeTools,
) -> None:
    tools.seed()
    saved = tools.board_path.read_text()
    tools.board_path.write_text(saved.replace("## Goals\n", "## Goals FY27\n"))
    summary = held_twice(tools, NOTES, 1)  # one goal: held at any count, its heading is gone
    assert (
        'notes: 1 item vanished at once (was "Goals" renamed, closed or deleted?)'
        in (summary.targets[NOTES].errors[0])
    )
    tools.board_path.write_text(
        tools.board_path.read_text().replace("## Goals FY27\n", "## Goals\n")
    )
    assert not tools.sync().failed
    tools.assert_same_board()


# -- one state per pair, colliding mappings, a read-only board file -------------------------
def test_a_second_pair_naming_the_same_state_is_refused(tools: ThreeTools) -> None:
    tools.seed()
    assert pairsync("sync", "--config", str(tools.config_path), cwd=tools.folder).returncode == 0
    other = tools.folder / "other.toml"
    other.write_text(tools.config_path.read_text().replace('name = "trust"', 'name = "other"', 1))
    result = pairsync("sync", "--config", str(other), cwd=tools.folder)
    assert result.returncode == 2
    assert result.stderr == (
        f"pairsync: {tools.state_path}: this state database belongs to pair 'trust', not "
        "'other'; give each pair its own [state] path\n"
    )
    stale = pairsync("stale", "--config", str(other), cwd=tools.folder)
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
def test_colliding_mappings_are_config_errors(tools: ThreeTools, extra: str, line: str) -> None:
    text = tools.config_path.read_text()
    tools.config_path.write_text(
        text.replace('path = "board.md"\n', f'path = "board.md"\n{extra}\n')
    )
    for command in ("sync", "check"):
        result = pairsync(command, "--config", str(tools.config_path), cwd=tools.folder)
        assert result.returncode == 2
        assert result.stderr == f"pairsync: pair.toml: {line}\n"


def test_a_read_only_board_file_is_read_but_never_written(tools: ThreeTools) -> None:
    ids = tools.seed()
    tools.edit(NOTES, ids["Grow EMEA revenue"], title="Grow EMEA revenue 20%")
    tools.edit(TRELLO, ids["Renew the passport"], done=True)
    tools.board_path.chmod(0o444)
    before = tools.board_path.read_bytes()
    summary = tools.sync()
    assert summary.failed
    said = [line for line in summary_lines(summary) if "read-only" in line]
    assert said == [
        "trust/notes: 0 created, 0 updated, 0 archived, 0 conflicts, 2 requests - FAILED: "
        f"notes: 'Renew the passport': {tools.board_path} is read-only (0444): read from it, "
        "wrote nothing into it"
    ]
    assert (
        tools.board_path.read_bytes() == before and tools.board_path.stat().st_mode & 0o777 == 0o444
    )
    board = tools.canonical()
    assert board[ids["Grow EMEA revenue"]].title == "Grow EMEA revenue 20%"  # read from it
    assert [c[0].item.title for c in tools.shown(TRELLO).values()].count("Grow EMEA revenue 20%")
    result = pairsync("check", "--config", str(tools.config_path), cwd=tools.folder)
    assert result.returncode == 1 and "FAILED" in result.stdout
    tools.board_path.chmod(0o644)
    assert not tools.sync().failed
    tools.assert_same_board()


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


def test_an_asana_outage_mid_batch_keeps_what_was_written(tools: ThreeTools) -> None:
    tools.write_config(retry_seconds=0.3)
    ids = tools.seed()
    titles = ["Grow EMEA revenue", "Invoices paid late", "Renew the passport"]
    for title in titles:
        tools.edit(TRELLO, ids[title], title=f"{title}!")
    tools.asana.app.faults = WritesFailAfter(allowed=1)
    try:
        summary = tools.sync()
    finally:
        tools.asana.app.faults = Faults()
    assert summary.failed and summary.targets[ASANA].updated == 1, summary.to_json()
    written = [t.name for t in tools.asana.person.tasks(tools.world.project_gid)]
    [first] = [title for title in titles if f"{title}!" in written]
    # The next run must see Asana's copy as pairsync's own write, not a person's edit:
    # a person's new edit in Trello then goes through without a conflict.
    tools.edit(TRELLO, ids[first], title=f"{first} (final)")
    summary = tools.sync()
    assert not summary.failed and summary.conflicts == [], summary.to_json()
    board = tools.assert_same_board()
    assert board[ids[first]].title == f"{first} (final)"
    assert tools.conflict_rows() == []
