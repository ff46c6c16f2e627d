"""The order of items within each list is mirrored: the user-level cases against the
simulators, drags on memory targets and the pure rank functions of `sync.plan.order` as
properties."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.model import Item, Kind
from sync.plan.order import observed_ranks, placements
from sync.run.summary import summary_lines
from tests.memory_pair import MemoryPair
from tests.order_tools import assert_same_order, put_after, shown_lists
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools


def three_cards(tools: ThreeTools) -> tuple[ThreeTools, dict[str, str]]:
    tools.write_config()
    for title in ("A1 First", "A2 Second", "A3 Third"):
        tools.create(TRELLO, Kind.ACTION, title)
    assert not tools.sync().failed
    return tools, tools.ids()


def served(tools: ThreeTools) -> dict[str, Counter[str]]:
    """One sync; the requests the Trello and Asana simulators answered, by endpoint."""
    stats = {TRELLO: tools.trello.stats.requests, ASANA: tools.asana.stats.requests}
    before = {tool: Counter(counts) for tool, counts in stats.items()}
    summary = tools.sync()
    assert not summary.failed, summary.to_json()
    return {tool: Counter(stats[tool]) - before[tool] for tool in stats}


def test_cards_arrive_in_their_trello_order_and_a_move_to_the_top_reaches_every_tool(
    tools: ThreeTools,
) -> None:
    tools, ids = three_cards(tools)
    first = [ids["A1 First"], ids["A2 Second"], ids["A3 Third"]]
    assert assert_same_order(tools)[Kind.ACTION] == first
    assert tools.sync().plan.is_empty

    put_after(tools, TRELLO, ids["A3 Third"], None)  # drag A3 to the top
    summary = tools.sync()
    assert assert_same_order(tools)[Kind.ACTION] == [first[2], first[0], first[1]]
    writes = {name: len(summary.plan.writes.get(name, [])) for name in (NOTES, TRELLO, ASANA)}
    assert writes == {NOTES: 1, TRELLO: 0, ASANA: 1}  # one placed write per other tool
    assert tools.sync().plan.is_empty
    assert tools.board_path.read_text().index("A3 Third") < tools.board_path.read_text().index(
        "A1 First"
    )


def test_moves_in_asana_and_markdown_and_a_new_item_between_two(tools: ThreeTools) -> None:
    tools, ids = three_cards(tools)
    a1, a2, a3 = ids["A1 First"], ids["A2 Second"], ids["A3 Third"]
    put_after(tools, ASANA, a1, a3)  # A2 A3 A1
    tools.sync()
    assert assert_same_order(tools)[Kind.ACTION] == [a2, a3, a1]
    put_after(tools, NOTES, a3, None)  # A3 A2 A1
    tools.sync()
    assert assert_same_order(tools)[Kind.ACTION] == [a3, a2, a1]

    tools.create(NOTES, Kind.ACTION, "A4 Typed by hand")  # right under the heading: the top
    tools.sync()
    a4 = tools.ids()["A4 Typed by hand"]
    assert assert_same_order(tools)[Kind.ACTION] == [a4, a3, a2, a1]
    assert tools.sync().plan.is_empty


def test_concurrent_moves_of_one_item_settle_by_the_conflict_policy(tools: ThreeTools) -> None:
    tools, ids = three_cards(tools)
    tools.write_config(policy="executive")  # Asana is the executive's tool
    a1, a2, a3 = ids["A1 First"], ids["A2 Second"], ids["A3 Third"]
    put_after(tools, TRELLO, a3, None)  # Trello: A3 A1 A2
    put_after(tools, ASANA, a3, a1)  # Asana: A1 A3 A2
    summary = tools.sync()
    assert assert_same_order(tools)[Kind.ACTION] == [a1, a3, a2]
    assert "conflict on 'A3 Third' place: kept asana's over trello" in summary_lines(summary)
    assert tools.sync().plan.is_empty


def test_a_move_in_asana_read_incrementally_reaches_the_others(tools: ThreeTools) -> None:
    """Asana's read after a settled run sees only the task that moved: the others' places
    come from the project's order alone."""
    tools, ids = three_cards(tools)
    a1, a2, a3 = ids["A1 First"], ids["A2 Second"], ids["A3 Third"]
    put_after(tools, TRELLO, a3, None)  # A3 A1 A2
    tools.sync()
    tools.sync()
    put_after(tools, ASANA, a1, None)  # A1 A3 A2
    summary = tools.sync()
    assert assert_same_order(tools)[Kind.ACTION] == [a1, a3, a2]
    assert (len(summary.plan.writes[NOTES]), len(summary.plan.writes[TRELLO])) == (1, 1)
    assert tools.sync().plan.is_empty


