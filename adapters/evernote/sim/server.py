"""`EvernoteSimulator`: an Evernote account behind the SDK's own Thrift processors, so the
client speaks the real protocol (Evernote's description is its Thrift IDL; the generated
`Processor`s decode every call and encode every answer and exception by it).

    sim = EvernoteSimulator(speed=60).start()
    keys = sim.config_keys()                 # base_url, token, notebook
    sim.person.tick(guid, title_id)          # act as a person in Evernote

Served on loopback HTTP: `/edam/user` (UserStore) and `/shard/s1/notestore` (NoteStore),
one Thrift call per POST. Kept like the service: the account's update count and every
note's and notebook's USN, sync chunks (notes without content, expunged guids), the
trash, application data (`keysOnly` in metadata), ENML validated as Evernote does
(well-formed, `en-note` root, no `id`/`class`/event attributes, no forms or scripts,
`en-todo checked` true or false), title and notebook name rules, and a rate limit per
token answered with `EDAMSystemException(RATE_LIMIT_REACHED, rateLimitDuration)`.

Two shims, both for the SDK's Python 3 port on the *server* side only: its
`TMemoryBuffer` writes to a text `StringIO` (bytes fail), so requests are read and answers
written through a `BytesIO` transport here; and its `TBinaryProtocol` reads a message name
as bytes, which its `Processor` then cannot find among its str names, so the name is
decoded before dispatch. The client side runs unchanged.
"""

from __future__ import annotations

import io
import math
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import evernote.edam.notestore.NoteStore as NoteStore
import evernote.edam.userstore.UserStore as UserStore
from evernote.edam.error.ttypes import (
    EDAMErrorCode,
    EDAMNotFoundException,
    EDAMSystemException,
    EDAMUserException,
)
from evernote.edam.notestore.ttypes import NoteMetadata, NotesMetadataList, SyncChunk, SyncState
from evernote.edam.type.ttypes import LazyMap, Note, NoteAttributes, Notebook
from thrift.protocol import TBinaryProtocol
from thrift.transport import TTransport
from werkzeug.wrappers import Request, Response

from adapters.evernote import enml
from adapters.simclock import RateLimiter, SimClock
from adapters.simserver import Served, SimServer

RATE_LIMIT = 600
RATE_WINDOW = 3600.0
TOKEN = "S=s1:U=a1b2c:E=19c0:C=18b0:P=1cd:A=en-devtoken:V=2:H=sim"
NOTE_STORE = "/shard/s1/notestore"
_TITLE = re.compile(r"^[^\s\x00-\x1f]([^\x00-\x1f\u2028\u2029]{0,253}[^\s\x00-\x1f])?$")
_DATA_KEY = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
_PROHIBITED_TAGS = frozenset(
    {"applet", "base", "basefont", "bgsound", "blink", "body", "button", "dir", "embed",
     "fieldset", "form", "frame", "frameset", "head", "html", "iframe", "ilayer", "input",
     "isindex", "label", "layer", "legend", "link", "marquee", "menu", "meta", "noframes",
     "noscript", "object", "optgroup", "option", "param", "plaintext", "script", "select",
     "style", "textarea", "xml"}
)  # fmt: skip
_PROHIBITED_ATTRIBUTES = frozenset({"id", "class", "accesskey", "data", "dynsrc", "tabindex"})


def user_error(code: int, parameter: str) -> EDAMUserException:
    return EDAMUserException(errorCode=code, parameter=parameter)


@dataclass
class Account:
    update_count: int = 0
    notebooks: dict[str, Notebook] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    data: dict[str, dict[str, str]] = field(default_factory=dict)
    """Note guid -> its application data (the full map)."""
    expunged: dict[str, int] = field(default_factory=dict)

    def next_usn(self) -> int:
        self.update_count += 1
        return self.update_count


