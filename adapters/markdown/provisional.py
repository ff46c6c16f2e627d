"""The ids of cards a person typed, until pairsync's marker is on them.

Such a card is known by its text: `new:<heading>:<n>:<hash>`, n counting identical cards
under that heading (so lines added elsewhere do not shift it). The engine records the
match before it writes the marker; a run killed in between leaves the state linking the
card by that text, and a person's edit then changes it. `rematched` finds the card again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

_PREFIX = "new:"


def provisional_id(heading: str, copy: int, digest: str) -> str:
    return f"{_PREFIX}{heading}:{copy}:{digest}"


def is_provisional(remote_id: str) -> bool:
    return remote_id.startswith(_PREFIX)


def rematched(cards: Sequence[tuple[str, str, bool]], linked: Collection[str]) -> dict[int, str]:
    """Card index -> the provisional id it had before a person edited it. `cards`: each
    card's (heading, remote id, marked) in file order; `linked`: the remote ids the state
    links. Under a heading, one linked provisional id this read lacks and one unmarked
    card the state does not link are that card, edited (more of either: no way to tell
    which, and the edit reads as a new card, as before)."""
    pending = {remote_id for remote_id in linked if is_provisional(remote_id)}
    lost = pending - {remote_id for _, remote_id, _ in cards}
    if not lost:
        return {}
    unlinked: dict[str, list[int]] = {}
    for index, (heading, remote_id, marked) in enumerate(cards):
        if not marked and remote_id not in pending:
            unlinked.setdefault(heading, []).append(index)
    orphans: dict[str, list[str]] = {}
    for remote_id in lost:
        orphans.setdefault(remote_id.removeprefix(_PREFIX).rsplit(":", 2)[0], []).append(remote_id)
    return {
        unlinked[heading][0]: remote_id
        for heading, (remote_id, *others) in orphans.items()
        if not others and len(unlinked.get(heading, ())) == 1
    }