def test_a_move_costs_one_write_per_other_tool_and_a_settled_run_one_request(
    tools: ThreeTools,
) -> None:
    tools, ids = three_cards(tools)
    tools.sync()
    put_after(tools, NOTES, ids["A3 Third"], None)  # to the top, in the board file
    moved = served(tools)
    writes = {t: {k: n for k, n in c.items() if not k.startswith("GET ")} for t, c in moved.items()}
    assert writes == {
        TRELLO: {"PUT /1/cards/<id>": 1},
        ASANA: {"POST /api/1.0/sections/<section_gid>/addTask": 1},
    }
    served(tools)  # reads the echo of those writes
    assert {t: c.total() for t, c in served(tools).items()} == {TRELLO: 1, ASANA: 1}
    assert shown_lists(tools, TRELLO)[Kind.ACTION][0] == ids["A3 Third"]


@given(st.lists(st.sampled_from(["", "a0", "a1", "a2", "a3", "Zz"]), max_size=8))
def test_observed_ranks_rise_down_the_list_and_keep_what_did_not_move(ranks: list[str]) -> None:
    shown = [(f"{i:02}", rank) for i, rank in enumerate(ranks)]
    result = observed_ranks(shown)
    assert [result[i] for i, _ in shown] == sorted(result[i] for i, _ in shown)
    assert len(set(result.values())) == len(result)
    kept = [rank for i, rank in shown if result[i] == rank and rank]
    assert kept == sorted(set(kept))


@given(st.permutations(list("abcdef")), st.permutations(list("abcdef")))
def test_placements_reach_the_wanted_order_with_the_fewest_moves(
    current: list[str], wanted: list[str]
) -> None:
    moves = placements(current, wanted)
    order = [i for i in current if i not in moves]
    for item_id, (after, _) in moves.items():
        order.insert(order.index(after) + 1 if after is not None else 0, item_id)
    assert order == wanted
    if current == wanted:
        assert not moves


@settings(max_examples=40)
@given(
    size=st.integers(1, 6),
    drags=st.lists(
        st.tuples(st.sampled_from(["exec", "asst", "notes"]), st.integers(0, 5), st.integers(0, 6)),
        max_size=4,
    ),
)
def test_drags_in_any_tools_converge_to_one_order_everywhere(
    size: int, drags: list[tuple[str, int, int]]
) -> None:
    """Memory targets, the real engine and state: after people drag items in any tools
    (several in one tool, or the same item in two), every tool shows one order, a lone
    drag is that order, and a second sync plans nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        pair = MemoryPair(Path(tmp), names=("exec", "asst", "notes"))
        for n in range(size):
            pair.targets["exec"].put(f"r{n}", Item(Kind.ACTION, f"A{n}"))
        pair.sync()
        for tool, pick, to in drags:
            target = pair.targets[tool]
            remote_ids = list(target.items)
            moved = remote_ids[pick % len(remote_ids)]
            others = [None, *(r for r in remote_ids if r != moved)]
            target.place(moved, others[to % len(others)])
        dragged = order_of(pair, drags[0][0]) if drags else None
        pair.sync()
        orders = {name: order_of(pair, name) for name in pair.targets}
        assert len(set(orders.values())) == 1, orders
        if len(drags) == 1:
            assert orders["exec"] == dragged  # a lone drag is what every tool shows
        assert pair.sync().plan.is_empty
        pair.state.close()


def order_of(pair: MemoryPair, name: str) -> tuple[str | None, ...]:
    return tuple(remote.item_id for remote in pair.targets[name].items.values())


def test_a_state_from_before_order_was_mirrored_takes_the_first_tools_order(
    tmp_path: Path,
) -> None:
    """Upgrading: the state knows no ranks and the tools disagree on the order. The first
    run takes the first listed tool's order everywhere, with no conflict and no touch."""
    pair = MemoryPair(tmp_path)
    for n in range(3):
        pair.targets["exec"].put(f"r{n}", Item(Kind.ACTION, f"A{n}"))
    pair.sync()
    asst = pair.targets["asst"]
    asst.place(list(asst.items)[2], None)  # the assistant's tool shows another order
    for table in ("items", "links"):
        column = "data" if table == "items" else "base"
        pair.state.db.execute(f"UPDATE {table} SET {column} = json_remove({column}, '$.rank')")
    pair.state.db.commit()
    touched = {i: r.changed_at for i, r in pair.state.items().items()}

    summary = pair.sync()
    assert (
        order_of(pair, "asst")
        == order_of(pair, "exec")
        == ("0" * 15 + "1", "0" * 15 + "2", "0" * 15 + "3")
    )
    assert not summary.plan.conflicts and not summary.plan.touched
    assert {i: r.changed_at for i, r in pair.state.items().items()} == touched
    assert pair.sync().plan.is_empty
