"""The chat buttons' effect on the board (sync/delivery/buttons.py), through the next sync in all
three tools and the next agenda: keep, park, kill, decided, discuss, discussed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sync.delivery.buttons import ButtonRefused, marks, press
from sync.delivery.notices import agenda_message
from sync.model import Kind
from sync.run.lock import pair_lock
from sync.store.state import State
from tests.facilitation_pair import age, everywhere
from tests.test_agenda import agenda, sections
from tests.three_tools import TRELLO, ThreeTools


def click(tools: ThreeTools, action: str, item_id: str) -> str:
    with pair_lock(tools.state_path):
        state = State.open(tools.state_path)
        try:
            return press(state, action, item_id, datetime.now(UTC), config=tools.config())
        finally:
            state.close()


def test_each_button_reaches_every_tool_on_the_next_sync_and_the_agenda(tools: ThreeTools):
    for kind, title in (
        (Kind.ACTION, "Renew the passport"),
        (Kind.ACTION, "Call the bank"),
        (Kind.ACTION, "Old idea"),
        (Kind.DECISION, "Approve the budget"),
        (Kind.DECISION, "Hire an analyst"),
    ):
        tools.create(TRELLO, kind, title)
    for title in ("Renew the passport", "Call the bank", "Old idea"):
        age(tools, TRELLO, title, 20)
    tools.sync()
    ids = tools.ids()
    assert all("Stale" in everywhere(tools, ids["Old idea"])[t].labels for t in ("notes", "asana"))

    assert click(tools, "stale_keep", ids["Renew the passport"]) == (
        "kept 'Renew the passport': its stale clock restarts"
    )
    assert click(tools, "stale_park", ids["Call the bank"]).startswith("parked 'Call the bank'")
    assert click(tools, "stale_kill", ids["Old idea"]).startswith("killed 'Old idea'")
    assert click(tools, "decision_decided", ids["Approve the budget"]).startswith("decided")
    assert click(tools, "decision_discuss", ids["Hire an analyst"]) == (
        "'Hire an analyst' goes on every agenda until it is discussed"
    )
    summary = tools.sync()
    assert not summary.failed

    for tool, item in everywhere(tools, ids["Renew the passport"]).items():
        assert "Stale" not in item.labels, tool
    assert all(item.archived for item in everywhere(tools, ids["Old idea"]).values())
    assert all(item.done for item in everywhere(tools, ids["Approve the budget"]).values())
    assert "Stale" in everywhere(tools, ids["Call the bank"])[TRELLO].labels  # parked, not kept

    now = datetime.now(UTC)
    state = State.open(tools.state_path)
    try:
        slack = agenda_message(tools.config(), state.items(), now, now, marks(state, now))
    finally:
        state.close()
    shown = {section.title: [e.text for e in section.entries] for section in slack.sections}
    assert shown["To discuss"] == ["decision: Hire an analyst"]  # the chat's agenda too
    assert all(
        "discuss" in item.labels for item in everywhere(tools, ids["Hire an analyst"]).values()
    )
    assert not any("Call the bank" in text for text in shown.get("Stale: keep, park or kill?", []))

    first = sections(agenda(tools))
    assert first["To discuss"] == ["- decision: Hire an analyst — new"]
    assert first["Stale: keep, park or kill?"] == []  # kept, parked and killed
    second = sections(agenda(tools))  # a talking point carries over until discussed
    assert second["To discuss"] == ["- decision: Hire an analyst — waited 1 1:1"]
    assert click(tools, "talking_point_discussed", ids["Hire an analyst"]).startswith("discussed")
    assert "To discuss" not in sections(agenda(tools))
    tools.sync()
    assert not any(
        "discuss" in i.labels for i in everywhere(tools, ids["Hire an analyst"]).values()
    )


def test_an_unknown_item_or_button_is_refused(tools: ThreeTools):
    tools.create(TRELLO, Kind.ACTION, "Renew the passport")
    tools.sync()
    with pytest.raises(ButtonRefused, match="no item 0123456789abcdef on the board"):
        click(tools, "stale_keep", "0123456789abcdef")
    with pytest.raises(ButtonRefused, match="unknown button 'stale_burn'"):
        click(tools, "stale_burn", tools.ids()["Renew the passport"])
