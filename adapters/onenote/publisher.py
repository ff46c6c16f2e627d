"""The pair's record as OneNote pages in one section (the `Publisher` contract).

Requests: a settled run lists the section's pages with their `lastModifiedDateTime`
(one request, however many documents; OneNote has no webhooks and no delta since 2023);
a changed page costs one GET of its HTML; an update one GET of the HTML (which parts are
there), one PATCH of the parts by data-id and one GET of its modified time (the version
the next run compares); a new page one POST. `find` lists the pages with the
document's title and reads their HTML for pairsync's marker.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from adapters.onenote.config import OneNoteDocuments
from adapters.onenote.graph import Graph, NotFound
from adapters.onenote.page import page_html, patch_commands, read_page
from sync.contract import CheckLine
from sync.documents.base import (
    Changes,
    Document,
    Published,
    Publisher,
    PublishError,
    Readback,
)


class OneNotePublisher(Publisher):
    type_name = "onenote"
    config: OneNoteDocuments

    def __init__(
        self, config: OneNoteDocuments, pair: str, base_dir: Path, config_file: Path | None = None
    ) -> None:
        super().__init__(config, pair, base_dir, config_file)
        self.graph = Graph(config, base_dir, self._count, config_file)
        self._section_id = config.section_id

    def _count(self) -> None:
        self.requests += 1

    def changed(self, known: Mapping[str, str], cursor: str | None) -> Changes:
        section = self._section(cursor)
        now = self._versions(section)
        versions = {rid: now.get(rid) for rid, v in known.items() if now.get(rid) != v}
        return Changes(versions, section if self.config.section_id is None else None)

    def cursor_after(self, cursor: str | None) -> str | None:
        """The section found by its names this run (none is looked up with section_id)."""
        return self._section_id if self.config.section_id is None else None

    def read(self, remote_id: str) -> Readback:
        try:
            content = read_page(
                self.graph.call("GET", f"/me/onenote/pages/{remote_id}/content").text
            )
        except NotFound:
            raise PublishError(self.name, f"page {remote_id} is gone") from None
        return Readback(None, content.marks())

    def publish(self, document: Document, remote_id: str | None) -> Published:
        marker = document.marker(self.pair)
        if remote_id is not None:
            try:
                shown = read_page(
                    self.graph.call("GET", f"/me/onenote/pages/{remote_id}/content").text
                )
                commands = patch_commands(document, marker, shown)
                if commands:
                    self.graph.call(
                        "PATCH", f"/me/onenote/pages/{remote_id}/content", json=commands
                    )
                return Published(remote_id, self._version(remote_id))
            except NotFound:
                pass  # deleted meanwhile: made anew
        answer = self.graph.call(
            "POST",
            f"/me/onenote/sections/{self._section(None)}/pages",
            html=page_html(document, marker),
            safe=False,
        ).json()
        return Published(str(answer["id"]), answer.get("lastModifiedDateTime"))

    def find(self, document: Document) -> str | None:
        marker = document.marker(self.pair)
        title = document.title.replace("'", "''")
        answer = self.graph.call(
            "GET",
            f"/me/onenote/sections/{self._section(None)}/pages",
            params={"$filter": f"title eq '{title}'", "$select": "id,title"},
        ).json()
        for page in answer.get("value", []):
            try:
                html = self.graph.call("GET", f"/me/onenote/pages/{page['id']}/content").text
            except NotFound:
                continue
            if marker in read_page(html).ids:
                return str(page["id"])
        return None

    def check(self) -> list[CheckLine]:
        try:
            section = self._section(None)
            pages = self._versions(section)
        except PublishError as exc:
            return [CheckLine("reach", False, str(exc))]
        return [
            CheckLine("sign-in", True, "token from the credentials file"),
            CheckLine("section", True, f"{section}: {len(pages)} pages"),
            CheckLine(
                "ticks",
                True,
                "to-do tags and answers read back by polling (no OneNote webhooks)",
            ),
        ]

    def close(self) -> None:
        self.graph.close()

    # -- Graph ------------------------------------------------------------------------------
    def _section(self, cursor: str | None) -> str:
        """The section's id: configured, or found by its notebook's and its own names
        once (kept as the `changed` cursor, so later runs do not look it up)."""
        if self._section_id is None and cursor:
            self._section_id = cursor
        if self._section_id is None:
            wanted = (self.config.notebook, self.config.section)
            for section_id, notebook, section in self._sections():
                if (notebook, section) == wanted:
                    self._section_id = section_id
                    break
            else:
                raise PublishError(
                    self.name,
                    f"no section {wanted[1]!r} in notebook {wanted[0]!r} for this account",
                )
        return self._section_id

    def scopes(self) -> list[tuple[str, str]]:
        """(id, "notebook / section") of every section this account sees, for `pairsync
        init` to list as it lists boards and projects."""
        return [(sid, f"{notebook} / {section}") for sid, notebook, section in self._sections()]

    def _sections(self) -> list[tuple[str, str, str]]:
        """(id, notebook, section) of every section, all result pages."""
        found: list[tuple[str, str, str]] = []
        url = "/me/onenote/sections"
        params: dict[str, str] | None = {
            "$select": "id,displayName",
            "$expand": "parentNotebook($select=displayName)",
        }
        while url:
            answer = self.graph.call("GET", url, params=params).json()
            for section in answer.get("value", []):
                notebook = (section.get("parentNotebook") or {}).get("displayName")
                found.append((str(section["id"]), str(notebook), str(section.get("displayName"))))
            url, params = answer.get("@odata.nextLink") or "", None
        return found

    def _versions(self, section: str) -> dict[str, str]:
        """Page id -> lastModifiedDateTime of every page in the section (all result pages)."""
        versions: dict[str, str] = {}
        url = f"/me/onenote/sections/{section}/pages"
        params: dict[str, str] | None = {"$select": "id,lastModifiedDateTime", "$top": "100"}
        while url:
            answer = self.graph.call("GET", url, params=params).json()
            for page in answer.get("value", []):
                versions[str(page["id"])] = str(page.get("lastModifiedDateTime"))
            url, params = answer.get("@odata.nextLink") or "", None
        return versions

    def _version(self, remote_id: str) -> str | None:
        answer = self.graph.call(
            "GET", f"/me/onenote/pages/{remote_id}", params={"$select": "id,lastModifiedDateTime"}
        ).json()
        version = answer.get("lastModifiedDateTime")
        return str(version) if version else None
