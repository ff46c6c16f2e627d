"""The tracker sheet as a tool through the real engine and state: a hypothesis state machine
(a small budget; the three-tool machine covers the merge) in which people sort the sheet,
insert rows anywhere, delete one, type into cells and tick steps, and people add items in
the Markdown board, between syncs.

After every sync:
- the sheet and the board file show the same items (title, done, kind), in the same order
  within each kind; a row a person deleted is archived in the file, never re-made;
- no item has two rows, and every row in scope carries its item's id;
- a second sync writes nothing, and costs the sheet 1 request (Drive's version proves
  the last run's writes were pairsync's own).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from adapters import build_adapters
from adapters.google.sim.server import GoogleSimulator
from sync.config import load_config
from sync.contract import RemoteItem, Snapshot
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.state import State
from tests.conftest import PROFILE

BOARD = (
    "## Goals\n\n- [ ] Grow EMEA revenue\n\n## Actions\n\n- [ ] Book flights\n- [ ] Call the bank\n"
)
KINDS = {"Goals": "goal", "Actions": "action", "Decisions": "decision"}
TITLES = st.sampled_from(["Plan Q3", "Hire a CFO", "Fix onboarding", "Renew the lease"])


class SheetMachine(RuleBasedStateMachine):
    sim: ClassVar[GoogleSimulator]
    root: ClassVar[Path]
    examples = itertools.count(1)

    def __init__(self) -> None:
        super().__init__()
        self.folder = self.root / f"example-{next(self.examples)}"
        self.folder.mkdir()
        world = self.sim.seed(title=f"Tracker {self.folder.name}")
        self.person = self.sim.person(world)
        (self.folder / "board.md").write_text(BOARD)
        (self.folder / "pair.toml").write_text(
            f"""
[pair]
name = "ceo-ea"
executive = "Dana Smith"
assistant = "Lee Park"
timezone = "UTC"
[state]
path = "state.sqlite"
[five_whys]
enabled = false
[[targets]]
name = "notes"
type = "markdown"
path = "board.md"
[[targets]]
name = "sheet"
type = "google_sheets"
spreadsheet_id = "{world.spreadsheet_id}"
credentials = "{world.credentials(self.folder).name}"
base_url = "{self.sim.base_url}"
drive_base_url = "{self.sim.base_url}"
clock_speed = {self.sim.app.clock.speed}
"""
        )
        self.deleted = False
        self.made = 0

    # -- the engine ---------------------------------------------------------------------
    def sync(self) -> RunSummary:
        config = load_config(self.folder / "pair.toml")
        state = State.open(config.state_path)
        places = {t.name: state.places(t.name) for t in config.targets}
        adapters = build_adapters(config.targets, config.pair.zone, places)
        try:
            return sync_pair(config, state, adapters=adapters)
        finally:
            state.close()
            for adapter in adapters:
                adapter.close()

    def shown(self, name: str) -> Snapshot:
        config = load_config(self.folder / "pair.toml")
        (adapter,) = build_adapters(
            [t for t in config.targets if t.name == name], config.pair.zone, {}
        )
        return adapter.read()

    def rows(self) -> list[list[object]]:
        return self.person.rows("Board")

    def data_rows(self) -> Iterator[int]:
        """Indexes of the rows in scope below the header."""
        return (i for i, row in enumerate(self.rows()) if i and row and row[0] in KINDS)

    # -- people -------------------------------------------------------------------------
    @initialize()
    def first_push(self) -> None:
        summary = self.sync()
        assert not summary.failed, summary.to_json()

    @rule(column=st.sampled_from([1, 3, 7]), descending=st.booleans())
    def sort(self, column: int, descending: bool) -> None:
        self.person.sort("Board", column, descending)

    @rule(
        at=st.integers(1, 20), kind=st.sampled_from(sorted(KINDS)), title=TITLES, done=st.booleans()
    )
    def insert_row(self, at: int, kind: str, title: str, done: bool) -> None:
        self.made += 1
        at = min(at, len(self.rows()))
        self.person.insert_row("Board", at, [kind, f"{title} {self.made}", "", done])

    @rule(pick=st.integers(0, 99))
    def delete_row(self, pick: int) -> None:
        rows = list(self.data_rows())
        if rows and not self.deleted:  # one a run: more at once is held (safety rules)
            self.person.delete_row("Board", rows[pick % len(rows)])
            self.deleted = True

    @rule(pick=st.integers(0, 99), column=st.sampled_from([1, 2, 3]), title=TITLES)
    def type_into(self, pick: int, column: int, title: str) -> None:
        rows = list(self.data_rows())
        if rows:
            value: object = pick % 2 == 0 if column == 3 else title
            self.person.set("Board", rows[pick % len(rows)], column, value)  # type: ignore[arg-type]

    @rule(title=TITLES)
    def add_in_the_file(self, title: str) -> None:
        self.made += 1
        path = self.folder / "board.md"
        path.write_text(
            path.read_text().replace(
                "## Actions\n\n", f"## Actions\n\n- [ ] {title} {self.made}\n", 1
            )
        )

    @rule()
    def sync_and_check(self) -> None:
        summary = self.sync()
        assert not summary.failed, summary.to_json()
        self.deleted = False
        sheet, notes = self.shown("sheet"), self.shown("notes")
        assert _board(sheet) == _board(notes)
        ids = [row[7] for row in self.rows()[1:] if len(row) > 7 and row[0] in KINDS]
        assert len(ids) == len(set(ids)) and all(ids), self.rows()
        again = self.sync()
        assert not again.failed
        written = {n: (t.created, t.updated, t.archived) for n, t in again.targets.items()}
        assert written == {"notes": (0, 0, 0), "sheet": (0, 0, 0)}, again.to_json()
        assert again.targets["sheet"].requests == 1


def _board(snapshot: Snapshot) -> dict[str, object]:
    """Items not archived by id, and each kind's order."""
    live = {rid: r for rid, r in snapshot.items.items() if not r.item.archived}
    items = {_id(r): (r.item.title, r.item.done, r.item.kind) for r in live.values()}
    order: dict[str, list[str]] = {}
    for rid in snapshot.order or ():
        order.setdefault(str(live[rid].item.kind), []).append(_id(live[rid]))
    return {"items": items, "order": order}


def _id(remote: RemoteItem) -> str:
    assert remote.item_id is not None, remote
    return remote.item_id


@pytest.fixture(scope="module")
def sheet_sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GoogleSimulator]:
    sim = GoogleSimulator(speed=600).start()
    sim.app.validate = False  # the shapes are checked by the other tests; this one is long
    yield sim
    sim.stop()


def test_people_sort_insert_and_delete_rows_between_syncs(
    sheet_sim: GoogleSimulator, tmp_path: Path
) -> None:
    SheetMachine.sim = sheet_sim
    SheetMachine.root = tmp_path
    examples = 8 if PROFILE == "ci" else 4
    run_state_machine_as_test(
        SheetMachine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
