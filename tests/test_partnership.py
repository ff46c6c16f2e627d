"""The partnership rules through the three tools (Markdown, Trello as the assistant's,
Asana as the executive's) and `pairsync agenda`: wins and feedback kinds, decisions the
assistant acknowledges (in a tool, or *Got it* in chat), talking points carried over,
delegation and growth, a win added from chat, and a kind that cannot be turned off."""

from __future__ import annotations

from datetime import UTC, datetime

from sync.delivery.notices import decisions_message
from sync.model import Kind, Owner
from sync.plan.partnership import ACK_NEEDED, ASK_FIRST, DISCUSS, GROWTH
from sync.store.state import State
from tests.cli_run import pairsync
from tests.facilitation_pair import ASSISTANT, EXECUTIVE, configure, everywhere
from tests.test_agenda import agenda, sections
from tests.test_buttons import click
from tests.three_tools import ASANA, NOTES, TOOLS, TRELLO, ThreeTools

KINDS = ["goal", "decision", "problem", "action", "win", "feedback"]


def test_wins_and_feedback_lists_are_made_on_the_next_sync_and_nothing_else_is_touched(
    three_tools: ThreeTools,
) -> None:
    tools = three_tools
    configure(tools)
    tools.create(TRELLO, Kind.ACTION, "Book flights")
    tools.sync()
    board_before = tools.board_path.read_text(encoding="utf-8")
    assert "## Wins" not in board_before
    trello_lists = {t.name for t in tools.trello.board(tools.board_id).lists.values()}
    assert "Wins" not in trello_lists

    configure(tools, board={"kinds": KINDS})  # turned on later
    summary = tools.sync()

    assert not summary.failed, summary.to_json()
    trello_lists = {t.name for t in tools.trello.board(tools.board_id).lists.values()}
    assert {"Wins", "Feedback"} <= trello_lists
    sections_ = {s.name for s in tools.asana.backend.sections.values()}
    assert {"Wins", "Feedback"} <= sections_
    board = tools.board_path.read_text(encoding="utf-8")
    assert "## Wins" in board and "## Feedback" in board
    assert board.replace("## Wins\n\n", "").replace("## Feedback\n\n", "") == board_before
    assert sum(t.created + t.updated + t.archived for t in summary.targets.values()) == 0
    assert tools.sync().plan.is_empty
    again = tools.sync()
    assert again.targets[TRELLO].requests <= 1 and again.targets[ASANA].requests <= 1


def test_the_agenda_opens_with_wins_and_has_feedback_both_ways(three_tools: ThreeTools) -> None:
    tools = three_tools
    configure(tools, board={"kinds": KINDS})
    tools.sync()  # the lists are made
    tools.create(TRELLO, Kind.WIN, "Board deck shipped a day early")
    tools.create(ASANA, Kind.FEEDBACK, "The travel plan was spot on")  # the executive's tool
    tools.create(TRELLO, Kind.FEEDBACK, "Faster replies on approvals would help")
    tools.create(NOTES, Kind.ACTION, "Renew the passport")
    tools.sync()
    ids = tools.ids()
    tools.edit(NOTES, ids["Board deck shipped a day early"], owner=Owner.ASSISTANT)
    tools.edit(ASANA, ids["Renew the passport"], done=True)
    tools.sync()

    text = agenda(tools)

    found = sections(text)
    assert list(found)[:2] == ["Wins", "Feedback"]
    assert found["Wins"] == [
        f"- win: Board deck shipped a day early — thanks, {ASSISTANT}",
        "- action: Renew the passport",
    ]
    assert found["Feedback"] == [
        f"- feedback from {EXECUTIVE}: The travel plan was spot on",
        f"- feedback from {ASSISTANT}: Faster replies on approvals would help",
    ]
    assert not any("feedback" in line for line in found["New since last time"])
    for tool in TOOLS:
        shown = tools.shown(tool)[ids["Board deck shipped a day early"]][0].item
        assert shown.kind is Kind.WIN, tool


