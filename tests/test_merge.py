"""The three-way merge through the real engine and state, on in-memory targets:
examples for each rule, and hypothesis properties for all of them."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from sync.model import BASE_KINDS, Item, Kind, Owner, Step
from tests.memory_pair import MemoryPair

LABELS = ["q4", "urgent", "travel", "board"]

items = st.builds(
    Item,
    kind=st.sampled_from(BASE_KINDS),  # the memory pair keeps the default kinds
    title=st.text(min_size=1, max_size=20),
    notes=st.text(max_size=30),
    done=st.booleans(),
    due=st.none() | st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)),
    owner=st.none() | st.sampled_from(list(Owner)),
    labels=st.frozensets(st.sampled_from(LABELS)),
    steps=st.lists(st.builds(Step, st.text(min_size=1, max_size=8), st.booleans()), max_size=3).map(
        tuple
    ),
)

EDITABLE = {
    "title": st.text(min_size=1, max_size=20),
    "notes": st.text(max_size=30),
    "done": st.booleans(),
    "archived": st.booleans(),
    "due": st.none() | st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 1, 1)),
    "owner": st.none() | st.sampled_from(list(Owner)),
    "kind": st.sampled_from(BASE_KINDS),
    "labels": st.frozensets(st.sampled_from(LABELS)),
}
edits = st.dictionaries(st.sampled_from(sorted(EDITABLE)), st.none(), max_size=3).flatmap(
    lambda fields: st.fixed_dictionaries({f: EDITABLE[f] for f in fields})
)


def seeded_pair(tmp: Path, board: list[Item], names=("exec", "asst", "notes")) -> MemoryPair:
    pair = MemoryPair(tmp, names)
    first = pair.targets[names[0]]
    for item in board:
        first.put(first.new_remote_id(), item)
    pair.sync()
    return pair


def edit(pair: MemoryPair, target: str, index: int, **changes: object) -> None:
    adapter = pair.targets[target]
    remote = sorted(adapter.items.values(), key=lambda r: r.item_id or "")[index]
    adapter.put(remote.remote_id, remote.item.with_(**changes))


def by_id(pair: MemoryPair, target: str) -> dict[str, Item]:
    return {r.item_id: r.item for r in pair.targets[target].items.values()}


def test_first_sync_mirrors_every_item_everywhere(tmp_path: Path) -> None:
    board = [Item(Kind.GOAL, "Grow EMEA"), Item(Kind.ACTION, "Book flights", done=True)]
    pair = seeded_pair(tmp_path, board)
    for name in pair.targets:
        assert pair.board(name) == sorted(board, key=repr)


def test_edits_in_two_tools_both_survive_and_second_sync_writes_nothing(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.DECISION, "Offsite budget"), Item(Kind.ACTION, "Book")])
    ids = sorted(by_id(pair, "exec"))
    edit(pair, "exec", 0, title="Approve the offsite budget")
    edit(pair, "asst", 1, done=True)
    pair.sync()
    for name in pair.targets:
        board = by_id(pair, name)
        assert board[ids[0]].title == "Approve the offsite budget"
        assert board[ids[1]].done is True
    again = pair.sync()
    assert all(t.created == t.updated == t.archived == 0 for t in again.targets.values())
    assert again.plan.is_empty


def test_conflict_latest_wins_and_loser_is_reported(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.GOAL, "Original")])
    edit(pair, "exec", 0, title="Executive's title")
    edit(pair, "asst", 0, title="Assistant's title")  # later
    summary = pair.sync()
    assert {i.title for n in pair.targets for i in pair.board(n)} == {"Assistant's title"}
    [conflict] = summary.conflicts
    assert conflict["field"] == "title"
    assert conflict["winner"] == "asst"
    assert conflict["losers"] == [{"target": "exec", "value": "Executive's title"}]
    rows = [(c.loser, c.loser_value) for c in pair.state.conflicts()]
    assert rows == [("exec", "Executive's title")]


def test_conflict_policy_executive_wins_even_when_older(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.GOAL, "Original")])
    pair.config = pair.config.model_copy(
        update={"pair": pair.config.pair.model_copy(update={"conflict_policy": "executive"})}
    )
    edit(pair, "exec", 0, title="Executive's title")
    edit(pair, "asst", 0, title="Assistant's title")
    pair.sync()
    assert {i.title for n in pair.targets for i in pair.board(n)} == {"Executive's title"}


def test_labels_added_in_different_tools_are_all_kept(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.GOAL, "Goal", labels=frozenset({"q4"}))])
    edit(pair, "exec", 0, labels=frozenset({"q4", "board"}))
    edit(pair, "asst", 0, labels=frozenset({"urgent"}))
    summary = pair.sync()
    assert summary.conflicts == []
    assert all(i.labels == {"board", "urgent"} for n in pair.targets for i in pair.board(n))


def test_deleting_in_one_tool_archives_everywhere_and_deletes_nothing(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.ACTION, "Call Sam")])
    [remote] = pair.targets["asst"].items.values()
    pair.targets["asst"].delete(remote.remote_id)
    pair.sync()
    assert [i.archived for i in pair.board("exec")] == [True]
    assert [i.archived for i in pair.board("notes")] == [True]
    assert pair.board("asst") == []  # not re-created where a person deleted it
    assert pair.sync().plan.is_empty


def test_restoring_in_one_tool_restores_everywhere(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.ACTION, "Call Sam")])
    edit(pair, "exec", 0, archived=True)
    pair.sync()
    assert all(i.archived for n in pair.targets for i in pair.board(n))
    edit(pair, "notes", 0, archived=False)
    pair.sync()
    assert not any(i.archived for n in pair.targets for i in pair.board(n))


def test_a_copied_item_with_the_same_footer_becomes_a_new_item(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.ACTION, "Call Sam")])
    asst = pair.targets["asst"]
    [original] = asst.items.values()
    asst.put("copy", original.item.with_(title="Call Sam (copy)"), original.item_id)
    pair.sync()
    for name in pair.targets:
        assert sorted(i.title for i in pair.board(name)) == ["Call Sam", "Call Sam (copy)"]
    assert len({r.item_id for r in asst.items.values()}) == 2


def test_lost_state_relinks_through_footers_without_duplicates(tmp_path: Path) -> None:
    pair = seeded_pair(tmp_path, [Item(Kind.GOAL, "A"), Item(Kind.PROBLEM, "B")])
    pair.state.close()
    (tmp_path / "state.sqlite").unlink()
    fresh = MemoryPair(tmp_path, tuple(pair.targets))
    fresh.targets = pair.targets
    summary = fresh.sync()
    assert all(t.created == 0 for t in summary.targets.values())
    assert all(len(pair.board(n)) == 2 for n in pair.targets)


def test_dry_run_writes_nothing_anywhere(tmp_path: Path) -> None:
    pair = MemoryPair(tmp_path)
    pair.targets["exec"].put("r1", Item(Kind.GOAL, "New goal"))
    summary = pair.sync(dry_run=True)
    assert summary.targets["asst"].created == 1
    assert pair.board("asst") == []
    assert pair.state.items() == {}


@given(board=st.lists(items, min_size=1, max_size=4), data=st.data())
def test_merge_properties(board: list[Item], data: st.DataObject) -> None:
    """After any edits in any tools: every tool shows the same board; a field edited in
    one tool only keeps that edit; a second sync plans nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        pair = seeded_pair(Path(tmp), board)
        ids = sorted(by_id(pair, "exec"))
        made: dict[tuple[str, str], list[object]] = {}
        for name in pair.targets:
            for index, item_id in enumerate(ids):
                changes = data.draw(edits, label=f"{name}#{index}")
                current = by_id(pair, name)[item_id]
                changes = {f: v for f, v in changes.items() if getattr(current, f) != v}
                if changes:
                    edit(pair, name, index, **changes)
                for field, value in changes.items():
                    made.setdefault((item_id, field), []).append(value)
        pair.sync()
        boards = [by_id(pair, name) for name in pair.targets]
        assert all(b == boards[0] for b in boards)
        for (item_id, field), values in made.items():
            if len(values) == 1:
                assert getattr(boards[0][item_id], field) == values[0]
            elif field != "labels":
                assert getattr(boards[0][item_id], field) in values
        assert pair.sync().plan.is_empty
        pair.state.close()
