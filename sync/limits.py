"""Texts cut to fit a tool's limits, visibly, and recognised again when read back. Pure.

A tool that cannot hold a whole title or description (Trello: 16,384 characters each)
is sent a shortened copy that ends with a marker; the board and the other tools keep the
whole text. Reading, `restore` turns a shortened copy back into the whole text it was
cut from, so the cut never reads as a person's edit: no loop, nothing lost. A person
who edits the kept part of a shortened text (the marker still at its end) is not seen;
one who deletes the marker has written a new text, and it syncs as such.
"""

from __future__ import annotations

TITLE_MARK = " [… shortened]"
NOTES_MARK = "\n\n[… shortened by pairsync: the whole text is in the other tools]"


def shorten(text: str, limit: int, mark: str) -> str:
    """`text` if it fits in `limit` characters, else its start and `mark` (`limit` long)."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(mark), 0)] + mark


def restore(shown: str, known: str, mark: str) -> str:
    """The whole `known` text when `shown` is a shortened copy of it, else `shown`."""
    if shown.endswith(mark) and len(known) > len(shown) - len(mark):
        kept = shown[: len(shown) - len(mark)]
        if known.startswith(kept):
            return known
    return shown
