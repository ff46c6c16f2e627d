"""The pair's record as Evernote notes in one notebook (the `Publisher` contract).

Change detection is Evernote's own sync: the account's `updateCount` (`getSyncState`)
moves with every change. The cursor keeps the NoteStore's URL, the notebook's guid and the
`updateCount` last seen, so a settled run is one `getSyncState`; when the count moved by
exactly the notes pairsync itself wrote since (each write is one update), nothing else
changed; otherwise `getFilteredSyncChunk` from the cursor lists the notes that changed
(a note in the trash, or expunged, is gone). A changed note costs a `getNote`; an update a
`getNote` and an `updateNote` (Evernote replaces the content whole: `enml.merged` keeps a
person's own text); a new note a `createNote`, marked with application data
(`pairsync.<marker>`), which `findNotesMetadata` returns with each note (`find`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from evernote.edam.notestore.ttypes import NoteFilter, NotesMetadataResultSpec, SyncChunkFilter
from evernote.edam.type.ttypes import LazyMap, Note, NoteAttributes, Notebook

from adapters.evernote import enml
from adapters.evernote.config import EvernoteDocuments
from adapters.evernote.store import KEYS, EvernoteStore, NotFound
from sync.contract import CheckLine
from sync.documents.base import Changes, Document, Published, Publisher, PublishError, Readback

APP = "pairsync"


@dataclass
class _Cursor:
    store: str
    notebook: str
    usn: int


def data_key(marker: str) -> str:
    """The application-data key that marks a note (Evernote allows 3 to 32 of [A-Za-z0-9_.-])."""
    return f"{APP}.{marker.removeprefix('pairsync-')[:22]}"


class EvernotePublisher(Publisher):
    type_name = "evernote"
    config: EvernoteDocuments

    def __init__(
        self, config: EvernoteDocuments, pair: str, base_dir: Path, config_file: Path | None = None
    ) -> None:
        super().__init__(config, pair, base_dir, config_file)
        self.store = EvernoteStore(config, self._count)
        self._cursor: _Cursor | None = None
        self._notes: Any = None
        self._synced = False
        """Whether `changed` set the cursor's `usn` this run."""
        self._written: list[int] = []
        """The USNs of this run's writes."""

    def _count(self) -> None:
        self.requests += 1

    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes:
        where = self._where(cursor)
        notes = self._note_store()
        token = self.store.token
        state = self.store.call("getSyncState", lambda: notes.getSyncState(token))
        count = int(state.updateCount)
        ours = sum(1 for v in known.values() if v.isdigit() and int(v) > where.usn)
        versions: dict[str, str | None] = {}
        if count != where.usn and count - where.usn != ours:
            versions = self._since(where.usn, count, known)
        where.usn = count
        self._synced = True
        return Changes(versions, json.dumps(asdict(where)))

    def cursor_after(self, cursor: str | None) -> str | None:
        """The NoteStore and notebook found this run; and, on a run that wrote without a
        sync state (the first), the update count just before its first write, so the next
        run sees its own writes as such and asks for no sync chunk."""
        if self._cursor is None:
            return cursor
        if not self._synced and self._written:
            self._cursor.usn = max(self._cursor.usn, min(self._written) - 1)
        return json.dumps(asdict(self._cursor))

    def _since(self, usn: int, count: int, known: Mapping[str, str]) -> dict[str, str | None]:
        wanted = SyncChunkFilter(includeNotes=True, includeExpunged=True)
        now: dict[str, str | None] = {}
        while usn < count:
            chunk = self.store.call("getFilteredSyncChunk", partial(self._chunk, usn, wanted))
            for note in chunk.notes or []:
                now[note.guid] = str(note.updateSequenceNum) if note.active else None
            for guid in chunk.expungedNotes or []:
                now[guid] = None
            if chunk.chunkHighUSN is None or chunk.chunkHighUSN <= usn:
                break
            usn = int(chunk.chunkHighUSN)
        return {rid: now[rid] for rid, v in known.items() if rid in now and now[rid] != v}

    def _chunk(self, after: int, wanted: SyncChunkFilter) -> Any:
        return self._note_store().getFilteredSyncChunk(self.store.token, after, 100, wanted)

    def read(self, remote_id: str) -> Readback:
        note = self._note(remote_id)
        return Readback(str(note.updateSequenceNum), enml.marks(note.content))

    def publish(self, document: Document, remote_id: str | None) -> Published:
        notes, token = self._note_store(), self.store.token
        if remote_id is not None:
            try:
                note = self._note(remote_id)
            except PublishError:
                note = None  # deleted meanwhile: made anew
            if note is not None and note.active:
                update = Note(
                    guid=remote_id,
                    title=_title(document.title),
                    content=enml.merged(note.content, document),
                )
                done = self.store.call("updateNote", lambda: notes.updateNote(token, update))
                self._written.append(int(done.updateSequenceNum))
                return Published(remote_id, str(done.updateSequenceNum))
        marker = document.marker(self.pair)
        new = Note(
            title=_title(document.title),
            content=enml.note_content(document),
            notebookGuid=self._where(None).notebook,
            attributes=NoteAttributes(
                sourceApplication=APP, applicationData=LazyMap(fullMap={data_key(marker): "1"})
            ),
        )
        made = self.store.call("createNote", lambda: notes.createNote(token, new), safe=False)
        self._written.append(int(made.updateSequenceNum))
        return Published(str(made.guid), str(made.updateSequenceNum))

    def find(self, document: Document) -> str | None:
        notes, token = self._note_store(), self.store.token
        key = data_key(document.marker(self.pair))
        where = NoteFilter(notebookGuid=self._where(None).notebook)
        spec = NotesMetadataResultSpec(includeTitle=True, includeAttributes=True)
        found = self.store.call(
            "findNotesMetadata", lambda: notes.findNotesMetadata(token, where, 0, 250, spec)
        )
        for meta in found.notes or []:
            data = meta.attributes.applicationData if meta.attributes else None
            if data is not None and key in (data.keysOnly or ()):
                return str(meta.guid)
        return None

    def check(self) -> list[CheckLine]:
        try:
            where = self._where(None)
        except PublishError as exc:
            return [CheckLine("reach", False, str(exc)), CheckLine("keys", True, KEYS)]
        return [
            CheckLine("token", True, "accepted"),
            CheckLine("notebook", True, f"{self.config.notebook} ({where.notebook})"),
            CheckLine("ticks", True, "en-todo ticks and answers read back through the USN sync"),
        ]

    # -- the account ----------------------------------------------------------------------
    def _where(self, cursor: str | None) -> _Cursor:
        """The NoteStore URL and the notebook's guid: from the cursor, else asked once."""
        if self._cursor is None and cursor:
            self._cursor = _Cursor(**json.loads(cursor))
        if self._cursor is None:
            users, token = self.store.user_store(), self.store.token
            url = self.store.call("getNoteStoreUrl", lambda: users.getNoteStoreUrl(token))
            self._notes = self.store.note_store(url)
            self._cursor = _Cursor(url, self._notebook(), 0)
        return self._cursor

    def _note_store(self) -> Any:
        if self._notes is None:
            self._notes = self.store.note_store(self._where(None).store)
        return self._notes

    def _notebook(self) -> str:
        notes, token, name = self._notes, self.store.token, self.config.notebook
        books = self.store.call("listNotebooks", lambda: notes.listNotebooks(token))
        for book in books:
            if book.name == name:
                return str(book.guid)
        made = self.store.call(
            "createNotebook", lambda: notes.createNotebook(token, Notebook(name=name))
        )
        return str(made.guid)

    def _note(self, remote_id: str) -> Any:
        notes, token = self._note_store(), self.store.token
        try:
            return self.store.call(
                "getNote", lambda: notes.getNote(token, remote_id, True, False, False, False)
            )
        except NotFound:
            raise PublishError(self.name, f"note {remote_id} is gone") from None

    def close(self) -> None:
        """Each call opened and closed its own connection: nothing is held."""


def _title(title: str) -> str:
    """Evernote's title rules: 1 to 255 characters, no surrounding spaces, no line breaks."""
    return " ".join(title.split())[:255] or "pairsync"
