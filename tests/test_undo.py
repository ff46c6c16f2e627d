"""`pairsync history` and `pairsync undo` (issue 13), as a user runs them: the command line
against the simulators over HTTP, through py-trello and the asana SDK."""

from __future__ import annotations

import json

from sync.model import Kind
from tests.cli_run import pairsync
from tests.three_tools import NOTES, TOOLS, TRELLO, ThreeTools


def cli(three_tools: ThreeTools, *args: str) -> tuple[int, list[str]]:
    result = pairsync(*args, "--config", str(three_tools.config_path), cwd=three_tools.folder)
    return result.returncode, (result.stdout + result.stderr).splitlines()


def archived(three_tools: ThreeTools) -> dict[str, set[str]]:
    """Per tool, the titles it shows archived (or no longer shows at all)."""
    board = three_tools.canonical()
    found = {}
    for tool in TOOLS:
        shown = three_tools.shown(tool)
        found[tool] = {
            item.title
            for item_id, item in board.items()
            if item_id not in shown or shown[item_id][0].item.archived
        }
    return found


def test_undo_brings_back_ten_archived_items_everywhere_and_can_be_undone(
    three_tools: ThreeTools,
) -> None:
    three_tools.seed()
    titles = [f"Errand {n}" for n in range(10)]
    for title in titles:
        three_tools.create(TRELLO, Kind.ACTION, title)
    assert not three_tools.sync().failed
    ids = three_tools.ids()
    for title in titles:
        three_tools.archive(TRELLO, ids[title])  # a person archives ten cards at once
    code, lines = cli(three_tools, "sync")
    assert code == 0, lines
    assert "trust/notes: 0 created, 0 updated, 10 archived, 0 conflicts, 3 requests - ok" in lines
    assert archived(three_tools) == {tool: set(titles) for tool in TOOLS}
    code, lines = cli(three_tools, "history", "--json")
    runs = json.loads("\n".join(lines))
    archiving = runs[-1]
    assert archiving["targets"]["asana"]["archived"] == 10 and archiving["items_changed"] == 10
    # A person edits one of them on the board since: undo leaves it alone and says so.
    three_tools.edit(NOTES, ids["Errand 3"], title="Errand 3 (done by hand)")
    assert not three_tools.sync().failed

    code, lines = cli(three_tools, "undo", "--run", str(archiving["run"]), "--dry-run")
    assert code == 0, lines
    left_alone = f"left alone 'Errand 3 (done by hand)': changed since run {archiving['run']}"
    assert left_alone in lines
    assert f"undo of run {archiving['run']}: would put back 9 items" in lines
    assert sum(line.startswith("would update action 'Errand") for line in lines) == 27
    assert archived(three_tools)[TRELLO] == set(titles) - {"Errand 3"} | {"Errand 3 (done by hand)"}

    code, lines = cli(three_tools, "undo", "--run", str(archiving["run"]))
    assert code == 0, lines
    assert lines[0] == left_alone
    assert lines[-1] == f"undo of run {archiving['run']}: put back 9 items"
    assert archived(three_tools) == {tool: {"Errand 3 (done by hand)"} for tool in TOOLS}
    three_tools.assert_same_board()
    assert three_tools.sync().plan.is_empty

    code, lines = cli(three_tools, "history")
    undo_run = archiving["run"] + 2
    [line] = [line for line in lines if line.startswith(f"run {undo_run}  ")]
    assert line.endswith(
        "trello 0 created, 9 updated, 0 archived; asana 0 created, 9 updated, 0 archived; "
        f"0 conflicts; undid run {archiving['run']}"
    )
    code, lines = cli(three_tools, "undo")  # the last run that wrote: the undo itself
    assert code == 0, lines
    assert lines[-1] == f"undo of run {undo_run}: put back 9 items"
    assert archived(three_tools) == {
        tool: set(titles) - {"Errand 3"} | {"Errand 3 (done by hand)"} for tool in TOOLS
    }
    three_tools.assert_same_board()


def test_undo_of_a_run_that_added_items_archives_them(three_tools: ThreeTools) -> None:
    three_tools.seed()
    three_tools.create(NOTES, Kind.GOAL, "Open the Madrid office")
    assert not three_tools.sync().failed
    code, lines = cli(three_tools, "undo")
    assert code == 0, lines
    assert lines[-1].endswith(": put back 1 item")
    assert archived(three_tools) == {tool: {"Open the Madrid office"} for tool in TOOLS}


def test_undo_with_no_run_to_undo_says_so(three_tools: ThreeTools) -> None:
    code, lines = cli(three_tools, "undo")
    assert code == 2
    assert lines == [f"pairsync: {three_tools.state_path}: no state yet, so no run to undo"]
    three_tools.seed()
    code, lines = cli(three_tools, "undo", "--run", "99")
    assert code == 2
    assert lines == ["pairsync: undo: no such run (see pairsync history --config FILE)"]
