"""One pair mirrored into a Markdown board file and a Notion database (the simulator), for
the Notion state machine: the pair's config, a sync as `pairsync sync` runs it, what
each tool shows, and a person's hands in each tool (Notion through the simulator's
person, as its web UI would; Markdown by rewriting the file's lines). Items are found by
their link-back id, as a person finds a page by its title. What it shares with
tests/three_tools.py is in tests/board_pair.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from adapters.base import Adapter
from adapters.notion.adapter import NotionAdapter
from adapters.notion.mapping import link_id, plain
from adapters.notion.sim.entities import Page
from adapters.notion.sim.server import NotionSimulator
from sync.contract import DEFAULT_LISTS
from sync.model import Kind
from tests.board_pair import ARCHIVE, EMPTY_BOARD, FIVE_WHYS, BoardPair

NOTES, NOTION = "notes", "notion"
TOOLS = (NOTES, NOTION)


@dataclass
class NotionPair(BoardPair):
    notion: NotionSimulator
    data_source_id: str
    token: str

    def write_config(self, retry_seconds: float = 0.2) -> None:
        steps = ", ".join(f'"{s}"' for s in FIVE_WHYS)
        pacing = self.notion.pacing()
        self.config_path.write_text(
            '[pair]\nname = "machine"\ntimezone = "UTC"\n\n[state]\npath = "state.sqlite"\n\n'
            f"[five_whys]\nsteps = [{steps}]\n\n"
            '[[targets]]\nname = "notes"\ntype = "markdown"\npath = "board.md"\n\n'
            f'[[targets]]\nname = "notion"\ntype = "notion"\nrole = "executive"\n'
            f'data_source_id = "{self.data_source_id}"\ntoken = "{self.token}"\n'
            f'base_url = "{self.notion.base_url}"\nretry_seconds = {retry_seconds}\n'
            f"clock_speed = {pacing['clock_speed']}\n",
            encoding="utf-8",
        )
        if not self.board_path.exists():
            self.board_path.write_text(EMPTY_BOARD, encoding="utf-8")

    def set_up_database(self) -> None:
        """The team's database as a person set it up: pairsync's properties and options
        (pairsync adds what is missing, but that is tested elsewhere)."""
        options = [{"name": name} for name in [*DEFAULT_LISTS.values(), ARCHIVE]]
        for name, config in {
            "Kind": {"select": {"options": options}},
            "Done": {"checkbox": {}},
            "Due": {"date": {}},
            "Tags": {"multi_select": {"options": []}},
            "pairsync": {"rich_text": {}},
        }.items():
            self.notion.person.add_property(self.data_source_id, name, config)

    def quicken(self, adapter: Adapter) -> None:
        """Notion's 5xx backoff in hundredths of a second, as in tests/conftest_notion.py."""
        if isinstance(adapter, NotionAdapter):
            adapter.http.backoff = 0.01

    def footers(self, tool: str) -> Counter[str]:
        """Every copy by link-back id (archived and trashed pages too)."""
        if tool == NOTES:
            return self.md_footers()
        links = (link_id(self._json(p)) for p in self._pages())
        return Counter(i for i in links if i is not None)

    # -- a person at work --------------------------------------------------------------------
    def create(self, tool: str, kind: Kind, title: str) -> None:
        if tool == NOTES:
            self.md_insert(DEFAULT_LISTS[kind], f"- [ ] {title}\n")
        else:
            self.notion.person.create_page(self.data_source_id, title, Kind=DEFAULT_LISTS[kind])

    def edit(self, tool: str, item_id: str, **fields: Any) -> None:
        if tool == NOTES:
            self.md_edit(item_id, **fields)
            return
        page = self.page(item_id)
        person = self.notion.person
        values: dict[str, Any] = {}
        if "title" in fields:
            values["Name"] = fields["title"]
        if "done" in fields:
            values["Done"] = fields["done"]
        if "due" in fields:
            values["Due"] = fields["due"]
        if "labels" in fields or "owner" in fields:
            item = self.shown(NOTION)[item_id][0].item
            values["Tags"] = item.with_(**fields).tool_labels()
        if values:
            person.set(page.id, **values)
        if "notes" in fields:
            paragraphs = [b for b in person.blocks(page.id) if b.type == "paragraph"]
            for block in paragraphs:
                person.delete_block(block.id)
            for line in str(fields["notes"]).split("\n") if fields["notes"] else []:
                person.append(page.id, "paragraph", line)

    def tick(self, tool: str, item_id: str, index: int, done: bool) -> None:
        if tool == NOTES:
            self.md_tick(item_id, index, done)
            return
        todos = [b for b in self.notion.person.blocks(self.page(item_id).id) if b.type == "to_do"]
        self.notion.person.edit_block(todos[index].id, checked=done)

    def archive(self, tool: str, item_id: str) -> None:
        self._place(tool, item_id, ARCHIVE)

    def restore(self, tool: str, item_id: str, kind: Kind) -> None:
        self._place(tool, item_id, DEFAULT_LISTS[kind])

    def trash(self, item_id: str) -> None:
        self.notion.person.trash(self.page(item_id).id)

    def untrash(self, item_id: str) -> None:
        self.notion.person.restore(self.page(item_id, in_trash=True).id)

    def delete(self, item_id: str) -> None:
        self.md_delete(item_id)

    def trashed(self) -> list[str]:
        linked = (link_id(self._json(p)) for p in self._pages() if p.in_trash)
        return sorted(i for i in linked if i is not None)

    # -- Notion's pages ---------------------------------------------------------------------
    def _pages(self) -> list[Page]:
        with self.notion.app.lock:
            return [
                p
                for p in self.notion.backend.pages.values()
                if p.data_source_id == self.data_source_id
            ]

    def _json(self, page: Page) -> dict[str, Any]:
        with self.notion.app.lock:
            return page.to_json(self.notion.backend.sources[self.data_source_id])

    def page(self, item_id: str, in_trash: bool = False) -> Page:
        pages = [
            p for p in self._pages() if p.in_trash == in_trash and link_id(self._json(p)) == item_id
        ]
        assert len(pages) == 1, f"Notion: {len(pages)} pages for {item_id}"
        return pages[0]

    def title_of(self, page: Page) -> str:
        return plain(self._json(page)["properties"]["Name"]["title"])

    def _place(self, tool: str, item_id: str, name: str) -> None:
        if tool == NOTION:
            self.notion.person.set(self.page(item_id).id, Kind=name)
            return
        self.md_move(item_id, name)