def test_a_decision_the_executive_closes_waits_until_the_ack_tag_goes_in_asana(
    three_tools: ThreeTools,
) -> None:
    tools = three_tools
    configure(tools, decisions={"acknowledge": True})
    tools.create(NOTES, Kind.DECISION, "Move the offsite to May")
    tools.create(NOTES, Kind.DECISION, "Drop the Friday stand-up")
    tools.sync()
    ids = tools.ids()
    offsite, standup = ids["Move the offsite to May"], ids["Drop the Friday stand-up"]
    tools.edit(ASANA, offsite, done=True)  # the executive decides in their tool
    tools.edit(TRELLO, standup, done=True)  # the assistant closes one: nothing to ack
    summary = tools.sync()
    assert not summary.failed

    for tool, item in everywhere(tools, offsite).items():
        assert ACK_NEEDED in item.labels and item.done, tool
    assert all(ACK_NEEDED not in item.labels for item in everywhere(tools, standup).values())
    waiting = sections(agenda(tools))["Decisions to acknowledge"]
    assert waiting == [f"- decision: Move the offsite to May — waiting for {ASSISTANT} since today"]
    stale = pairsync("stale", "--config", "pair.toml", cwd=tools.folder)
    assert stale.stdout.splitlines() == [
        "nothing is stale",
        f"   0 days  decision Move the offsite to May  (decided; waiting for {ASSISTANT}'s "
        "acknowledgement: Ack needed)",
    ]

    task_labels = everywhere(tools, offsite)[ASANA].labels
    tools.edit(ASANA, offsite, labels=task_labels - {ACK_NEEDED})  # a person removes the tag
    tools.sync()

    for tool, item in everywhere(tools, offsite).items():
        assert ACK_NEEDED not in item.labels and item.done, tool
    assert sections(agenda(tools))["Decisions to acknowledge"] == []
    assert tools.sync().plan.is_empty  # acknowledged stays acknowledged


def test_a_talking_point_is_carried_until_discussed_and_ask_first_needs_a_call(
    three_tools: ThreeTools,
) -> None:
    tools = three_tools
    configure(tools)
    tools.create(TRELLO, Kind.ACTION, "Sign the vendor contract")
    tools.create(NOTES, Kind.ACTION, "Book the team dinner")
    tools.create(ASANA, Kind.GOAL, "Speak at a conference")
    tools.sync()
    ids = tools.ids()
    contract, dinner = ids["Sign the vendor contract"], ids["Book the team dinner"]
    tools.edit(TRELLO, contract, labels=frozenset({DISCUSS, ASK_FIRST}))
    tools.edit(NOTES, dinner, labels=frozenset({"authority/decide"}))
    tools.edit(ASANA, ids["Speak at a conference"], labels=frozenset({GROWTH}))
    tools.sync()

    first = sections(agenda(tools))
    second = sections(agenda(tools))

    assert first["To discuss"] == ["- action: Sign the vendor contract — new"]
    assert second["To discuss"] == ["- action: Sign the vendor contract — waited 1 1:1"]
    assert (
        first["Needs your call"]
        == second["Needs your call"]
        == ["- action: Sign the vendor contract"]
    )
    assert second["Growth"] == ["- goal: Speak at a conference"]
    labels = everywhere(tools, contract)[ASANA].labels
    tools.edit(ASANA, contract, labels=labels - {DISCUSS})  # discussed: the label comes off
    tools.sync()
    third = sections(agenda(tools))
    assert "To discuss" not in third
    assert all(DISCUSS not in item.labels for item in everywhere(tools, contract).values())


def test_got_it_and_a_win_from_chat_reach_every_tool(three_tools: ThreeTools) -> None:
    tools = three_tools
    configure(tools, board={"kinds": KINDS}, decisions={"acknowledge": True})
    tools.create(NOTES, Kind.DECISION, "Move the offsite to May")
    tools.sync()
    offsite = tools.ids()["Move the offsite to May"]
    tools.edit(ASANA, offsite, done=True)
    tools.sync()
    state = State.open(tools.state_path)
    try:
        digest = decisions_message(tools.config(), state.items(), datetime.now(UTC))
    finally:
        state.close()
    assert digest is not None
    assert digest.title == f"1 decision waiting for {ASSISTANT}'s acknowledgement"
    (section,) = digest.sections
    (entry,) = section.entries
    assert [b.label for b in entry.buttons] == ["Got it", "A win!"]

    assert click(tools, "decision_ack", offsite).startswith("acknowledged")
    assert click(tools, "win_add", offsite).startswith("celebrated")
    assert click(tools, "win_add", offsite).startswith("celebrated")  # twice: one win
    tools.sync()

    assert all(ACK_NEEDED not in item.labels for item in everywhere(tools, offsite).values())
    wins = [i for i, item in tools.canonical().items() if item.kind is Kind.WIN]
    assert len(wins) == 1
    for tool, item in everywhere(tools, wins[0]).items():
        assert (item.kind, item.title) == (Kind.WIN, "Move the offsite to May"), tool
    assert tools.sync().plan.is_empty


def test_a_kind_with_items_cannot_be_turned_off(three_tools: ThreeTools) -> None:
    tools = three_tools
    configure(tools, board={"kinds": KINDS})
    tools.sync()
    tools.create(TRELLO, Kind.WIN, "Closed the books early")
    tools.sync()
    configure(tools)
    result = pairsync("sync", "--config", "pair.toml", cwd=tools.folder)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pairsync: pair.toml: board.kinds: win items are on the board; keep the kind on "
        "(archive them first to turn it off)"
    )
