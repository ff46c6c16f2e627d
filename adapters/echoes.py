"""Telling pairsync's own writes from a person's, from what the tool reports.

The run after a run that wrote sees its own writes in the tool's change feed (Trello's
board actions, Asana's events). Who made a change proves nothing: the token belongs to a
person who also edits by hand. What proves an echo is what the change says: the object
and field it touched and, where the tool says it, the value it set. A run that writes
records fingerprints of those facts; the next read drops every change it can match and
reads only what is left, or nothing when nothing is.

Fingerprints are short hashes, so the state database holds no card or task text. They
travel inside the target's cursor (the one value a run hands to the next read), which
keeps the state schema and the engine unaware of them.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def fingerprint(*parts: object) -> str:
    """A short, stable hash of the facts of one write (ids, field, value)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def pack(cursor: str | None, echoes: Any) -> str | None:
    """A cursor that also carries what this run wrote; just `cursor` when it wrote nothing."""
    if not echoes or cursor is None:
        return cursor
    return json.dumps({"cursor": cursor, "echoes": echoes}, separators=(",", ":"))


def unpack(cursor: str | None) -> tuple[str | None, Any]:
    """(the tool's own cursor, the echoes recorded with it or None) from a stored cursor;
    a cursor stored before echoes were recorded comes back as it is."""
    if not cursor or not cursor.startswith("{"):
        return cursor, None
    try:
        packed = json.loads(cursor)
        return str(packed["cursor"]), packed["echoes"]
    except (ValueError, KeyError, TypeError):
        return None, None  # unreadable: a full read, as after a lost cursor