class Service:
    """The handler both processors call: the UserStore's and NoteStore's methods pairsync
    uses, with the service's checks."""

    def __init__(self, sim: EvernoteApp) -> None:
        self.sim = sim
        self.account = Account()

    # -- UserStore -------------------------------------------------------------------------
    def checkVersion(self, clientName: str, major: int, minor: int) -> bool:
        return bool(major == 1)

    def getNoteStoreUrl(self, token: str) -> str:
        self.sim.admit(token)
        return self.sim.root_url + NOTE_STORE

    # -- NoteStore: sync -------------------------------------------------------------------
    def getSyncState(self, token: str) -> SyncState:
        self.sim.admit(token)
        return SyncState(self.sim.now_ms(), 0, self.account.update_count, 0)

    def getFilteredSyncChunk(
        self, token: str, afterUSN: int, maxEntries: int, filter: Any
    ) -> SyncChunk:
        self.sim.admit(token)
        if maxEntries < 1:
            raise user_error(EDAMErrorCode.BAD_DATA_FORMAT, "maxEntries")
        items: list[tuple[int, str, Any]] = []
        if filter.includeNotes:
            items += [(n.updateSequenceNum, "note", n) for n in self.account.notes.values()]
        if filter.includeNotebooks:
            items += [(b.updateSequenceNum, "book", b) for b in self.account.notebooks.values()]
        if filter.includeExpunged:
            items += [(usn, "gone", guid) for guid, usn in self.account.expunged.items()]
        chosen = sorted((i for i in items if i[0] > afterUSN), key=lambda i: i[0])[:maxEntries]
        chunk = SyncChunk(
            currentTime=self.sim.now_ms(),
            updateCount=self.account.update_count,
            chunkHighUSN=chosen[-1][0] if chosen else None,
            notes=[_without_content(i[2]) for i in chosen if i[1] == "note"],
            notebooks=[i[2] for i in chosen if i[1] == "book"],
            expungedNotes=[i[2] for i in chosen if i[1] == "gone"],
        )
        return chunk

    # -- NoteStore: notebooks ----------------------------------------------------------------
    def listNotebooks(self, token: str) -> list[Notebook]:
        self.sim.admit(token)
        return list(self.account.notebooks.values())

    def createNotebook(self, token: str, notebook: Notebook) -> Notebook:
        self.sim.admit(token)
        name = notebook.name or ""
        if not _TITLE.match(name) or len(name) > 100:
            raise user_error(EDAMErrorCode.BAD_DATA_FORMAT, "Notebook.name")
        if any(b.name.lower() == name.lower() for b in self.account.notebooks.values()):
            raise user_error(EDAMErrorCode.DATA_CONFLICT, "Notebook.name")
        made = Notebook(
            guid=_guid(), name=name, updateSequenceNum=self.account.next_usn(),
            serviceCreated=self.sim.now_ms(), serviceUpdated=self.sim.now_ms(),
        )  # fmt: skip
        self.account.notebooks[made.guid] = made
        return made

    # -- NoteStore: notes ------------------------------------------------------------------
    def findNotesMetadata(
        self, token: str, filter: Any, offset: int, maxNotes: int, resultSpec: Any
    ) -> NotesMetadataList:
        self.sim.admit(token)
        found = [
            n
            for n in self.account.notes.values()
            if bool(filter.inactive) != bool(n.active)
            and (filter.notebookGuid is None or n.notebookGuid == filter.notebookGuid)
        ]
        chosen = found[offset : offset + min(maxNotes, 250)]
        return NotesMetadataList(
            startIndex=offset,
            totalNotes=len(found),
            notes=[self._metadata(n, resultSpec) for n in chosen],
            updateCount=self.account.update_count,
        )

    def _metadata(self, note: Note, spec: Any) -> NoteMetadata:
        attributes = None
        if spec.includeAttributes:
            keys = set(self.account.data.get(note.guid, {}))
            attributes = NoteAttributes(
                sourceApplication=note.attributes.sourceApplication if note.attributes else None,
                applicationData=LazyMap(keysOnly=keys) if keys else None,
            )
        return NoteMetadata(
            guid=note.guid,
            title=note.title if spec.includeTitle else None,
            updateSequenceNum=note.updateSequenceNum if spec.includeUpdateSequenceNum else None,
            attributes=attributes,
        )

    def getNote(self, token: str, guid: str, withContent: bool, *_: bool) -> Note:
        self.sim.admit(token)
        note = self._note(guid)
        return note if withContent else _without_content(note)

    def createNote(self, token: str, note: Note) -> Note:
        self.sim.admit(token)
        self._check(note)
        if note.notebookGuid not in self.account.notebooks:
            raise EDAMNotFoundException(identifier="Note.notebookGuid", key=note.notebookGuid)
        data = (
            (note.attributes.applicationData.fullMap or {})
            if note.attributes and note.attributes.applicationData
            else {}
        )
        for key in data:
            if not _DATA_KEY.match(key):
                raise user_error(EDAMErrorCode.BAD_DATA_FORMAT, "NoteAttributes.applicationData")
        now = self.sim.now_ms()
        made = Note(
            guid=_guid(), title=note.title, content=note.content,
            contentLength=len(note.content.encode("utf-8")), created=now, updated=now,
            active=True, updateSequenceNum=self.account.next_usn(),
            notebookGuid=note.notebookGuid,
            attributes=NoteAttributes(sourceApplication=_source(note)),
        )  # fmt: skip
        self.account.notes[made.guid] = made
        self.account.data[made.guid] = dict(data)
        return _without_content(made)

    def updateNote(self, token: str, note: Note) -> Note:
        self.sim.admit(token)
        stored = self._note(note.guid or "")
        self._check(note)
        stored.title, stored.content = note.title, note.content
        stored.contentLength = len(note.content.encode("utf-8"))
        self.touch(stored)
        return _without_content(stored)

    def _note(self, guid: str) -> Note:
        note = self.account.notes.get(guid)
        if note is None:
            raise EDAMNotFoundException(identifier="Note.guid", key=guid)
        return note

    def _check(self, note: Note) -> None:
        if not note.title or not _TITLE.match(note.title):
            raise user_error(EDAMErrorCode.BAD_DATA_FORMAT, "Note.title")
        if not note.content:
            raise user_error(EDAMErrorCode.DATA_REQUIRED, "Note.content")
        try:
            root = enml.parse(note.content)
        except enml.NotENML:
            raise user_error(EDAMErrorCode.ENML_VALIDATION, "Note.content") from None
        for node in root.iter():
            bad_attribute = any(
                a in _PROHIBITED_ATTRIBUTES or a.startswith("on") for a in node.attrib
            )
            checked = node.tag == "en-todo" and node.get("checked", "false") not in (
                "true",
                "false",
            )
            if node.tag in _PROHIBITED_TAGS or bad_attribute or checked:
                raise user_error(EDAMErrorCode.ENML_VALIDATION, "Note.content")

    def touch(self, note: Note) -> None:
        note.updated = self.sim.now_ms()
        note.updateSequenceNum = self.account.next_usn()


