"""The Trello adapter against the simulated Trello over HTTP, through py-trello: what a
person sees on the board after a push, what pairsync reads after a person's edit, and
what each costs in requests."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import asdict
from datetime import date

import pytest
from pydantic import SecretStr

from adapters.base import Adapter
from adapters.trello.adapter import TrelloAdapter
from adapters.trello.sim.server import TrelloSimulator
from sync.contract import Create, Update, Written, new_item_id
from sync.errors import TargetRejected
from sync.model import Item, Kind, Owner, Step
from tests.contract import FIVE_WHYS, AdapterContract, by_item_id, push, update_from

MakeAdapter = Callable[..., TrelloAdapter]


def problem(title: str, **fields: object) -> Item:
    return Item(kind=Kind.PROBLEM, title=title, steps=FIVE_WHYS).with_(**fields)


def board_of(n: int, problems: int) -> list[Create]:
    kinds = [Kind.GOAL, Kind.DECISION, Kind.ACTION]
    items = [problem(f"Problem {i}", labels=frozenset({"ops"})) for i in range(problems)]
    items += [
        Item(kind=kinds[i % 3], title=f"Item {i}", notes=f"Notes {i}", owner=Owner.ASSISTANT)
        for i in range(n - problems)
    ]
    return [Create(new_item_id(), item) for item in items]


def test_first_push_creates_lists_labels_cards_and_checklists(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    adapter.read()
    items = [
        problem("Churn is up", labels=frozenset({"urgent"}), due=date(2025, 3, 4)),
        problem("Hiring stalls", owner=Owner.EXECUTIVE),
        Item(kind=Kind.DECISION, title="Pick a CRM", notes="Two vendors left", done=True),
        Item(kind=Kind.GOAL, title="Grow ARR 20%"),
    ]
    push(adapter, [Create(new_item_id(), item) for item in items])

    board = trello_sim.board(trello_board)
    assert sorted(t.name for t in board.lists.values()) == [
        "Decisions",
        "Goals",
        "Problems",
    ]
    assert {x.name for x in board.labels.values()} == {"urgent", "owner/executive"}
    churn = next(c for c in board.cards.values() if c.name == "Churn is up")
    assert churn.due == "2025-03-04T12:00:00.000Z"
    checklists = [board.checklists[c] for c in churn.idChecklists]
    assert [c.name for c in checklists] == ["Five Whys"]
    assert [i.name for i in checklists[0].items] == [s.text for s in FIVE_WHYS]
    crm = next(c for c in board.cards.values() if c.name == "Pick a CRM")
    assert crm.dueComplete and crm.desc.startswith("Two vendors left\n\n---\npairsync:")
    visible = [c for c in board.cards.values() if not c.closed]
    assert len(visible) == 4, "the Five Whys template card stays archived"


def test_an_archived_card_with_its_own_checklist_round_trips(
    make_trello_adapter: MakeAdapter,
) -> None:
    item = Item(
        kind=Kind.ACTION,
        title="Book offsite",
        notes="Line 1\nLine 2",
        due=date(2025, 12, 31),
        archived=True,
        labels=frozenset({"travel", "Stale"}),
        steps=(Step("call venue", True), Step("send invites")),
    )
    change = Create(new_item_id(), item)
    push(make_trello_adapter(), [change])
    assert by_item_id(make_trello_adapter())[change.item_id].item == item


def test_person_edits_in_trello_are_read(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), problem("Deploys fail", notes="Since May"))
    card_id = push(adapter, [change])[change.item_id]
    person = trello_sim.person
    card = trello_sim.backend.card(trello_sim.member, card_id)[1]
    person.edit_card(
        card_id,
        name="Deploys fail on Fridays",
        desc=card.desc.replace("Since May", "Since May, see runbook"),
        due="2025-06-01",
        dueComplete=True,
        labels=["infra", "owner/assistant"],
    )
    person.tick(card_id, "Why 1?")
    person.move_card(card_id, "Decisions")

    seen = adapter.read().items[card_id]
    assert seen.item_id == change.item_id, "the footer survives a person's edit"
    assert seen.item == Item(
        kind=Kind.DECISION,
        title="Deploys fail on Fridays",
        notes="Since May, see runbook",
        done=True,
        due=date(2025, 6, 1),
        owner=Owner.ASSISTANT,
        labels=frozenset({"infra"}),
        steps=(FIVE_WHYS[0], Step("Why 1?", True), *FIVE_WHYS[2:]),
    )


def test_updates_write_only_what_differs_and_keep_the_footer(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), problem("Budget overrun", notes="Q3"))
    card_id = push(adapter, [change])[change.item_id]

    steps = (Step("Problem statement agreed", True), *FIVE_WHYS[1:7], Step("Cut travel by May"))
    remote = adapter.read().items[card_id]
    edit = update_from(remote, notes="Q3 and Q4", done=True, owner=Owner.EXECUTIVE)
    edit = Update(edit.item_id, card_id, edit.item.with_(steps=steps), edit.previous, edit.version)
    before = adapter.requests
    (outcome,) = adapter.apply([edit])
    assert isinstance(outcome, Written)
    # one PUT for notes+done+labels, one POST for the owner label, two check item PUTs
    assert adapter.requests - before == 4
    card = trello_sim.backend.card(trello_sim.member, card_id)[1]
    assert card.desc.endswith(f"---\npairsync:{change.item_id}")
    seen = adapter.read().items[card_id]
    assert seen.item == edit.item and seen.version == outcome.version


def test_a_card_a_person_restores_and_completes_is_read_so(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), Item(kind=Kind.ACTION, title="Renew lease"))
    card_id = push(adapter, [change])[change.item_id]
    (outcome,) = adapter.apply([update_from(adapter.read().items[card_id], archived=True)])
    assert (
        isinstance(outcome, Written)
        and trello_sim.backend.card(trello_sim.member, card_id)[1].closed
    )

    trello_sim.person.archive_card(card_id, archived=False)
    trello_sim.person.edit_card(card_id, dueComplete=True)
    item = adapter.read().items[card_id].item
    assert (item.archived, item.done) == (False, True)


def test_person_deleting_the_five_whys_and_problem_without_checklist(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), problem("Slow onboarding"))
    card_id = push(adapter, [change])[change.item_id]
    trello_sim.person.delete_checklist(card_id)
    hand_made = trello_sim.person.create_card(trello_board, "Problems", "Printer jams")
    items = adapter.read().items
    assert items[card_id].item.steps == ()
    assert items[hand_made].item.steps == () and items[hand_made].item_id is None


def test_rerun_without_change_costs_one_request(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    push(adapter, board_of(10, problems=2))
    cursor = adapter.read().cursor
    before = adapter.requests
    again = adapter.read(cursor)
    assert adapter.requests - before == 1
    assert (again.complete, again.items, again.cursor) == (False, {}, cursor)

    trello_sim.person.create_card(trello_board, "Goals", "New goal from Trello")
    changed = adapter.read(cursor)
    assert changed.complete and "New goal from Trello" in {
        r.item.title for r in changed.items.values()
    }
    assert adapter.requests - before == 3


def test_request_counts_for_a_100_item_board(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    """The numbers behind the performance budget; printed for the report (pytest -s)."""
    adapter = make_trello_adapter()
    start = adapter.requests
    cursor = adapter.read().cursor
    linked = push(adapter, board_of(100, problems=25))
    first_push = adapter.requests - start
    cursor = adapter.read(cursor).cursor  # sees pairsync's own writes: one full read
    start = adapter.requests
    assert adapter.read(cursor).items == {}
    noop = adapter.requests - start

    for card_id in list(linked.values())[:5]:
        trello_sim.person.edit_card(card_id, dueComplete=True)
    start = adapter.requests
    snapshot = adapter.read(cursor)
    changed = [r for r in snapshot.items.values() if r.item.done]
    updates = [
        Update(
            r.item_id or "",
            r.remote_id,
            r.item.with_(labels=frozenset({"seen"})),
            r.item,
            r.version,
        )
        for r in changed
    ]
    assert all(isinstance(o, Written) for o in adapter.apply(updates))
    five_changed = adapter.requests - start
    print(
        f"\ntrello requests: first push of 100 items (25 problems) = {first_push}, "
        f"no-op rerun = {noop}, 5 changed items (read + 5 writes) = {five_changed}"
    )
    assert len(changed) == 5
    # read 1 + 4 lists + 5 labels + template 12 + 100 cards
    assert first_push <= 125
    assert noop == 1
    assert five_changed <= 2 + 1 + 5  # actions + full read, 1 new label, 5 card PUTs
    assert trello_sim.violations == []


def test_300_cards_pushed_within_the_rate_limit(make_trello_adapter: MakeAdapter) -> None:
    # At 4x a window lasts 2.5 s. Another client of the token has just spent most of it,
    # so the push runs into the limit at once and must wait instead of failing.
    sim = TrelloSimulator(speed=4).start()
    try:
        board_id = sim.create_board("Big board")
        adapter = make_trello_adapter(
            board_id=board_id,
            base_url=sim.base_url,
            api_key=sim.key,
            token=sim.token,
            retry_seconds=60,
            **sim.pacing(),
        )
        changes = [Create(new_item_id(), Item(kind=Kind.ACTION, title=f"A{i}")) for i in range(300)]
        sim.spend_rate_limit(95)
        push(adapter, changes)
        assert len(sim.cards(board_id, "Actions")) == 300
        assert sim.stats.throttled > 0, "the simulator did answer 429, and the adapter waited"
        assert sim.violations == []
    finally:
        sim.stop()


def test_5xx_burst_is_retried_without_duplicates(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    adapter.read()
    trello_sim.faults.fail_next = 2
    push(adapter, board_of(3, problems=0))
    assert len(trello_sim.cards(trello_board)) == 3

    adapter.read()
    trello_sim.faults.fail_next = 1000  # Trello is down for longer than the retry budget
    outcomes = adapter.apply(board_of(3, problems=0))
    assert all(o.error and "server error (503) after" in o.error for o in outcomes)
    assert outcomes[0].error.startswith("POST /cards: server error (503) after")
    trello_sim.faults.fail_next = 0
    assert len(trello_sim.cards(trello_board)) == 3


def test_dropped_create_is_never_duplicated_and_relinks(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    first = Create(new_item_id(), Item(kind=Kind.GOAL, title="Grow ARR"))
    push(adapter, [first])
    adapter.read()
    change = Create(new_item_id(), Item(kind=Kind.GOAL, title="Launch in Spain"))
    trello_sim.faults.drop_after_write_next = 1
    (outcome,) = adapter.apply([change])
    assert outcome.error == "uncertain; will re-link on next run"
    names = [c.name for c in trello_sim.cards(trello_board, "Goals")]
    assert names == ["Grow ARR", "Launch in Spain"], "created once, not re-posted"
    found = {r.item_id: r.item.title for r in adapter.read().items.values()}
    assert found[change.item_id] == "Launch in Spain", "the next read re-links it by footer"


def test_a_card_moved_out_of_the_mapped_lists_is_gone_and_never_written(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator, trello_board: str
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), Item(kind=Kind.ACTION, title="Mine"))
    card_id = push(adapter, [change])[change.item_id]

    trello_sim.person.move_card(card_id, "Backlog")
    assert adapter.read().items == {}, "a card moved out of scope disappears"
    stale = Update(change.item_id, card_id, change.item.with_(title="x"), change.item, "v")
    (outcome,) = adapter.apply([stale])
    assert outcome.error and "not written" in outcome.error
    assert trello_sim.board(trello_board).cards[card_id].name == "Mine"


def test_an_edit_made_after_the_read_is_not_overwritten(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    adapter = make_trello_adapter()
    change = Create(new_item_id(), Item(kind=Kind.ACTION, title="Plan Q3"))
    card_id = push(adapter, [change])[change.item_id]
    edit = update_from(adapter.read().items[card_id], title="Plan Q3 (pairsync)")
    trello_sim.person.edit_card(card_id, name="Plan Q3 (person)")
    fresh = make_trello_adapter()  # a later run: its apply reads the board first
    (outcome,) = fresh.apply([edit])
    assert outcome.error and "changed in Trello since it was read" in outcome.error
    assert trello_sim.backend.card(trello_sim.member, card_id)[1].name == "Plan Q3 (person)"


def test_bad_token_and_missing_board_are_rejected_without_secrets(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    with pytest.raises(TargetRejected) as rejected:
        make_trello_adapter(token=SecretStr("f" * 64)).read()
    assert str(rejected.value) == "assistant-trello: token rejected (401)"
    missing = "0" * 24
    with pytest.raises(TargetRejected) as gone:
        make_trello_adapter(board_id=missing).read()
    assert str(gone.value) == f"assistant-trello: board {missing} not found (404)"
    assert trello_sim.token not in repr(make_trello_adapter().config)


def test_check_reports_credentials_board_lists_and_headroom(
    make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
) -> None:
    rows = {r.what: r for r in make_trello_adapter().check()}
    assert rows["credentials"].ok and rows["board"].ok
    assert rows["lists"].detail.startswith("missing, created on first sync: Goals")
    assert rows["rate limit"].ok and "of 100 requests left" in rows["rate limit"].detail
    (bad,) = make_trello_adapter(token=SecretStr("e" * 64)).check()
    assert (bad.what, bad.ok) == ("credentials", False)
    assert trello_sim.token not in bad.detail


class BacklogList:
    """A list of the board that is no kind's: the rest of the team's board."""

    def __init__(self, sim: TrelloSimulator, board_id: str) -> None:
        self.sim, self.board_id = sim, board_id

    def add(self, title: str) -> None:
        self.sim.person.create_card(self.board_id, "Backlog", title, desc="the team's")

    def state(self) -> object:
        board = self.sim.board(self.board_id)
        backlog = {t.id for t in board.lists.values() if t.name == "Backlog"}
        return copy.deepcopy([asdict(c) for c in board.cards.values() if c.idList in backlog])


class TestTrelloContract(AdapterContract):
    adapter_class = TrelloAdapter

    @pytest.fixture
    def make_adapter(self, make_trello_adapter: MakeAdapter) -> MakeAdapter:
        return make_trello_adapter

    @pytest.fixture
    def outside(self, trello_sim: TrelloSimulator, trello_board: str) -> BacklogList:
        return BacklogList(trello_sim, trello_board)

    @pytest.fixture
    def failures(
        self, make_trello_adapter: MakeAdapter, trello_sim: TrelloSimulator
    ) -> dict[str, Callable[[], Adapter]]:
        def down() -> Adapter:
            trello_sim.faults.fail_next = 1000
            return make_trello_adapter(retry_seconds=0.3)

        return {
            "a token Trello rejects (401)": lambda: make_trello_adapter(token=SecretStr("f" * 64)),
            "Trello answering 503": down,
        }
