"""The pure parts of the channels: when the meeting is, what is due, and messages that
fit Slack's and Teams' limits (examples and hypothesis properties; no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack.channel import MAX_BLOCKS, render_blocks
from adapters.slack.sim.models import check_blocks
from adapters.teams.channel import MAX_BYTES, envelope
from sync.channels.base import Button, Entry, Message, Section
from sync.config import PairConfig
from sync.delivery.meeting import next_meeting, parse_meeting
from sync.delivery.notices import agenda_message, decisions_due, health_notices, meeting_due
from sync.model import Item, Kind
from sync.store.state import ItemRecord, SentRecord

NEW_YORK = ZoneInfo("America/New_York")


def test_the_next_meeting_keeps_its_local_time_across_daylight_saving() -> None:
    before = next_meeting("thursday 10:00", NEW_YORK, datetime(2026, 10, 30, tzinfo=UTC))
    after = next_meeting("thursday 10:00", NEW_YORK, before + timedelta(minutes=1))
    assert (before.isoformat(), after.isoformat()) == (
        "2026-11-05T10:00:00-05:00",
        "2026-11-12T10:00:00-05:00",
    )
    summer = next_meeting("Monday 9:30", NEW_YORK, datetime(2026, 7, 1, tzinfo=UTC))
    assert summer.isoformat() == "2026-07-06T09:30:00-04:00"


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)))
def test_the_next_meeting_is_the_first_one_after_now(naive: datetime) -> None:
    now = naive.replace(tzinfo=UTC)
    start = next_meeting("thursday 10:00", NEW_YORK, now)
    assert now < start <= now + timedelta(days=7, hours=1)
    assert (start.weekday(), start.hour, start.minute) == (3, 10, 0)


@pytest.mark.parametrize("text", ["thursday", "thurs 10:00", "friday 25:00", "10:00 monday"])
def test_a_meeting_that_is_not_a_weekday_and_time_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match='such as "thursday 10:00"'):
        parse_meeting(text)


def sent(kind: str, substance: str, day: int, closed: bool = False) -> SentRecord:
    return SentRecord(kind, "C1/1.2", "d", substance, datetime(2026, 12, day, tzinfo=UTC), closed)


def test_the_decisions_digest_is_due_only_when_its_list_changed_since_the_last_one() -> None:
    today = Message("decisions", "decisions 2026-12-03", "1 decision waiting for Dana")
    assert not decisions_due(None, {})
    assert decisions_due(today, {})
    assert not decisions_due(today, {"decisions 2026-12-02": sent("decisions", today.substance, 2)})
    assert decisions_due(today, {"decisions 2026-12-02": sent("decisions", "other", 2)})


def test_a_health_incident_opens_once_and_resolves_once() -> None:
    failing = {"targets": {"office": {"errors": ["office: cannot read board.md"]}}}
    fine = {"targets": {"office": {"errors": []}}}

    (opened,) = health_notices("ceo-ea", failing, 7, {})
    open_row = {opened.message.key: sent("health", "s", 2)}
    assert opened.message.key == "health target office run 7"
    assert health_notices("ceo-ea", failing, 8, open_row) == []
    (resolved,) = health_notices("ceo-ea", fine, 9, open_row)
    assert resolved.resolves == opened.message.key
    closed = {opened.message.key: sent("health", "s", 2, closed=True)}
    assert health_notices("ceo-ea", fine, 10, closed) == []


def test_a_held_mass_vanish_is_an_incident_that_says_so() -> None:
    summary = {
        "targets": {"notes": {"errors": ["notes: 5 items vanished at once; held"]}},
        "held": {"notes": 5},
    }
    (notice,) = health_notices("ceo-ea", summary, 4, {})
    assert notice.message.title == (
        "pairsync ceo-ea: notes lost 5 items at once; they are held, not archived"
    )
    assert "  - notes: 5 items vanished at once; held" in notice.message.text().splitlines()


def test_conflicts_are_one_notice_for_the_run() -> None:
    summary = {
        "targets": {},
        "conflicts": [
            {
                "title": "Book flights",
                "field": "due",
                "winner": "asana",
                "winner_value": "2026-12-04",
                "losers": [{"target": "trello", "value": "2026-12-05"}],
            }
        ],
    }
    (notice,) = health_notices("ceo-ea", summary, 3, {})
    assert notice.message.text().splitlines() == [
        "pairsync ceo-ea: 1 conflict to look at",
        "",
        "Both tools changed the same field; the losing value is kept:",
        "  - 'Book flights' due: kept asana='2026-12-04' over trello='2026-12-05'",
    ]


BUTTONS = (Button("stale_keep", "Keep", "p:0123456789abcdef"),)
entries = st.builds(
    Entry,
    st.text(min_size=1, max_size=4000),
    st.text(max_size=50),
    st.sampled_from([(), BUTTONS]),
)
messages = st.builds(
    Message,
    st.just("agenda"),
    st.just("agenda 2026-12-03T10:00"),
    st.text(min_size=1, max_size=300).filter(str.strip),
    st.lists(
        st.builds(
            Section,
            st.text(min_size=1, max_size=80),
            st.tuples(*[entries] * 0) | st.lists(entries, max_size=60).map(tuple),
        ),
        max_size=7,
    ).map(tuple),
    st.text(max_size=200),
)


@given(messages)
def test_any_message_fits_block_kit_limits(message: Message) -> None:
    blocks = render_blocks(message, message.marker("p"))
    assert len(blocks) <= MAX_BLOCKS
    assert check_blocks(json.dumps(blocks)) == blocks  # the simulator's Block Kit checks


@given(messages)
def test_any_message_fits_a_teams_card(message: Message) -> None:
    assert len(json.dumps(envelope(message))) <= MAX_BYTES + 200


def test_a_long_agenda_shows_what_fits_and_counts_the_rest() -> None:
    many = tuple(Entry(f"item {n:02d} " + "x" * 900, buttons=BUTTONS) for n in range(150))
    message = Message("agenda", "k", "Agenda", (Section("Stale: keep, park or kill?", many),))

    blocks = render_blocks(message, message.marker("p"))

    assert len(blocks) == MAX_BLOCKS
    text = "\n".join(b["text"]["text"] for b in blocks if b["type"] in ("header", "section"))
    with_buttons = sum(1 for b in blocks if b["type"] == "actions")
    shown = sum(f"item {n:02d} " in text for n in range(150))
    assert with_buttons == 23 and shown < 150
    assert text.endswith(f"… and {150 - shown} more (see `pairsync agenda`)")


def pair_config(lead_hours: int = 24) -> PairConfig:
    return PairConfig(
        pair={"name": "ceo-ea", "timezone": "America/New_York"},
        state={"path": "state.sqlite"},
        agenda={"meeting": "thursday 10:00", "lead_hours": lead_hours},
        targets=[{"name": "notes", "type": "markdown", "path": "board.md"}],
    )


@given(st.integers(min_value=1, max_value=144), st.integers(min_value=0, max_value=7 * 24 * 60))
def test_the_agenda_is_due_exactly_inside_the_lead_window(lead: int, minutes: int) -> None:
    config = pair_config(lead)
    now = datetime(2026, 11, 30, tzinfo=UTC) + timedelta(minutes=minutes)
    start, due = meeting_due(config, now) or (None, None)
    assert start is not None and now < start
    assert due == (start - now <= timedelta(hours=lead))


def test_the_agenda_message_puts_the_agreed_buttons_on_stale_items_and_decisions() -> None:
    config = pair_config()
    now = datetime(2026, 12, 2, 15, tzinfo=UTC)
    old = now - timedelta(days=30)
    decision, action = Item(Kind.DECISION, "Pick the CRM"), Item(Kind.ACTION, "Renew the lease")
    records = {
        "00000000000000d1": ItemRecord(decision, now, "notes", created_at=now),
        "00000000000000a1": ItemRecord(action, old, "notes", created_at=old),
    }
    start, _ = meeting_due(config, now) or (now, False)

    message = agenda_message(config, records, start, now)

    buttons = {
        entry.text: [(b.action_id, b.value) for b in entry.buttons]
        for section in message.sections
        for entry in section.entries
        if entry.buttons
    }
    assert buttons == {
        "decision: Pick the CRM": [
            ("decision_decided", "ceo-ea:00000000000000d1"),
            ("decision_discuss", "ceo-ea:00000000000000d1"),
        ],
        "action: Renew the lease": [
            ("stale_keep", "ceo-ea:00000000000000a1"),
            ("stale_park", "ceo-ea:00000000000000a1"),
            ("stale_kill", "ceo-ea:00000000000000a1"),
        ],
    }
    assert message.key == "agenda 2026-12-03T10:00"