def _source(note: Note) -> str | None:
    """The note's `sourceApplication`, kept as given."""
    return note.attributes.sourceApplication if note.attributes else None


def _without_content(note: Note) -> Note:
    return Note(**{k: v for k, v in vars(note).items() if k != "content"})


def _guid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


class _Buffer(TTransport.TTransportBase):  # type: ignore[misc]
    """A bytes transport (the SDK's `TMemoryBuffer` writes to a text `StringIO`)."""

    def __init__(self, data: bytes = b"") -> None:
        self.incoming = io.BytesIO(data)
        self.outgoing = io.BytesIO()

    def read(self, size: int) -> bytes:
        return self.incoming.read(size)

    def readAll(self, size: int) -> bytes:
        data = self.incoming.read(size)
        if len(data) != size:
            raise EOFError("short Thrift message")
        return data

    def write(self, data: bytes) -> None:
        self.outgoing.write(data)

    def flush(self) -> None:
        """The answer is sent whole by the WSGI app."""


class _Protocol(TBinaryProtocol.TBinaryProtocol):  # type: ignore[misc]
    """Reads a message name as str, as the generated `Processor` looks it up."""

    def readMessageBegin(self) -> tuple[str, int, int]:
        name, kind, seqid = super().readMessageBegin()
        return (name.decode("utf-8") if isinstance(name, bytes) else name), kind, seqid


