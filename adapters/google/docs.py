"""The Google Docs publisher (`type = "google_docs"`): the pair's record as Google Docs,
updated in place (`adapters.google.record` lays them out).

Requests: `changed` is one Drive `files.list` of the pair's documents (by the
`appProperties` pairsync put on them) with their versions, however many there are; a
changed document is read with one `documents.get`; a write is one `documents.batchUpdate`
carrying `writeControl.requiredRevisionId` (the revision read: a person's edit in
between refuses it, and it is retried on a fresh read), then one `files.get` for the
version it produced. A new document costs `documents.create` and one `files.update`
(its `appProperties` marker, its folder) more. `find` is one `files.list` by the marker,
so a lost state never makes a second copy. Docs allows 60 writes a minute per user:
paced.

Ticks go one way: the Docs API neither shows nor sets a checklist item's tick
(googleapis/google-api-nodejs-client#2870), so a ticked step is written as ✓ and a tick
made in the document is not read back; answers typed on an `Answer:` line are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from googleapiclient.errors import HttpError

from adapters.google import record
from adapters.google.auth import SCOPES, is_service_account
from adapters.google.config import GoogleDocsDocuments
from adapters.google.http import Apis
from adapters.retry import Uncertain
from sync.contract import CheckLine
from sync.documents.base import (
    Changes,
    Document,
    Published,
    Publisher,
    PublishError,
    Readback,
)
from sync.errors import TargetError

ATTEMPTS = 3
"""Writes refused because a person edited in between, before giving up for this run."""


class GoogleDocsPublisher(Publisher):
    type_name = "google_docs"
    shows_ticks = False
    config: GoogleDocsDocuments

    def __init__(
        self,
        config: GoogleDocsDocuments,
        pair: str,
        base_dir: Path,
        config_file: Path | None = None,
    ) -> None:
        super().__init__(config, pair, base_dir, config_file)
        self.credentials = base_dir / config.credentials
        self.pair_tag = "pairsync-" + hashlib.sha256(pair.encode()).hexdigest()[:24]
        located = config.model_copy(update={"credentials": self.credentials})
        self.apis = Apis(
            self.name,
            located,
            "docs",
            SCOPES["docs"],
            lambda method, uri: method in ("GET", "PATCH"),
            self._count,
            config_file,
        )

    def _apis(self) -> tuple[Any, Any]:
        try:
            return self.apis["docs"], self.apis["drive"]
        except TargetError as exc:
            raise PublishError(self.name, exc.reason) from None

    def _count(self) -> None:
        self.requests += 1

    def _call(self, request: Any, what: str) -> Any:
        try:
            return request.execute()
        except HttpError as exc:
            raise PublishError(self.name, f"{what} refused ({exc.resp.status})") from None
        except Uncertain:
            raise PublishError(self.name, f"{what}: no answer", uncertain=True) from None
        except TargetError as exc:
            raise PublishError(self.name, exc.reason) from None

    def _list(self, query: str) -> list[dict[str, Any]]:
        _, drive = self._apis()
        files: list[dict[str, Any]] = []
        token = None
        while True:
            page = self._call(
                drive["files"].list(
                    q=f"{query} and trashed = false",
                    fields="nextPageToken,files(id,version)",
                    pageSize=1000,
                    pageToken=token,
                ),
                "Drive files.list",
            )
            files += page.get("files", [])
            token = page.get("nextPageToken")
            if not token:
                return files

    # -- the contract ---------------------------------------------------------------------
    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes:
        if not known:
            return Changes({}, cursor)
        now = {
            f["id"]: str(f["version"])
            for f in self._list(f"appProperties has {{ key='pair' and value='{self.pair_tag}' }}")
        }
        versions = {rid: now.get(rid) for rid, seen in known.items() if now.get(rid) != seen}
        return Changes(versions, cursor)

    def read(self, remote_id: str) -> Readback:
        docs, _ = self._apis()
        doc = self._call(docs["documents"].get(documentId=remote_id), "Docs documents.get")
        return Readback(None, record.marks(doc))

    def find(self, document: Document) -> str | None:
        marker = document.marker(self.pair)
        found = self._list(f"appProperties has {{ key='pairsync' and value='{marker}' }}")
        return found[0]["id"] if found else None

    def publish(self, document: Document, remote_id: str | None) -> Published:
        docs, drive = self._apis()
        if remote_id is None:
            made = self._call(
                docs["documents"].create(body={"title": document.title}), "Docs documents.create"
            )
            remote_id = str(made["documentId"])
            properties = {"pairsync": document.marker(self.pair), "pair": self.pair_tag}
            self._call(
                drive["files"].update(
                    fileId=remote_id,
                    body={"appProperties": properties},
                    addParents=self.config.folder_id,
                    fields="id",
                ),
                "Drive files.update",
            )
        for attempt in range(ATTEMPTS):
            doc = self._call(docs["documents"].get(documentId=remote_id), "Docs documents.get")
            requests = record.requests(doc, document)
            if not requests:
                break
            control = {"requiredRevisionId": doc["revisionId"]}
            body = {"requests": requests, "writeControl": control}
            try:
                docs["documents"].batchUpdate(documentId=remote_id, body=body).execute()
                break
            except HttpError as exc:
                if int(exc.resp.status) != 400 or attempt == ATTEMPTS - 1:
                    raise PublishError(
                        self.name, f"Docs batchUpdate refused ({exc.resp.status})"
                    ) from None
            except (Uncertain, TargetError) as exc:
                raise PublishError(self.name, str(exc), uncertain=True) from None
        meta = self._call(drive["files"].get(fileId=remote_id, fields="version"), "Drive files.get")
        return Published(remote_id, str(meta["version"]))

    def check(self) -> list[CheckLine]:
        try:
            robot = is_service_account(self.name, self.credentials)
            self._list(f"appProperties has {{ key='pair' and value='{self.pair_tag}' }}")
        except (TargetError, PublishError) as exc:
            return [CheckLine("reach", False, str(exc))]
        lines = [CheckLine("drive", True, "reached; the pair's documents are listed")]
        if robot:
            lines.append(
                CheckLine(
                    "storage",
                    True,
                    "a service account owns no Drive storage: set folder_id to a folder "
                    "in a shared drive",
                )
            )
        lines.append(
            CheckLine(
                "ticks",
                True,
                "one way: a ticked step shows ✓ in the document; a tick made there is not "
                "read back (the Docs API does not show it), an answer typed there is",
            )
        )
        return lines
