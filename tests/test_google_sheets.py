"""The tracker sheet as a person uses it: sorts, inserted rows, their own columns, deleted
rows, the Five Whys tab and its answers; and what each run costs in requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from adapters.google.sheets import GoogleSheetsAdapter
from adapters.google.sim.grid import Dated
from adapters.google.sim.server import GoogleSimulator, World
from sync.contract import Create, Failed, Update, Written, new_item_id
from sync.model import Item, Kind, Owner, Step
from tests.contract import FIVE_WHYS, by_item_id, push, update_from

MakeSheets = Callable[..., GoogleSheetsAdapter]

BOARD = [
    Item(Kind.GOAL, "Grow EMEA revenue 20%", notes="by Q4", due=date(2027, 3, 31)),
    Item(Kind.ACTION, "Book flights to Lisbon", owner=Owner.ASSISTANT),
    Item(Kind.PROBLEM, "Board reports are late", steps=FIVE_WHYS),
    Item(Kind.ACTION, "Call the bank", labels=frozenset({"urgent", "q4"})),
]


def pushed(adapter: GoogleSheetsAdapter) -> list[Create]:
    creates = [Create(new_item_id(), item) for item in BOARD]
    push(adapter, creates)
    return creates


def test_first_sync_makes_the_header_the_five_whys_tab_and_checkboxes(
    google_sim: GoogleSimulator, google_world: World, sheets_adapter: GoogleSheetsAdapter
) -> None:
    creates = pushed(sheets_adapter)
    person = google_sim.person(google_world)
    rows = person.rows("Board")
    assert rows[0] == ["Kind", "Title", "Notes", "Done", "Due", "Owner", "Labels", "Id"]
    goal = ["Goals", "Grow EMEA revenue 20%", "by Q4", False, "2027-03-31", None, None]
    assert rows[1] == [*goal, creates[0].item_id]  # an empty string written empties a cell
    assert rows[4][6] == "q4, urgent"
    steps = person.rows("Five Whys")
    assert steps[0] == ["Item", "Step", "Done", "Answer"]
    assert [row[1] for row in steps[1:]] == [step.text for step in FIVE_WHYS]
    board = person.tab("Board")
    assert (board.frozen_rows, board.checkboxes) == (1, [(1, 1000, 3, 4)])
    assert person.tab("Five Whys").checkboxes == [(1, 1000, 2, 3)]


def test_a_settled_run_costs_one_request_also_right_after_a_write(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    first = make_sheets_adapter(google_sim, google_world)
    read = first.read()
    first.apply([Create(new_item_id(), item) for item in BOARD])
    cursor = first.after_writes(read).cursor

    adapter = make_sheets_adapter(google_sim, google_world)
    snapshot = adapter.read(cursor)
    assert (adapter.requests, snapshot.items, snapshot.complete) == (1, {}, False)

    remote = next(iter(by_item_id(adapter).values()))
    adapter = make_sheets_adapter(google_sim, google_world)
    read = adapter.read(cursor)
    before = google_sim.stats.total
    changes = [update_from(remote, title="Grow EMEA revenue 25%", done=True)]
    assert all(isinstance(o, Written) for o in adapter.apply(changes))
    # after a settled read: the rows (batchGet), one values.batchUpdate, the version after
    assert google_sim.stats.total - before == 3
    cursor = adapter.after_writes(read).cursor

    settled = make_sheets_adapter(google_sim, google_world)
    assert settled.read(cursor).items == {} and settled.requests == 1


def test_one_values_batch_update_however_many_cells(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    pushed(make_sheets_adapter(google_sim, google_world))
    adapter = make_sheets_adapter(google_sim, google_world)
    remotes = list(by_item_id(adapter).values())
    before = dict(google_sim.stats.requests)
    changes = [update_from(r, title=r.item.title + "!", notes="new", done=True) for r in remotes]
    assert all(isinstance(o, Written) for o in adapter.apply(changes))
    sent = {k: v - before.get(k, 0) for k, v in google_sim.stats.requests.items()}
    assert sent["POST /v4/spreadsheets/<spreadsheetId>/values:batchUpdate"] == 1
    assert sum(sent.values()) == 3, sent  # the version before and after, and the one write


def test_a_persons_sort_is_read_as_order_and_writes_land_in_the_moved_rows(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    creates = pushed(make_sheets_adapter(google_sim, google_world))
    adapter = make_sheets_adapter(google_sim, google_world)
    seen = by_item_id(adapter)
    person = google_sim.person(google_world)
    person.sort("Board", column=1)  # by title, after pairsync's read and before its write
    person.set("Board", 4, 2, "a person's note")  # the goal's row, now the last
    goal, action = seen[creates[0].item_id], seen[creates[3].item_id]
    outcomes = adapter.apply(
        [update_from(action, notes="ring before noon"), update_from(goal, title="x")]
    )
    assert isinstance(outcomes[0], Written), (
        "the row moved, but nobody edited it: written where it is now"
    )
    assert isinstance(outcomes[1], Failed), "edited since the read: left for the next run to merge"
    rows = {row[-1]: row for row in person.rows("Board")[1:]}
    assert rows[creates[3].item_id][:3] == ["Actions", "Call the bank", "ring before noon"]
    assert rows[creates[0].item_id][1:3] == ["Grow EMEA revenue 20%", "a person's note"]

    snapshot = make_sheets_adapter(google_sim, google_world).read()
    titles = [snapshot.items[r].item.title for r in snapshot.order or ()]
    assert titles == sorted(item.title for item in BOARD)


def test_inserted_rows_and_a_persons_own_columns(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    creates = pushed(make_sheets_adapter(google_sim, google_world))
    person = google_sim.person(google_world)
    person.set("Board", 0, 9, "Budget")  # a column of their own, after a gap
    person.set("Board", 1, 9, 1200)
    person.insert_row("Board", 2, ["Decisions", "Approve the offsite", "", True])
    adapter = make_sheets_adapter(google_sim, google_world)
    snapshot = adapter.read()
    new = [r for r in snapshot.items.values() if r.item_id is None]
    assert [(r.item.kind, r.item.title, r.item.done) for r in new] == [
        (Kind.DECISION, "Approve the offsite", True)
    ]
    order = [snapshot.items[r].item.title for r in snapshot.order or ()]
    assert order[:3] == ["Grow EMEA revenue 20%", "Approve the offsite", "Book flights to Lisbon"]
    made = new_item_id()
    goal = by_item_id(adapter)[creates[0].item_id]
    relink = Update(made, new[0].remote_id, new[0].item, new[0].item, new[0].version, relink=True)
    changes = [relink, update_from(goal, title="Grow EMEA revenue 30%")]
    assert all(isinstance(o, Written) for o in adapter.apply(changes))
    rows = person.rows("Board")
    assert rows[1][1] == "Grow EMEA revenue 30%" and rows[1][9] == 1200
    assert rows[2][:4] == ["Decisions", "Approve the offsite", "", True] and rows[2][7] == made
    assert rows[0][9] == "Budget"


def test_a_deleted_row_vanishes_and_pairsync_never_deletes_one(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    creates = pushed(make_sheets_adapter(google_sim, google_world))
    person = google_sim.person(google_world)
    person.delete_row("Board", 2)
    adapter = make_sheets_adapter(google_sim, google_world)
    seen = by_item_id(adapter)
    assert creates[1].item_id not in seen and len(seen) == 3
    goal = seen[creates[0].item_id]
    assert isinstance(adapter.apply([update_from(goal, archived=True)])[0], Written)
    rows = person.rows("Board")
    assert len(rows) == 4 and rows[1][0] == "Archive"
    archived = by_item_id(make_sheets_adapter(google_sim, google_world))[creates[0].item_id]
    assert archived.item.archived and archived.hidden == {"kind"}


def test_answers_typed_in_the_five_whys_tab_come_back_in_the_steps(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    creates = pushed(make_sheets_adapter(google_sim, google_world))
    person = google_sim.person(google_world)
    person.set("Five Whys", 2, 3, "finance closes late")
    person.set("Five Whys", 2, 2, True)
    person.set("Board", 1, 4, Dated(date(2027, 4, 30)))  # a date typed in the UI
    adapter = make_sheets_adapter(google_sim, google_world)
    seen = by_item_id(adapter)
    problem = seen[creates[2].item_id]
    assert problem.item.steps[1] == Step("Why 1? — finance closes late", True)
    assert seen[creates[0].item_id].item.due == date(2027, 4, 30)
    steps = (*problem.item.steps[:2], Step("Why 2? — the ledger", False), *problem.item.steps[3:])
    assert isinstance(adapter.apply([update_from(problem, steps=steps)])[0], Written)
    assert person.rows("Five Whys")[3][1:] == ["Why 2?", False, "the ledger"]


def test_429_resource_exhausted_is_waited_out(
    google_sim: GoogleSimulator, google_world: World, make_sheets_adapter: MakeSheets
) -> None:
    pushed(make_sheets_adapter(google_sim, google_world))
    adapter = make_sheets_adapter(google_sim, google_world)
    adapter.read()
    for http in adapter.apis.http:
        http.backoff = 0.01  # exponential backoff in hundredths of a second
    google_sim.faults.rate_limit_next = 3
    assert len(adapter.read().items) == 4
    assert adapter.apis.throttled == 3


def test_requests_are_paced_to_sixty_a_minute_per_user(
    make_google_sim: Callable[..., GoogleSimulator], make_sheets_adapter: MakeSheets
) -> None:
    sim = make_google_sim(speed=120.0)  # a minute in half a second
    world = sim.seed()
    adapter = make_sheets_adapter(sim, world)
    for _ in range(70):
        adapter.read()  # an empty sheet: files.get, and 2 Sheets reads each (140)
    # Unpaced, 80 of them would meet 429; paced, at most one that arrives a little late
    # on the compressed clock (and is retried).
    assert sim.app.stats.throttled <= 2
