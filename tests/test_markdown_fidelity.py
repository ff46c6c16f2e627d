"""The person's own board file, before and after real syncs with Trello and Asana (issue
14): every byte a person wrote is checked, and what the other tools show of it. `tools`
is the three-tool pair of tests/facilitation_pair.py."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import pytest

from adapters.trello.mapping import TEMPLATE_DESC
from sync.model import Kind
from sync.store.state import State
from tests.cli_run import pairsync
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools

FRONT = "---\nkanban-plugin: basic\n---\n\n"
SETTINGS = '\n%% kanban:settings\n```\n{"kanban-plugin":"basic"}\n```\n%%\n'


def first_sync(tools: ThreeTools, board: bytes) -> dict[str, str]:
    """The person's file, a first sync and a second that finds nothing to do; item ids
    by title."""
    tools.board_path.write_bytes(board)
    summary = tools.sync()
    assert not summary.failed, summary.to_json()
    assert tools.sync().plan.is_empty
    return tools.ids()


def file_bytes(tools: ThreeTools) -> bytes:
    return tools.board_path.read_bytes()


def settle(tools: ThreeTools) -> None:
    summary = tools.sync()
    assert not summary.failed, summary.to_json()
    assert tools.sync().plan.is_empty
    tools.assert_same_board()


def trello_card(tools: ThreeTools, item_id: str):
    return tools.card_of(item_id)


def asana_task(tools: ThreeTools, item_id: str):
    return tools.task_of(item_id)


def notes_in(tools: ThreeTools, tool: str, item_id: str) -> str:
    (remote,) = tools.shown(tool)[item_id]
    return remote.item.notes


# -- nested notes ---------------------------------------------------------------------------
@pytest.mark.parametrize("indent", ["  ", "   ", "    ", "\t"])
def test_nested_notes_keep_their_indentation_in_the_file_and_the_other_tools(
    tools: ThreeTools, indent: str
) -> None:
    card = (
        f"- [ ] Weekly report is late\n"
        f"{indent}- finance export\n"
        f"{indent}{indent}- only Mondays\n"
        f"{indent}see the Q3 deck\n"
    )
    ids = first_sync(tools, f"## Problems\n\n{card}".encode())
    item_id = ids["Weekly report is late"]
    nested = f"- finance export\n{indent}- only Mondays\nsee the Q3 deck"
    for tool in (TRELLO, ASANA):
        assert notes_in(tools, tool, item_id) == nested, tool
    # The Five Whys were added and the card's notes lines are the person's, byte for byte.
    five_whys = [step.text for step in tools.canonical()[item_id].steps]
    assert len(five_whys) > 2
    steps = "".join(f"{indent}- [ ] {step}\n" for step in five_whys)
    marked = card.replace("late\n", f"late ^ps-{item_id}\n", 1)
    assert file_bytes(tools) == f"## Problems\n\n{marked}{steps}".encode()
    # A change from elsewhere rewrites the card: the nesting stays as it was.
    tools.edit(TRELLO, item_id, title="Weekly report is late again")
    tools.tick(ASANA, item_id, 0)
    settle(tools)
    marked = marked.replace("late ^ps", "late again ^ps")
    ticked = steps.replace("[ ]", "[x]", 1)
    assert file_bytes(tools) == f"## Problems\n\n{marked}{ticked}".encode()
    # Notes changed in Trello arrive with the card's own indent.
    tools.edit(TRELLO, item_id, notes=nested + "\n  - owner: Lee")
    settle(tools)
    body = "".join(f"{indent}{line}\n" for line in (nested + "\n  - owner: Lee").split("\n"))
    assert file_bytes(tools) == f"## Problems\n\n{marked.splitlines()[0]}\n{body}{ticked}".encode()
    assert notes_in(tools, ASANA, item_id) == nested + "\n  - owner: Lee"


# -- byte-order mark ------------------------------------------------------------------------
def test_a_byte_order_mark_is_kept_and_its_first_heading_read(tools: ThreeTools) -> None:
    board = "\ufeff## Goals\n\n- [ ] Grow EMEA revenue\n".encode()
    ids = first_sync(tools, board)
    item_id = ids["Grow EMEA revenue"]
    assert trello_card(tools, item_id).name == "Grow EMEA revenue"
    assert asana_task(tools, item_id).name == "Grow EMEA revenue"
    assert (
        file_bytes(tools) == f"\ufeff## Goals\n\n- [ ] Grow EMEA revenue ^ps-{item_id}\n".encode()
    )
    # An item from elsewhere goes under the existing heading; the mark stays first.
    tools.create(TRELLO, Kind.GOAL, "Hire a COO")
    settle(tools)
    text = file_bytes(tools).decode("utf-8")
    assert text.startswith("\ufeff## Goals\n\n- [ ] Grow EMEA revenue ^ps-")
    assert text.count("## Goals") == 1 and text.count("\ufeff") == 1
    assert "- [ ] Hire a COO ^ps-" in text


# -- HTML comments --------------------------------------------------------------------------
def test_items_inside_html_comments_are_not_synced(tools: ThreeTools) -> None:
    board = (
        "## Actions\n\n- [ ] Call the bank\n<!--\n- [ ] Draft idea, not yet\n\t- [ ] sub\n-->\n"
        "<!-- - [ ] one-line comment -->\n"
        "  <!-- an indented opener\n- [ ] hidden too\n-->\n"
        "- [ ] Renew passport\n\t<!-- a note, not a comment block\n"
    )
    ids = first_sync(tools, board.encode())
    assert set(ids) == {"Call the bank", "Renew passport"}
    titles = {c.name for c in tools.trello.cards(tools.board_id) if c.desc != TEMPLATE_DESC}
    assert titles == set(ids)
    assert notes_in(tools, ASANA, ids["Renew passport"]) == "<!-- a note, not a comment block"
    assert (
        file_bytes(tools)
        == board.replace("bank\n", f"bank ^ps-{ids['Call the bank']}\n")
        .replace("passport\n", f"passport ^ps-{ids['Renew passport']}\n")
        .encode()
    )
    # A title from Trello with a comment opener in it is a title: the card is not hidden.
    tools.create(TRELLO, Kind.ACTION, "Fix the <!-- in the footer")
    settle(tools)
    assert "- [ ] Fix the <!-- in the footer ^ps-" in file_bytes(tools).decode()
    assert not any(item.archived for item in tools.canonical().values())


# -- block ids ------------------------------------------------------------------------------
def test_a_persons_block_id_stays_last_and_out_of_the_title(tools: ThreeTools) -> None:
    ids = first_sync(tools, b"## Actions\n\n- [ ] Block ref ^abc123\n")
    item_id = ids["Block ref"]
    assert file_bytes(tools) == f"## Actions\n\n- [ ] Block ref ^ps-{item_id} ^abc123\n".encode()
    assert trello_card(tools, item_id).name == "Block ref"
    assert asana_task(tools, item_id).name == "Block ref"
    tools.edit(ASANA, item_id, title="Block ref, renamed", due=date(2027, 1, 4))
    settle(tools)
    assert (
        file_bytes(tools)
        == (
            f"## Actions\n\n- [ ] Block ref, renamed @{{2027-01-04}} ^ps-{item_id} ^abc123\n"
        ).encode()
    )
    assert trello_card(tools, item_id).name == "Block ref, renamed"


# -- headings -------------------------------------------------------------------------------
def test_headings_match_in_any_case_and_with_closing_hashes(tools: ThreeTools) -> None:
    board = "# Dana & Lee\n\n## goals\n\n- [ ] Grow\n\n## Actions ##\n\n- [ ] Call Bob\n"
    ids = first_sync(tools, board.encode())
    assert set(ids) == {"Grow", "Call Bob"}
    assert tools.shown(TRELLO)[ids["Grow"]][0].item.kind == Kind.GOAL
    assert tools.shown(ASANA)[ids["Call Bob"]][0].item.kind == Kind.ACTION
    # No heading is added for kinds the file never used...
    expected = board.replace("Grow\n", f"Grow ^ps-{ids['Grow']}\n").replace(
        "Bob\n", f"Bob ^ps-{ids['Call Bob']}\n"
    )
    assert file_bytes(tools) == expected.encode()
    # ... until an item of that kind has to go there; one from Trello goes under `## goals`.
    tools.create(TRELLO, Kind.DECISION, "Approve the budget")
    tools.create(TRELLO, Kind.GOAL, "Hire a COO")
    settle(tools)
    text = file_bytes(tools).decode()
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## goals", "## Decisions", "## Actions ##"]
    assert text.index("Hire a COO") < text.index("## Decisions") < text.index("Approve the")


# -- parsing slips --------------------------------------------------------------------------
def test_kanban_syntax_gives_the_fields_and_keeps_what_it_cannot_show(tools: ThreeTools) -> None:
    board = (
        "## Actions\n\n"
        "- [ ] Ship gifts @{2026-12-24} @@{10:30}\n"
        "- [ ] Two dates @{2026-12-24} @{2026-12-31}\n"
        "-   [ ] Wide marker\n"
        "- [-] Cancelled call\n"
        "- [ ] Bad date @{2026-02-30}\n"
    )
    ids = first_sync(tools, board.encode())
    assert set(ids) == {"Ship gifts", "Two dates", "Wide marker", "Cancelled call", "Bad date"}
    shown = {r.item.title: r.item for (r,) in tools.shown(TRELLO).values()}
    assert shown["Ship gifts"].due == date(2026, 12, 24)
    assert shown["Two dates"].due == date(2026, 12, 24)
    assert shown["Cancelled call"].done and not shown["Wide marker"].done
    assert shown["Bad date"].due is None
    assert trello_card(tools, ids["Cancelled call"]).dueComplete
    # Every item rewritten from Trello: what pairsync cannot show stays as written.
    for title, item_id in ids.items():
        tools.edit(TRELLO, item_id, title=title.upper())
    settle(tools)
    i = ids
    assert file_bytes(tools).decode() == (
        "## Actions\n\n"
        f"- [ ] SHIP GIFTS @{{2026-12-24}} @@{{10:30}} ^ps-{i['Ship gifts']}\n"
        f"- [ ] TWO DATES @{{2026-12-24}} @{{2026-12-31}} ^ps-{i['Two dates']}\n"
        f"- [ ] WIDE MARKER ^ps-{i['Wide marker']}\n"
        f"- [-] CANCELLED CALL ^ps-{i['Cancelled call']}\n"
        f"- [ ] BAD DATE @{{2026-02-30}} ^ps-{i['Bad date']}\n"
    )
    # A new due date from Asana replaces the first date only.
    tools.edit(ASANA, i["Two dates"], due=date(2027, 1, 5))
    settle(tools)
    assert f"- [ ] TWO DATES @{{2027-01-05}} @{{2026-12-31}} ^ps-{i['Two dates']}\n" in (
        file_bytes(tools).decode()
    )


# -- bytes that are not UTF-8 ---------------------------------------------------------------
def test_a_line_that_is_not_utf8_syncs_and_keeps_its_bytes(tools: ThreeTools) -> None:
    board = b"## Actions\n\n- [ ] Caf\xe9 with Dana\n\tnotes \xff\xfe\n- [ ] Call Bob\n"
    tools.board_path.write_bytes(board)
    result = pairsync("sync", "--config", str(tools.config_path), cwd=tools.folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr)
    ids = tools.ids()
    assert set(ids) == {"Café with Dana", "Call Bob"}
    item_id = ids["Café with Dana"]
    assert trello_card(tools, item_id).name == "Café with Dana"
    assert asana_task(tools, item_id).name == "Café with Dana"
    assert notes_in(tools, ASANA, item_id) == "notes ÿþ"
    marker = f" ^ps-{item_id}".encode()
    assert file_bytes(tools) == board.replace(b"Dana\n", b"Dana" + marker + b"\n").replace(
        b"Bob\n", f"Bob ^ps-{ids['Call Bob']}\n".encode()
    )
    tools.edit(TRELLO, item_id, done=True)
    settle(tools)
    assert b"- [x] Caf\xe9 with Dana" + marker + b"\n\tnotes \xff\xfe\n" in file_bytes(tools)


# -- checklists and blank lines -------------------------------------------------------------
def test_a_persons_checklist_on_an_action_is_not_a_five_whys(tools: ThreeTools) -> None:
    board = "## Actions\n\n- [ ] Plan the offsite\n\t- [ ] book the venue\n\t- [x] invite\n"
    ids = first_sync(tools, board.encode())
    item_id = ids["Plan the offsite"]
    card = trello_card(tools, item_id)
    checklists = tools.trello.board(tools.board_id).checklists
    (checklist,) = [checklists[c] for c in card.idChecklists]
    assert checklist.name == "Checklist"
    assert [(i.name, i.state) for i in checklist.items] == [
        ("book the venue", "incomplete"),
        ("invite", "complete"),
    ]
    assert not any(c.desc == TEMPLATE_DESC for c in tools.trello.cards(tools.board_id))
    assert [t.name for t in asana_task(tools, item_id).subtasks] == ["book the venue", "invite"]
    tools.tick(TRELLO, item_id, 0)
    settle(tools)
    assert (
        file_bytes(tools)
        == board.replace("offsite\n\t- [ ]", f"offsite ^ps-{item_id}\n\t- [x]").encode()
    )


def test_blank_lines_at_the_end_of_a_trello_description_settle_in_one_run(
    tools: ThreeTools,
) -> None:
    tools.create(TRELLO, Kind.ACTION, "Prepare the 1:1", notes="Agenda first\n\n\n")
    summary = tools.sync()
    assert not summary.failed, summary.to_json()
    assert tools.sync().plan.is_empty
    item_id = tools.ids()["Prepare the 1:1"]
    for tool in (NOTES, TRELLO, ASANA):
        assert notes_in(tools, tool, item_id) == "Agenda first", tool


def test_after_an_upgrade_a_card_read_anew_reaches_the_other_tools(tools: ThreeTools) -> None:
    """The state a previous version left, which read nested notes flattened and mirrored
    them so: after the upgrade the person's card is read anew, once, and its nesting
    reaches Trello and Asana; the file keeps its bytes."""
    card = "- [ ] Plan the offsite\n  - venue\n    - near the station\n"
    item_id = first_sync(tools, f"## Actions\n\n{card}".encode())["Plan the offsite"]
    board = file_bytes(tools)
    flat = "- venue\n- near the station"
    for tool in (TRELLO, ASANA):
        tools.edit(tool, item_id, notes=flat)
    raw = board.decode().split("\n\n", 1)[1]
    versions = {tool: tools.shown(tool)[item_id][0].version for tool in (TRELLO, ASANA)}
    versions[NOTES] = hashlib.sha256(f"Actions\n{raw}".encode()).hexdigest()[:16]  # v1's
    state = State.open(tools.state_path)
    try:
        record, links = state.items()[item_id], state.links()
        old = record.item.with_(notes=flat)
        with state.transaction():
            state.save_item(item_id, replace(record, item=old))
            for tool, version in versions.items():
                link = replace(links[tool][item_id], version=version, base=old)
                state.save_link(item_id, tool, link)
            state.save_cursor(NOTES, None)  # that version kept no cursor for a file
    finally:
        state.close()
    settle(tools)
    for tool in (TRELLO, ASANA):
        assert notes_in(tools, tool, item_id) == "- venue\n  - near the station", tool
    assert file_bytes(tools) == board
