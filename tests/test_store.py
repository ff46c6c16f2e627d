"""The store contract: what every state backend keeps and gives back, as typed rows.

Every test runs once per backend in `STORES`; a second backend (PostgreSQL) adds its
opener there and passes the same tests without any caller changing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sync.contract import Link
from sync.documents.base import Mark
from sync.errors import StateError
from sync.model import Item, Kind, Step
from sync.plan.partnership import raised_at
from sync.store.rows import ItemRecord, PublishedRecord, SentRecord, WebhookRecord
from sync.store.state import State


def _postgres(folder: Path, request: pytest.FixtureRequest) -> State:
    from sync.store.postgres import PostgresState

    return PostgresState.connect(request.getfixturevalue("migrated_database"), folder.name)


STORES: dict[str, Callable[[Path, pytest.FixtureRequest], State]] = {
    "sqlite": lambda folder, _: State.open(folder / "state.sqlite"),
    "postgres": _postgres,
}
"""Backend name -> how to open that backend's state for a test folder (again: reopen);
PostgreSQL's keys the pair's rows by the folder's name, in a database of the test's own."""

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
GOAL = Item(kind=Kind.GOAL, title="Hire a COO", notes="by Q2", labels=frozenset({"hiring"}))
PROBLEM = Item(kind=Kind.PROBLEM, title="Churn", steps=(Step("Why?", True),))


@pytest.fixture(params=sorted(STORES))
def opener(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], State]:
    return lambda: STORES[request.param](tmp_path, request)


@pytest.fixture
def state(opener: Callable[[], State]) -> Iterator[State]:
    opened = opener()
    yield opened
    opened.close()


def test_items_come_back_whole_after_a_reopen(opener: Callable[[], State]) -> None:
    record = ItemRecord(GOAL, AT, "trello", True, AT - timedelta(days=1), "a" * 16, AT)
    state = opener()
    with state.transaction():
        state.save_item("0123456789abcdef", record)
        state.save_item("fedcba9876543210", ItemRecord(PROBLEM, AT))
    state.close()
    state = opener()
    try:
        items = state.items()
    finally:
        state.close()
    assert items["0123456789abcdef"] == record
    assert items["fedcba9876543210"].item == PROBLEM
    assert items["fedcba9876543210"].created_at == AT  # a first save: created when touched


def test_a_remote_id_relinked_to_another_item_moves_to_it(state: State) -> None:
    with state.transaction():
        state.save_item("a" * 16, ItemRecord(GOAL, AT))
        state.save_item("b" * 16, ItemRecord(GOAL, AT))
        state.save_link("a" * 16, "trello", Link("card-1", "v1", GOAL))
        state.save_link("a" * 16, "asana", Link("task-1", "v1", GOAL, gone=True))
        state.save_link("b" * 16, "trello", Link("card-1", "v2", GOAL))
    assert state.links() == {
        "trello": {"b" * 16: Link("card-1", "v2", GOAL)},
        "asana": {"a" * 16: Link("task-1", "v1", GOAL, gone=True)},
    }


def test_cursors_places_and_holds_are_replaced_not_merged(state: State) -> None:
    with state.transaction():
        state.save_cursor("trello", "action-9")
        state.save_places("asana", {Kind.GOAL: ("s1", "Goals"), Kind.ACTION: ("s2", "To do")})
        state.save_places("asana", {Kind.GOAL: ("s1", "Objectives")})
        state.save_holds({"trello": frozenset({"a" * 16, "b" * 16})})
        state.save_holds({"asana": frozenset({"c" * 16})})
    assert state.cursor("trello") == "action-9"
    assert state.cursor("asana") is None
    assert state.places("asana") == {Kind.GOAL: ("s1", "Objectives")}
    assert state.holds() == {"asana": frozenset({"c" * 16})}
    with state.transaction():
        state.save_cursor("trello", None)  # the next read is a full one
    assert state.cursor("trello") is None


def test_every_targets_places_and_cursor_in_one_ask_agree_with_each_asked_alone(
    state: State,
) -> None:
    with state.transaction():
        state.save_cursor("trello", "action-9")
        state.save_places("trello", {Kind.GOAL: ("l1", "Goals")})
        state.save_places("asana", {Kind.GOAL: ("s1", "Goals"), Kind.ACTION: ("s2", "To do")})
        state.save_places("notion", {Kind.GOAL: ("n1", "Goals")})  # not asked for below
    asked = ["trello", "asana", "notes"]
    assert state.recorded_places(asked) == {target: state.places(target) for target in asked}
    assert state.recorded_places(asked)["asana"] == {
        Kind.GOAL: ("s1", "Goals"),
        Kind.ACTION: ("s2", "To do"),
    }
    assert state.recorded_cursors(asked) == {"trello": "action-9", "asana": None, "notes": None}


def test_runs_keep_their_summary_changes_and_undo_as_typed_rows(state: State) -> None:
    with state.transaction():
        first = state.start_run()
        state.save_item("a" * 16, ItemRecord(GOAL, AT))
        state.save_run_item(first, "a" * 16, None, GOAL)
        state.finish_run(first, {"pair": "ceo-ea", "targets": {"trello": {"created": 1}}})
        click = state.start_run()
        state.finish_run(click, {"click": "slack: dana kept 'Hire a COO'", "item_id": "a" * 16})
        undo = state.start_run()
        state.save_run_item(undo, "a" * 16, GOAL, GOAL.with_(archived=True))
        state.record_undo(undo, first)
        unfinished = state.start_run()
    runs = state.runs()
    assert [r.run_id for r in runs] == [first, click, undo, unfinished]
    assert runs[0].summary == {"pair": "ceo-ea", "targets": {"trello": {"created": 1}}}
    assert (runs[0].items_changed, runs[2].items_changed, runs[2].undo_of) == (1, 1, first)
    assert runs[3].summary is None and runs[3].finished_at is None
    assert runs[0].started_at <= runs[3].started_at
    last_sync, last_any = state.last_run(), state.last_run(clicks=True)
    assert last_sync is not None and last_sync.run_id == first  # a click syncs nothing
    assert last_any is not None and last_any.run_id == click  # the undo never finished
    assert state.run_items(first) == {"a" * 16: (None, GOAL)}
    assert state.run_items(undo) == {"a" * 16: (GOAL, GOAL.with_(archived=True))}


def test_losing_values_are_kept_with_who_won(state: State) -> None:
    with state.transaction():
        run = state.start_run()
        state.add_conflict(run, "a" * 16, "title", ("asst", "New"), ("exec", "Old"))
        state.add_conflict(run, "a" * 16, "labels", ("exec", ["a"]), ("asst", ["b", "c"]))
    rows = state.conflicts()
    assert [
        (r.run_id, r.field, r.winner, r.winner_value, r.loser, r.loser_value) for r in rows
    ] == [
        (run, "title", "asst", "New", "exec", "Old"),
        (run, "labels", "exec", ["a"], "asst", ["b", "c"]),
    ]


def test_what_went_out_is_remembered_per_channel_and_document(state: State) -> None:
    sent = SentRecord("agenda", None, "d1", "s1", AT)
    marks = {("wins", "e1"): Mark(True, "yes"), ("whys", "w1"): Mark(None, "")}  # no checkbox
    published = PublishedRecord("page-1", "v3", "d2", marks, AT)
    with state.transaction():
        state.save_sent("slack", "agenda-2026-12-10", sent)
        state.save_sent("slack", "health-trello", SentRecord("health", "ts1", "d", "s", AT))
        state.forget_sent("slack", "health-trello")
        state.save_published("record", "2026-12", published)
        state.save_publish_cursor("record", "c1")
        state.record_agenda(AT, '{"trello": "card-1"}')
        state.record_agenda(AT + timedelta(days=7))
    assert state.sent("slack") == {"agenda-2026-12-10": sent}
    assert state.sent("teams") == {}
    assert state.published("record") == {"2026-12": published}
    assert state.publish_cursor("record") == "c1"
    assert state.last_agenda_at() == AT + timedelta(days=7)
    assert state.agendas() == [(AT, '{"trello": "card-1"}'), (AT + timedelta(days=7), None)]


def test_a_mark_is_put_back_as_it_was(state: State) -> None:
    with state.transaction():
        assert state.set_mark("a" * 16, "parked", "2026-12-21") is None
        before = state.set_mark("a" * 16, "parked", "2026-12-28")
        state.set_mark("b" * 16, "discuss", None)
    assert before == ["2026-12-21"]
    with state.transaction():
        state.restore_mark("a" * 16, "parked", before)
    assert [(m.item_id, m.mark, m.until) for m in state.marks()] == [
        ("a" * 16, "parked", "2026-12-21"),
        ("b" * 16, "discuss", None),
    ]
    with state.transaction():
        state.restore_mark("a" * 16, "parked", None)
    assert [m.item_id for m in state.marks()] == ["b" * 16]


def test_webhooks_are_kept_per_target(state: State) -> None:
    asana = WebhookRecord(frozenset({"https://x/hooks/p/asana/k1"}), None, "k2", 123.5, "s2")
    with state.transaction():
        state.save_webhook("asana", asana)
        state.save_webhook("trello", WebhookRecord(frozenset({"https://x/a", "https://x/b"})))
        state.save_webhook("trello", WebhookRecord(frozenset({"https://x/b"}), "s3cret"))
        state.save_webhook("notion", WebhookRecord(secret="token"))
        state.forget_webhook("notion")
    assert state.webhook("asana") == asana
    assert state.webhook("trello") == WebhookRecord(frozenset({"https://x/b"}), "s3cret")
    assert state.webhook("notion") is None


def test_a_failed_transaction_leaves_nothing(state: State) -> None:
    with pytest.raises(RuntimeError), state.transaction():
        state.save_item("a" * 16, ItemRecord(GOAL, AT))
        raise RuntimeError("killed mid-commit")
    assert state.items() == {}


def test_state_belongs_to_one_pair(state: State, tmp_path: Path) -> None:
    state.claim("ceo-ea", tmp_path / "state.sqlite")
    state.claim("ceo-ea", tmp_path / "state.sqlite")
    with pytest.raises(StateError, match="belongs to pair 'ceo-ea', not 'cfo-ea'"):
        state.claim("cfo-ea", tmp_path / "state.sqlite")


def test_the_history_of_a_label_reads_only_its_rows_and_dates_it_the_same(state: State) -> None:
    """`history(labelled=...)`: what a talking point's or an acknowledgement's age reads."""
    start = datetime(2026, 11, 16, 10, tzinfo=UTC)
    plain = Item(Kind.ACTION, "Sign the contract")
    talked = plain.with_(labels=frozenset({"discuss"}))
    steps = [(None, plain), (plain, talked), (talked, plain), (plain, talked), (talked, talked)]
    with state.transaction():
        for day, (before, after) in enumerate(steps):
            run = state.start_run(start + timedelta(days=day))
            state.save_run_item(run, "a" * 16, before, after)
            state.save_run_item(run, "b" * 16, None, plain.with_(title=f"Other {day}"))
    every = state.history()
    only = state.history(labelled="discuss")
    assert len(every) == 10 and len(only) == 3
    raised = {"a" * 16: start + timedelta(days=3)}
    assert raised_at(only, "discuss") == raised_at(every, "discuss") == raised
