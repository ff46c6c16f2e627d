"""The partnership rules as pure functions (sync/plan/partnership.py and the agenda's
`waited`), property-tested without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from sync.delivery.agenda import waited
from sync.model import Item, Kind, Owner
from sync.plan.partnership import (
    ACK_NEEDED,
    DISCUSS,
    gave,
    kinds_off_in_use,
    needs_ack,
    raised_at,
    waited_words,
)

START = datetime(2026, 1, 5, tzinfo=UTC)
kinds = st.sampled_from(list(Kind))
roles = st.sampled_from(["executive", "assistant", "shared", None])
labels = st.frozensets(st.sampled_from([ACK_NEEDED, DISCUSS, "travel"]))
items = st.builds(
    Item,
    kind=kinds,
    title=st.just("x"),
    done=st.booleans(),
    archived=st.booleans(),
    labels=labels,
    owner=st.sampled_from([*Owner, None]),
)
moments = st.integers(0, 60 * 24 * 90).map(lambda minutes: START + timedelta(minutes=minutes))


@given(before=st.one_of(st.none(), items), item=items, role=roles)
def test_only_a_decision_closed_now_outside_the_assistants_tool_waits_for_an_ack(
    before: Item | None, item: Item, role: str | None
) -> None:
    closed_now = before is None or not before.done or before.kind is not Kind.DECISION
    expected = (
        item.kind is Kind.DECISION
        and item.done
        and not item.archived
        and ACK_NEEDED not in item.labels
        and role != "assistant"
        and closed_now
    )
    assert needs_ack(before, item, role) == expected
    if expected:  # once labelled, never asked again
        assert not needs_ack(before, item.with_(labels=item.labels | {ACK_NEEDED}), role)


@given(steps=st.lists(st.tuples(st.sampled_from("abc"), st.booleans()), max_size=30))
def test_a_label_was_raised_when_it_last_appeared(steps: list[tuple[str, bool]]) -> None:
    history = []
    shown: dict[str, bool] = {}
    last_raised: dict[str, datetime] = {}
    for minute, (item_id, on) in enumerate(steps):
        at = START + timedelta(minutes=minute)
        before = Item(Kind.ACTION, "x", labels=frozenset({DISCUSS})) if shown.get(item_id) else None
        if item_id in shown and not shown[item_id]:
            before = Item(Kind.ACTION, "x")
        after = Item(Kind.ACTION, "x", labels=frozenset({DISCUSS} if on else ()))
        history.append((at, item_id, before, after))
        if on and not shown.get(item_id):
            last_raised[item_id] = at
        if not on:
            last_raised.pop(item_id, None)
        shown[item_id] = on
    assert raised_at(history, DISCUSS) == last_raised


@given(since=moments, weeks=st.integers(0, 10), hour=st.integers(0, 23))
def test_a_weekly_meeting_is_met_once_a_week(since: datetime, weeks: int, hour: int) -> None:
    meeting = f"wednesday {hour}:30"
    now = since + timedelta(weeks=weeks)
    assert waited(since, now, (), meeting, ZoneInfo("UTC")) == weeks


@given(since=moments, agendas=st.lists(moments, max_size=12), later=moments)
def test_without_a_meeting_the_agendas_made_since_count(
    since: datetime, agendas: list[datetime], later: datetime
) -> None:
    now = max(since, later)
    count = waited(since, now, agendas, None, ZoneInfo("UTC"))
    assert count == len([at for at in agendas if since < at <= now])
    assert waited_words(count) == (
        "new" if count == 0 else f"waited {count} 1:1" + "s" * (count != 1)
    )


@given(item=items, role=roles)
def test_feedback_is_from_its_owner_else_its_tools_side(item: Item, role: str | None) -> None:
    giver = gave(item, role)
    if item.owner is not None:
        assert giver is item.owner
    elif role in ("executive", "assistant"):
        assert giver is Owner(role)
    else:
        assert giver is None


@given(on=st.sets(kinds), board=st.lists(items, max_size=8))
def test_a_kind_cannot_be_turned_off_while_its_items_are_live(
    on: set[Kind], board: list[Item]
) -> None:
    off = kinds_off_in_use(on, board)
    for kind in off:  # each named kind is off and has a live item
        assert Kind(kind) not in on and any(i.kind.value == kind and not i.archived for i in board)
    assert kinds_off_in_use(on | {i.kind for i in board}, board) == []
    assert kinds_off_in_use(on, [i.with_(archived=True) for i in board]) == []
