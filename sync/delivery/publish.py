"""Keep the pair's record up to date in its `[[documents]]`, and bring back what a person
ticked or answered there; remember what was published, so that a rerun, a crash between a
publish and its commit, or a lost state never makes a second copy of a document.

A run, per `[[documents]]` entry (`DocumentsRun`):
1. `read_back`, before the targets sync: `Publisher.changed` (one request for all the
   entry's documents), then `read` of each document that changed; the Five Whys ticks
   and answers a person changed there become a view of no tool (`sync.record`), merged
   into the board as a person's edit is;
2. `agree`, once the run's board is committed: what was read becomes what pairsync and
   the document agree on (a run killed before that reads it again);
3. `publish`, after the targets: each document whose text differs from what was
   published is updated in place (an "about to publish" row first, then `find` by its
   marker before a create), and its remote id, version, digest and marks are committed.
An entry that cannot be read this run is not written either (a person's unread tick
would be overwritten); the other entries and the targets go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from adapters import publisher_for
from sync.config import PairConfig
from sync.delivery.buttons import marks
from sync.delivery.record import build_documents, record_views
from sync.documents.base import Document, EntryRef, Mark, Publisher, PublishError
from sync.plan.observe import TargetView
from sync.run.report import counted
from sync.store.state import PublishedRecord, State

log = logging.getLogger("pairsync")


@dataclass
class Publication:
    document: str
    """The `[[documents]]` entry's name."""
    verb: str
    """created | updated | found and updated (prefixed "would " on a dry run)"""
    content: Document


@dataclass
class PublishReport:
    publications: list[Publication] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    read_back: dict[str, list[str]] = field(default_factory=dict)
    """Entry -> the titles of the documents in which a person changed ticks or answers."""
    agenda_ticks: dict[str, dict[str, bool]] = field(default_factory=dict)
    """Entry -> item id -> ticked, of the talking points of the newest agenda read."""

    def lines(self) -> list[str]:
        lines = [
            f"document {name}: read back ticks and answers from {title!r}"
            for name, titles in self.read_back.items()
            for title in titles
        ]
        lines += [f"document {p.document}: {p.verb} {p.content.title!r}" for p in self.publications]
        lines += self.errors
        lines += [
            f"document {name}: {counted(n, 'request')}" for name, n in self.requests.items() if n
        ]
        return lines

    def shown(self, dry_run: bool) -> list[str]:
        """What `pairsync publish` prints: each document (as text on a dry run), requests."""
        lines = []
        for p in self.publications:
            lines.append(f"document {p.document}: {p.verb} {p.content.title!r}")
            if dry_run:
                lines += ["    " + line for line in p.content.text().splitlines()]
        lines += [f"document {name}: {counted(n, 'request')}" for name, n in self.requests.items()]
        return lines or ([] if self.errors else ["nothing to publish"])

    def to_json(self) -> dict[str, object]:
        return {
            "published": [
                {
                    "document": p.document,
                    "did": p.verb,
                    "kind": p.content.kind,
                    "key": p.content.key,
                }
                for p in self.publications
            ],
            "read_back": self.read_back,
            "errors": self.errors,
            "requests": self.requests,
        }


@dataclass
class _Read:
    """One entry's read-back this run: document key -> (version, marks) read, and the
    `changed` cursor to keep."""

    documents: dict[str, tuple[str, dict[EntryRef, Mark]]]
    cursor: str | None
    gone: set[str]


