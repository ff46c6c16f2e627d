"""Writing a page's notes and Five Whys into its blocks, touching nothing else.

Notes are the page's top-level paragraphs outside the Five Whys section, one per line:
a changed line is one `PATCH /blocks/{id}`, new lines are appended after the last note
line (100 blocks a request), lines no longer there are deleted (to the trash, as Notion
does). The Five Whys are the to-dos right after the "Five Whys" heading: ticked or renamed
in place, new ones appended after the last, extra ones deleted; the heading is added
once, with the steps, when the page has none. A person's images, embeds, toggles, child
pages and databases are never in either list, so never written.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from adapters.notion.http import NotionHttp
from adapters.notion.mapping import (
    Body,
    Json,
    batches,
    body,
    heading,
    note_lines,
    paragraph,
    rich,
    to_do,
)
from sync.model import Item, Step


class BodyWriter:
    def __init__(self, http: NotionHttp, read_blocks: Callable[[str], list[Json]]) -> None:
        self.http = http
        self.api: Any = http.client
        self.read_blocks = read_blocks

    def write(self, page_id: str, known: Body | None, item: Item, prev: Item) -> None:
        """Make the page's notes and steps those of `item` (`known`: its body as read this
        run, else it is read now: 1 request)."""
        found = known if known is not None else body(self.read_blocks(page_id))
        if item.notes != found.notes:
            lines = note_lines(item.notes)
            shown = found.notes.split("\n") if found.note_blocks else []
            self._lines(page_id, list(found.note_blocks), shown, lines)
        if item.steps != found.steps:
            if found.heading is None:
                if item.steps:
                    self.append(page_id, [heading(), *(to_do(s) for s in item.steps)], None)
                return
            texts = [_step_key(s) for s in found.steps]
            wanted = [_step_key(s) for s in item.steps]
            self._steps(page_id, found, texts, wanted, item.steps)

    def _lines(self, page_id: str, ids: list[str], shown: list[str], lines: list[str]) -> None:
        """Notes: rewrite the lines that differ, append or delete the rest."""
        for block_id, old, new in zip(ids, shown, lines, strict=False):
            if old != new:
                self._patch(block_id, {"paragraph": {"rich_text": rich(new)}})
        extra = [paragraph(line) for line in lines[len(ids) :]]
        if extra:
            self.append(page_id, extra, ids[-1] if ids else None)
        for block_id in ids[len(lines) :]:
            self._delete(block_id)

    def _steps(
        self,
        page_id: str,
        found: Body,
        texts: list[str],
        wanted: list[str],
        steps: tuple[Step, ...],
    ) -> None:
        ids = list(found.step_blocks)
        for block_id, old, new, step in zip(ids, texts, wanted, steps, strict=False):
            if old != new:
                content = {"rich_text": rich(step.text), "checked": step.done}
                self._patch(block_id, {"to_do": content})
        extra = [to_do(step) for step in steps[len(ids) :]]
        if extra:
            self.append(page_id, extra, ids[-1] if ids else found.heading)
        for block_id in ids[len(steps) :]:
            self._delete(block_id)

    def append(self, page_id: str, blocks: list[Json], after: str | None) -> str | None:
        """Append `blocks` (100 a request) after the block `after` (None: at the end);
        returns the id of the last block made."""
        last = after
        for chunk in batches(blocks):
            args: Json = {"children": chunk} | ({"after": last} if last else {})
            answer = self.http.call(
                partial(self.api.blocks.children.append, page_id, **args), safe=False
            )
            last = answer["results"][-1]["id"] if answer["results"] else last
        return last

    def _patch(self, block_id: str, content: Json) -> None:
        self.http.call(lambda: self.api.blocks.update(block_id, **content))

    def _delete(self, block_id: str) -> None:
        self.http.call(lambda: self.api.blocks.delete(block_id))


def _step_key(step: Step) -> str:
    return f"{int(step.done)}{step.text}"
