"""A `pairsync sync` process SIGKILLed in the middle of a first push to Markdown, Trello and
Asana, then run again: the rerun converges, with no duplicate and no lost edit.

The simulators run in this test process; a `stall_write_next` fault holds the answer to a
chosen write after the simulator carried it out, so the kill lands between a create (or
a footer write) and the state commit that would have recorded it.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from adapters.asana.sim.server import AsanaSimulator, World
from adapters.trello.sim.server import TrelloSimulator
from tests.cli_run import pairsync, start_pairsync
from tests.three_tools import ASANA, NOTES, SEED, TOOLS, TRELLO, ThreeTools

POINTS = [(TRELLO, 1), (TRELLO, 5), (ASANA, 2), (ASANA, 7)]
"""(tool, n): the kill lands while that tool holds the answer to its nth write."""


@pytest.mark.parametrize(("tool", "nth"), POINTS, ids=[f"{t}-write-{n}" for t, n in POINTS])
def test_a_first_push_killed_mid_write_converges_on_the_next_run(
    trello_sim: TrelloSimulator,
    trello_board: str,
    asana_sim: AsanaSimulator,
    asana_world: World,
    tmp_path: Path,
    tool: str,
    nth: int,
) -> None:
    tools = ThreeTools(tmp_path, trello_sim, trello_board, asana_sim, asana_world)
    # The file listed last: its place in the config must not be what keeps the push safe
    # (were it written after Trello, its cards would still lack their markers when the
    # person below retitles one, and the rerun would read that card as a new item).
    tools.write_config(order=(TRELLO, ASANA, NOTES))
    for where, kind, title in SEED:
        tools.create(where, kind, title)
    app = trello_sim.app if tool == TRELLO else asana_sim.app
    app.faults.stall_write_next = nth
    process = start_pairsync("sync", "--config", "pair.toml", cwd=tmp_path)
    try:
        assert app.stalled.wait(30), process.communicate(timeout=30)
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        app.release()
    # People keep working on cards the killed run may or may not have linked yet.
    passport = next(c for c in trello_sim.cards(trello_board) if c.name == "Renew the passport")
    trello_sim.person.edit_card(passport.id, dueComplete=True)
    text = tools.board_path.read_text()
    tools.board_path.write_text(text.replace("Approve the offsite", "Approve the Lisbon offsite"))

    rerun = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)

    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    tools.assert_no_duplicates()
    board = tools.assert_same_board()
    titles = sorted(t for _, _, t in SEED)
    titles[titles.index("Approve the offsite budget")] = "Approve the Lisbon offsite budget"
    assert sorted(item.title for item in board.values()) == sorted(titles)
    assert [item.done for item in board.values() if item.title == "Renew the passport"] == [True]
    for where in TOOLS:
        assert sorted(tools.footers(where)) == sorted(board), where
    assert tools.sync().plan.is_empty