class EvernoteApp:
    """The WSGI app: one Thrift call per POST, to the UserStore or the NoteStore."""

    def __init__(self, speed: float = 1.0) -> None:
        self.clock = SimClock(speed)
        self.limiter = RateLimiter(RATE_LIMIT, RATE_WINDOW, self.clock)
        self.service = Service(self)
        self.user_store = UserStore.Processor(self.service)
        self.note_store = NoteStore.Processor(self.service)
        self.tokens = {TOKEN}
        self.expired: set[str] = set()
        self.rate_limit_next = 0
        self.calls: Counter[str] = Counter()
        self.root_url = ""
        self.lock = threading.RLock()

    def now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def admit(self, token: str) -> None:
        if token in self.expired:
            raise user_error(EDAMErrorCode.AUTH_EXPIRED, "authenticationToken")
        if token not in self.tokens:
            raise user_error(EDAMErrorCode.INVALID_AUTH, "authenticationToken")
        wait = self.limiter.admit(token)
        if self.rate_limit_next:
            self.rate_limit_next -= 1
            wait = max(wait, 1.0)
        if wait:
            duration = max(1, math.ceil(self.clock.to_real(wait)))
            raise EDAMSystemException(
                errorCode=EDAMErrorCode.RATE_LIMIT_REACHED, rateLimitDuration=duration
            )

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        processor = {"/edam/user": self.user_store, NOTE_STORE: self.note_store}.get(request.path)
        if processor is None or request.method != "POST":
            return Response("not found", status=404)(environ, start_response)
        incoming, outgoing = _Buffer(request.get_data()), _Buffer()
        with self.lock:
            name = _Protocol(_Buffer(request.get_data())).readMessageBegin()[0]
            self.calls[name] += 1
            processor.process(_Protocol(incoming), TBinaryProtocol.TBinaryProtocol(outgoing))
        answer = Response(outgoing.outgoing.getvalue(), content_type="application/x-thrift")
        return answer(environ, start_response)


class Person:
    """A person in Evernote: ticks a to-do, types an answer, writes, trashes a note."""

    def __init__(self, app: EvernoteApp) -> None:
        self.app = app

    def _edit(self, guid: str, change: Any) -> None:
        with self.app.lock:
            note = self.app.service.account.notes[guid]
            root = enml.parse(note.content)
            change(root)
            note.content = enml.serialize(root)
            self.app.service.touch(note)

    def tick(self, guid: str, title: str, checked: bool = True) -> None:
        def change(root: Any) -> None:
            node = next(n for n in root.iter("div") if n.get("title") == title)
            node.find("en-todo").set("checked", "true" if checked else "false")

        self._edit(guid, change)

    def type(self, guid: str, title: str, text: str) -> None:
        def change(root: Any) -> None:
            node = next(n for n in root.iter("div") if n.get("title") == title)
            for child in list(node):
                node.remove(child)
            node.text = text

        self._edit(guid, change)

    def write_own(self, guid: str, text: str) -> None:
        def change(root: Any) -> None:
            ET.SubElement(root, "div").text = text

        self._edit(guid, change)

    def trash(self, guid: str) -> None:
        with self.app.lock:
            note = self.app.service.account.notes[guid]
            note.active = False
            note.deleted = self.app.now_ms()
            self.app.service.touch(note)

    def shown(self, guid: str) -> str:
        with self.app.lock:
            note = self.app.service.account.notes[guid]
            return f"{note.title}\n{'=' * len(note.title)}\n{enml.text(note.content)}"


class EvernoteSimulator(Served):
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0) -> None:
        self.app = EvernoteApp(speed)
        self.server = SimServer(self.app, host, port)
        self.app.root_url = self.server.root_url
        self.person = Person(self.app)

    @property
    def base_url(self) -> str:
        return self.server.root_url

    def config_keys(self, credentials: Path | None = None) -> dict[str, str]:
        """The `[[documents]]` keys of this account (`pairsync simulate evernote`); a token
        is all Evernote needs (`credentials`: unused, as OneNote's simulator takes one)."""
        return {"type": "evernote", "base_url": self.base_url, "token": TOKEN}

    @property
    def requests(self) -> int:
        return sum(self.app.calls.values())
