"""What the publishers of document services share: how they name pairsync's parts and
entries inside a document they cannot attach data to otherwise (a OneNote `data-id`, an
Evernote div's `title`: the keys base32-encoded, letters and digits only, so any tool
keeps them), the marks of every entry read back from what the tool shows per id, and the
retry policy's failures as one line naming the document entry."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import TypeVar

from adapters.retry import GaveUp, Uncertain, with_retries
from sync.documents.base import EntryRef, Mark, PublishError

T = TypeVar("T")

PREFIX = "ps-"
ANSWER = "-a"
"""Suffix of the id of an entry's answer (the block under its checkbox)."""


def key_id(key: str) -> str:
    return base64.b32encode(key.encode("utf-8")).decode("ascii").rstrip("=").lower()


def key_of(encoded: str) -> str:
    padded = encoded.upper() + "=" * (-len(encoded) % 8)
    return base64.b32decode(padded).decode("utf-8")


def part_id(part: str) -> str:
    return f"{PREFIX}{key_id(part)}"


def entry_id(part: str, entry: str) -> str:
    return f"{part_id(part)}-{key_id(entry)}"


def entry_ref(ident: str) -> EntryRef | None:
    """The (part, entry) keys an entry's id names; None for any other id."""
    pieces = ident.removeprefix(PREFIX).split("-")
    if not ident.startswith(PREFIX) or len(pieces) != 2:
        return None
    try:
        return key_of(pieces[0]), key_of(pieces[1])
    except (ValueError, UnicodeDecodeError):
        return None


def marks_from(
    ids: set[str], ticks: Mapping[str, bool], texts: Mapping[str, str]
) -> dict[EntryRef, Mark]:
    """The marks of every entry on a document: its tick (`ticks` by entry id, absent: no
    checkbox) and its answer (the text of the entry's answer block, if there is one)."""
    marks: dict[EntryRef, Mark] = {}
    for ident in ids:
        ref = entry_ref(ident)
        if ref is None:
            continue
        answer = texts.get(ident + ANSWER, "") if ident + ANSWER in ids else None
        mark = Mark(ticks.get(ident), answer)
        if mark != Mark():
            marks[ref] = mark
    return marks


def retried(
    document: str, service: str, attempt: Callable[[], T], seconds: float, backoff: float
) -> T:
    """`adapters.retry.with_retries` for a publisher: out of attempts, or a create whose
    answer was lost, is one `PublishError` line naming the document entry and service."""
    try:
        return with_retries(attempt, seconds, backoff)
    except GaveUp as exc:
        raise PublishError(document, f"{service}: {exc}") from None
    except Uncertain as exc:
        raise PublishError(document, f"{service}: {exc}", uncertain=True) from None
