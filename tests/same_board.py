"""What "every tool shows the same board" means, field by field, given the fields a tool
cannot show: the trust tests and the state machine check each run's outcome with it."""

from __future__ import annotations

from sync.contract import RemoteItem
from sync.model import FIELDS, Item


def check_same_board(
    board: dict[str, Item], shown: dict[str, dict[str | None, list[RemoteItem]]]
) -> None:
    """Each tool (`shown`: what it shows, see `ThreeTools.shown`) shows every live item of
    the board once, with every field the tool can show equal; an archived item archived,
    or deleted in that tool; and nothing else."""
    for tool, found in shown.items():
        assert None not in found, f"{tool}: items without a link-back id: {found[None]}"
        assert found.keys() <= board.keys(), f"{tool}: unknown items {found.keys() - board}"
        for item_id, item in board.items():
            copies = found.get(item_id, [])
            assert len(copies) <= 1, f"{tool}: {item_id} shown {len(copies)} times"
            if not copies:
                assert item.archived, f"{tool}: {item.title!r} missing"
                continue
            seen, wanted = (visible(i, copies[0].hidden) for i in (copies[0].item, item))
            diff = {k: (v, wanted[k]) for k, v in seen.items() if v != wanted[k]}
            assert not diff, f"{tool} shows {item.title!r} as (tool, board): {diff}"


def visible(item: Item, hidden: frozenset[str]) -> dict[str, object]:
    """The fields a tool can show for an item (Asana cannot show an archived task's kind or
    whether it was done; a Markdown line under `## Archive` cannot show its kind). The
    rank is shown as the order, which tests/order_tools.py compares."""
    return {name: getattr(item, name) for name in FIELDS if name not in hidden | {"rank"}}
