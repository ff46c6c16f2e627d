"""Stale items across Markdown, Trello and Asana, through the engine and the simulators: the
clock is each tool's own timestamp of a person's last change, pairsync's writes (mirror
echoes and the stale label itself) never move it, and a person's touch anywhere clears it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sync.model import Kind
from sync.run.summary import summary_lines
from tests.cli_run import pairsync
from tests.facilitation_pair import ASSISTANT, EXECUTIVE, age, configure, records, writes
from tests.three_tools import ARCHIVE, ASANA, NOTES, TOOLS, TRELLO, ThreeTools

LABEL = "Stale"


def labelled(tools: ThreeTools) -> dict[str, set[str]]:
    """Titles of the items showing the stale label, per tool."""
    return {
        tool: {
            copies[0].item.title
            for copies in tools.shown(tool).values()
            if LABEL in copies[0].item.labels
        }
        for tool in TOOLS
    }


def test_untouched_items_are_marked_in_every_tool_and_pairsyncs_writes_keep_them_stale(
    tools: ThreeTools,
) -> None:
    board = tools.board_id
    tools.trello.person.create_card(
        board, "Actions", "Renew the passport", labels=["owner/assistant"]
    )
    tools.create(ASANA, Kind.DECISION, "Approve the offsite budget")
    tools.create(TRELLO, Kind.PROBLEM, "Invoices paid late")
    tools.create(TRELLO, Kind.ACTION, "Fresh idea")
    tools.create(NOTES, Kind.ACTION, "Call the bank")
    tools.create(NOTES, Kind.GOAL, "Grow EMEA revenue")  # goals are exempt by default
    age(tools, TRELLO, "Renew the passport", 20)
    age(tools, ASANA, "Approve the offsite budget", 30)
    age(tools, TRELLO, "Invoices paid late", 18)
    age(tools, NOTES, "Call the bank", 16)

    first = tools.sync()

    old = {
        "Renew the passport",
        "Approve the offsite budget",
        "Invoices paid late",
        "Call the bank",
    }
    assert labelled(tools) == {tool: old for tool in TOOLS}
    assert "#Stale" in tools.board_path.read_text()
    assert "marked stale 'Renew the passport' (untouched 20 days)" in summary_lines(first)
    card = next(c for c in tools.trello.cards(board) if c.name == "Renew the passport")
    written = datetime.fromisoformat(card.dateLastActivity.replace("Z", "+00:00"))
    assert datetime.now(UTC) - written < timedelta(days=1), "the label write is recent activity"

    second = tools.sync()

    assert (writes(second), second.facilitation) == (0, [])
    assert labelled(tools) == {tool: old for tool in TOOLS}
    ages = {r.item.title: (datetime.now(UTC) - r.touched_at).days for r in records(tools).values()}
    assert ages["Renew the passport"] == 20, "neither the label nor its echo reset the clock"
    listed = pairsync("stale", "--config", "pair.toml", "--json", cwd=tools.folder)
    assert listed.returncode == 0, listed.stderr
    rows = [
        (r["title"], r["age_days"], r["last_tool"], r["ball_with"], r["five_whys"])
        for r in json.loads(listed.stdout)
    ]
    assert rows == [
        ("Approve the offsite budget", 30, ASANA, EXECUTIVE, None),
        ("Renew the passport", 20, TRELLO, ASSISTANT, None),
        ("Invoices paid late", 18, TRELLO, "nobody yet (no owner)", "0/5 steps"),
        ("Call the bank", 16, NOTES, "nobody yet (no owner)", None),
    ]


def test_a_persons_touch_in_any_tool_clears_the_mark_everywhere(tools: ThreeTools) -> None:
    titles = {NOTES: "Call the bank", TRELLO: "Renew the passport", ASANA: "Book flights"}
    for tool, title in titles.items():
        tools.create(tool, Kind.ACTION, title)
        age(tools, tool, title, 20)
    tools.create(TRELLO, Kind.ACTION, "Nobody touches this")
    age(tools, TRELLO, "Nobody touches this", 20)
    tools.sync()
    assert labelled(tools) == {tool: {*titles.values(), "Nobody touches this"} for tool in TOOLS}
    ids = tools.ids()

    tools.edit(ASANA, ids["Call the bank"], notes="ask about the fees")  # touched elsewhere
    tools.edit(NOTES, ids["Renew the passport"], title="Renew the passport (urgent)")
    tools.edit(TRELLO, ids["Book flights"], notes="aisle seat")
    summary = tools.sync()

    assert labelled(tools) == {tool: {"Nobody touches this"} for tool in TOOLS}
    assert "cleared the stale mark of 'Call the bank' (touched in asana)" in summary_lines(summary)
    assert writes(tools.sync()) == 0


def test_archive_after_days_exemptions_and_the_cap_on_writes_per_run(tools: ThreeTools) -> None:
    configure(
        tools,
        stale={
            "after_days": 14,
            "archive_after_days": 10,
            "exempt_labels": ["keep"],
            "max_writes_per_run": 2,
        },
    )
    board = tools.board_id
    tools.trello.person.create_card(board, "Actions", "Kept on purpose", labels=["keep"])
    age(tools, TRELLO, "Kept on purpose", 40)
    for title, days in (("Forgotten", 20), ("Idle A", 15), ("Idle B", 15), ("Idle C", 15)):
        tools.create(TRELLO, Kind.ACTION, title)
        age(tools, TRELLO, title, days)

    counts = [len(tools.sync().facilitation) for _ in range(2)]
    later = tools.sync(now=datetime.now(UTC) + timedelta(days=5))  # "Forgotten": stale 11 days

    assert counts == [2, 2], "four marks, two per run"
    assert [(e.kind, e.title) for e in later.facilitation] == [("stale_archive", "Forgotten")]
    forgotten = tools.ids()["Forgotten"]
    assert tools.canonical()[forgotten].archived
    assert tools.card_of(forgotten).closed
    assert tools.shown(NOTES)[forgotten][0].hidden == frozenset({"kind"}), f"under ## {ARCHIVE}"
    assert tools.shown(ASANA)[forgotten][0].item.archived
    stale = {"Forgotten", "Idle A", "Idle B", "Idle C"}
    assert labelled(tools) == {tool: stale for tool in TOOLS}, "never the exempt one"


def test_dry_run_says_what_would_be_marked_and_writes_nothing(tools: ThreeTools) -> None:
    tools.create(TRELLO, Kind.ACTION, "Renew the passport")
    age(tools, TRELLO, "Renew the passport", 20)
    before = tools.trello.request_count()

    result = pairsync("sync", "--config", "pair.toml", "--dry-run", cwd=tools.folder)

    assert result.returncode == 0, result.stderr
    assert "would mark stale 'Renew the passport' (untouched 20 days)" in result.stdout
    [card] = tools.trello.cards(tools.board_id)
    assert card.idLabels == [] and not tools.state_path.exists()
    assert tools.trello.stats.requests.keys() <= {"GET /1/boards/<id>"}
    assert tools.trello.request_count() - before == 1
