"""The order of items in each tool, for the order tests and the state machine: what each
tool shows top to bottom per list, what the board says, and a person dragging an item to
the top of its list or just below another item, in Trello, Asana or the Markdown file."""

from __future__ import annotations

from sync.contract import DEFAULT_LISTS
from sync.model import Item, Kind
from sync.plan.order import sort_key
from tests.three_tools import ASANA, NOTES, TOOLS, TRELLO, ThreeTools
from tests.tool_hands import md_span

Lists = dict[Kind, list[str]]


def shown_lists(tools: ThreeTools, tool: str) -> Lists:
    """Item ids (link-back ids) per list, top to bottom, as the tool shows them."""
    adapter = tools.adapter(tool)
    try:
        snapshot = adapter.read()
    finally:
        adapter.close()
    assert snapshot.order is not None, f"{tool}: a full read shows the order"
    lists: Lists = {}
    for remote_id in snapshot.order:
        remote = snapshot.items[remote_id]
        if remote.item_id is not None:
            lists.setdefault(remote.item.kind, []).append(remote.item_id)
    return lists


def board_lists(board: dict[str, Item]) -> Lists:
    """Item ids per list, top to bottom, as the shared board orders them."""
    lists: Lists = {}
    for item_id in sorted(board, key=lambda i: sort_key(i, board[i])):
        if not board[item_id].archived:
            lists.setdefault(board[item_id].kind, []).append(item_id)
    return lists


def assert_same_order(tools: ThreeTools) -> Lists:
    """Every tool shows every list in the board's order; returns that order."""
    wanted = board_lists(tools.canonical())
    for tool in TOOLS:
        assert shown_lists(tools, tool) == wanted, f"{tool} shows another order"
    return wanted


def put_after(tools: ThreeTools, tool: str, item_id: str, after: str | None) -> None:
    """Drag the item within its list to just below `after`, or to the top (None)."""
    kind = next(k for k, ids in shown_lists(tools, tool).items() if item_id in ids)
    ids = [i for i in shown_lists(tools, tool)[kind] if i != item_id]
    below = (
        ids[ids.index(after) + 1] if after is not None and ids.index(after) + 1 < len(ids) else None
    )
    above_first = ids[0] if after is None and ids else None
    if tool == TRELLO:
        cards = {i: tools.card_of(i) for i in ids}
        if after is None:
            pos: float | str = "top"
        elif below is None:
            pos = "bottom"
        else:
            pos = (cards[after].pos + cards[below].pos) / 2
        tools.trello.person.edit_card(tools.card_of(item_id).id, pos=pos)
    elif tool == ASANA:
        anchor = {"after": tools.task_of(after).gid} if after else {}
        if not anchor and above_first:
            anchor = {"before": tools.task_of(above_first).gid}
        tools.asana.person.move(
            tools.task_of(item_id).gid, DEFAULT_LISTS[kind], tools.world.project_gid, **anchor
        )
    else:
        assert tool == NOTES
        lines = tools.md_lines()
        start, end = md_span(lines, item_id)
        card, rest = lines[start:end], lines[:start] + lines[end:]
        anchor = after or above_first
        if anchor is None:
            at = rest.index(f"## {DEFAULT_LISTS[kind]}\n") + 2
        else:
            first, last = md_span(rest, anchor)
            at = last if after else first
        rest[at:at] = card
        tools.md_write(rest)
