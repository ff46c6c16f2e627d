"""Drive's side of the simulator: every spreadsheet and document is a Drive file with an
owner, parents, `appProperties` and a `version` that goes up with every change of the
file, by the API or by a person, as Drive's does (`files.get?fields=version` is how
pairsync tells that nothing changed at the cost of one request).

`files.list` understands the `q` terms pairsync and people use: `appProperties has {key=
'k' and value='v'}`, `mimeType = '...'`, `'<folder>' in parents`, `name = '...'` and
`trashed = false`, joined by `and`.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from adapters.simkit import ServiceError, iso

SHEET = "application/vnd.google-apps.spreadsheet"
DOCUMENT = "application/vnd.google-apps.document"
FOLDER = "application/vnd.google-apps.folder"


@dataclass
class File:
    id: str
    name: str
    mime_type: str
    owner: str
    created: float
    modified: float
    parents: list[str] = field(default_factory=list)
    app_properties: dict[str, str] = field(default_factory=dict)
    version: int = 1
    trashed: bool = False
    shared_drive: bool = False
    shared_with: set[str] = field(default_factory=set)
    """Users the owner shared the file with (editors)."""

    def reaches(self, user: str) -> bool:
        return user == self.owner or user in self.shared_with or self.shared_drive

    def json(self) -> dict[str, Any]:
        owner = self.owner
        record: dict[str, Any] = {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "version": str(self.version),
            "createdTime": iso(self.created),
            "modifiedTime": iso(self.modified),
            "parents": list(self.parents),
            "trashed": self.trashed,
            "owners": [] if self.shared_drive else [{"kind": "drive#user", "emailAddress": owner}],
        }
        if self.app_properties:
            record["appProperties"] = dict(self.app_properties)
        return record


def select(record: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Google's partial response `fields=a,b(c,d),files(id,name)`, top level and one below
    (what pairsync and `files.list` need); nested lists keep each element's chosen keys."""
    if not fields:
        return record
    out: dict[str, Any] = {}
    for name, inner in re.findall(r"([A-Za-z]+)(?:\(([^()]*)\))?", fields):
        if name not in record:
            continue
        value = record[name]
        if inner and isinstance(value, list):
            value = [select(v, inner) if isinstance(v, dict) else v for v in value]
        elif inner and isinstance(value, dict):
            value = select(value, inner)
        out[name] = value
    return out


_TERM = re.compile(
    r"appProperties has \{ ?key ?= ?'(?P<key>[^']*)' and value ?= ?'(?P<value>[^']*)' ?\}"
    r"|mimeType ?= ?'(?P<mime>[^']*)'"
    r"|'(?P<parent>[^']*)' in parents"
    r"|name ?= ?'(?P<name>[^']*)'"
    r"|trashed ?= ?(?P<trashed>true|false)"
)


def matcher(query: str) -> Callable[[File], bool]:
    """The files a `q` string selects (the subset of Drive's query language above)."""
    terms = []
    for part in re.split(r"\s+and\s+(?![^{]*\})", query.strip()) if query.strip() else []:
        term = _TERM.fullmatch(part.strip())
        if term is None:
            raise ServiceError(400, f"Invalid Value: {part}")
        terms.append(term.groupdict())

    def wanted(found: File) -> bool:
        return all(_holds(term, found) for term in terms)

    return wanted


def _holds(term: dict[str, str | None], found: File) -> bool:
    if term["key"] is not None:
        return found.app_properties.get(term["key"]) == term["value"]
    if term["mime"] is not None:
        return found.mime_type == term["mime"]
    if term["parent"] is not None:
        return term["parent"] in found.parents
    if term["name"] is not None:
        return found.name == term["name"]
    return found.trashed == (term["trashed"] == "true")


class Drive:
    def __init__(self, now: Callable[[], float]) -> None:
        self.now = now
        self.files: dict[str, File] = {}

    def create(
        self, name: str, mime_type: str, owner: str, parents: list[str] | None = None
    ) -> File:
        file_id = secrets.token_urlsafe(33)[:44].replace("-", "A")
        now = self.now()
        made = File(file_id, name, mime_type, owner, now, now, list(parents or []))
        self.files[file_id] = made
        return made

    def get(self, file_id: str, user: str) -> File:
        found = self.files.get(file_id)
        if found is None or not found.reaches(user):
            raise ServiceError(404, f"File not found: {file_id}.")
        return found

    def touched(self, file_id: str) -> None:
        """A change to the file's content: a new version."""
        found = self.files[file_id]
        found.version += 1
        found.modified = self.now()

    def update(self, found: File, body: dict[str, Any], add: str, remove: str) -> File:
        if "name" in body:
            found.name = body["name"]
        for key, value in (body.get("appProperties") or {}).items():
            if value is None:
                found.app_properties.pop(key, None)
            else:
                found.app_properties[key] = value
        found.parents = [p for p in found.parents if p not in remove.split(",")]
        found.parents += [p for p in add.split(",") if p and p not in found.parents]
        found.trashed = bool(body.get("trashed", found.trashed))
        found.version += 1
        found.modified = self.now()
        return found

    def list(self, query: str, user: str) -> list[File]:
        wanted = matcher(query)
        return [f for f in self.files.values() if (f.owner == user or f.shared_drive) and wanted(f)]