class DocumentsRun:
    """The `[[documents]]` of one run; the caller holds the pair's lock and owns `state`."""

    def __init__(
        self, config: PairConfig, state: State, publishers: list[Publisher] | None = None
    ) -> None:
        self.config = config
        self.state = state
        self.publishers = (
            publishers
            if publishers is not None
            else [
                publisher_for(d, config.pair.name, config.config_dir, config.pair_file)
                for d in config.documents
            ]
        )
        self.report = PublishReport()
        self._reads: dict[str, _Read] = {}

    def read_back(self) -> list[TargetView]:
        """Phase 1: what changed in each entry's documents, as views of no tool."""
        board = {item_id: r.item for item_id, r in self.state.items().items()}
        views = []
        for publisher in self.publishers:
            try:
                read = self._read(publisher)
            except PublishError as exc:
                self.report.errors.append(str(exc))
                continue
            self._reads[publisher.name] = read
            agreed = {k: r.marks for k, r in self.state.published(publisher.name).items()}
            steps = self.config.five_whys.steps
            view = record_views(publisher.name, read.documents, agreed, board, steps)
            if view is not None and view.snapshot is not None:
                views.append(view)
                titles = [board[i].title for i in sorted(view.snapshot.items)]
                self.report.read_back[publisher.name] = titles
            self._agenda_ticks(publisher.name, read)
        return views

    def _read(self, publisher: Publisher) -> _Read:
        records = self.state.published(publisher.name)
        known = {r.remote_id: r.version or "" for r in records.values() if r.remote_id}
        if not known:
            return _Read({}, self.state.publish_cursor(publisher.name), set())
        changes = publisher.changed(known, self.state.publish_cursor(publisher.name))
        documents: dict[str, tuple[str, dict[EntryRef, Mark]]] = {}
        gone = set()
        for key, record in sorted(records.items()):
            if record.remote_id is None or record.remote_id not in changes.versions:
                continue
            if changes.versions[record.remote_id] is None:
                gone.add(key)  # a person deleted it: published afresh
                continue
            readback = publisher.read(record.remote_id)
            version = changes.versions[record.remote_id] or readback.version or ""
            documents[key] = (version, dict(readback.marks))
        return _Read(documents, changes.cursor, gone)

    def discussed(self) -> set[str]:
        """Items ticked in the newest agenda read back this run: discussed (a talking
        point's `discuss` label comes off; `sync.plan.facilitation`)."""
        return {
            item_id
            for ticks in self.report.agenda_ticks.values()
            for item_id, ticked in ticks.items()
            if ticked
        }

    def _agenda_ticks(self, name: str, read: _Read) -> None:
        if "agenda" not in read.documents:
            return
        shown = read.documents["agenda"][1]
        newest = max((part for part, _ in shown), default=None)
        self.report.agenda_ticks[name] = {
            entry: bool(mark.ticked) for (part, entry), mark in shown.items() if part == newest
        }

    def agree(self) -> None:
        """Phase 2, after the run's board is committed: the marks read are what the
        document shows (published again only where the merged board differs)."""
        with self.state.transaction():
            for name, read in self._reads.items():
                records = self.state.published(name)
                for key, (version, shown) in read.documents.items():
                    record = records[key]
                    self.state.save_published(
                        name,
                        key,
                        PublishedRecord(
                            record.remote_id, version, record.digest, shown, record.published_at
                        ),
                    )
                for key in read.gone:
                    record = records[key]
                    self.state.save_published(
                        name, key, PublishedRecord(None, None, "", {}, record.published_at)
                    )
                self.state.save_publish_cursor(name, read.cursor)

    def publish(self, now: datetime, dry_run: bool = False) -> PublishReport:
        """Phase 3: every document whose text changed, updated in place or created."""
        records = self.state.items()
        board_marks = marks(self.state, now)
        for publisher in self.publishers:
            if publisher.name not in self._reads:
                continue  # could not be read: a person's tick there would be overwritten
            entry = next(d for d in self.config.documents if d.name == publisher.name)
            published = self.state.published(publisher.name)
            kept = {key: record.marks for key, record in published.items()}
            documents = build_documents(self.config, records, entry.publish, now, kept, board_marks)
            try:
                for document in documents:
                    verb = self._publish(
                        publisher, document, published.get(document.key), now, dry_run
                    )
                    if verb:
                        self.report.publications.append(Publication(publisher.name, verb, document))
            except PublishError as exc:
                self.report.errors.append(str(exc))
            if not dry_run:
                cursor = publisher.cursor_after(self._reads[publisher.name].cursor)
                with self.state.transaction():
                    self.state.save_publish_cursor(publisher.name, cursor)
        return self.report

    def _publish(
        self,
        publisher: Publisher,
        document: Document,
        record: PublishedRecord | None,
        now: datetime,
        dry_run: bool,
    ) -> str | None:
        remote_id = record.remote_id if record is not None else None
        if record is not None and remote_id is not None:
            if record.digest == document.substance and _shown(record, document) == document.marks():
                return None
            if dry_run:
                return "would update"
            verb = "updated"
        elif dry_run:
            return "would create"
        else:
            if record is None:  # about to publish: a crash after the create is found again
                self._save(publisher.name, document, PublishedRecord(None, None, "", {}, now))
            remote_id = publisher.find(document)
            verb = "created" if remote_id is None else "found and updated"
        result = publisher.publish(document, remote_id)
        self._save(
            publisher.name,
            document,
            PublishedRecord(
                result.remote_id,
                result.version,
                document.substance,
                {**(record.marks if record else {}), **document.marks()},
                now,
            ),
        )
        return verb

    def _save(self, name: str, document: Document, record: PublishedRecord) -> None:
        with self.state.transaction():
            self.state.save_published(name, document.key, record)

    def close(self) -> None:
        for publisher in self.publishers:
            self.report.requests[publisher.name] = publisher.requests
            publisher.close()


def _shown(record: PublishedRecord, document: Document) -> dict[EntryRef, Mark]:
    """The marks the document shows in the parts `document` has (an earlier agenda's
    ticks are kept, not compared)."""
    parts = {part.key for part in document.parts}
    return {ref: mark for ref, mark in record.marks.items() if ref[0] in parts}
