"""The simulated OneNote's pages: stored as element trees, updated by Graph's PATCH
commands, and returned as Graph returns them (its generated `id`s, styles, the absolute
`_default` outline around the body, the `created` meta).

What Graph allows per target (learn.microsoft.com, "Update OneNote page content"): `title`
takes only `replace`; `body` and the absolute `_default` div only `append` / `prepend`
(into that div); other elements `replace`, `append`, `prepend`, `insert` (`position`
before or after) and `delete`. A target that is not on the page is a 400.
"""

from __future__ import annotations

import copy
import itertools
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

DEFAULT = "_default"
STYLES = {
    "p": "margin-top:0pt;margin-bottom:0pt",
    "h2": "font-size:12pt;color:#5B9BD5;margin-top:11pt;margin-bottom:11pt",
    "table": "border:1px solid;border-collapse:collapse",
    "td": "border:1px solid",
}


class PageError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad(message: str) -> PageError:
    return PageError(400, "20117", message)


@dataclass
class SimPage:
    id: str
    section: str
    title: str
    created: str
    modified: str
    outline: ET.Element
    """The `_default` div: everything on the page."""
    guid: str = field(default_factory=lambda: "{" + str(uuid.uuid4()) + "}")
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(2))

    # -- building -----------------------------------------------------------------------
    @classmethod
    def from_html(cls, page_id: str, section: str, source: str, now: str) -> SimPage:
        root = _parse(source.replace("<!DOCTYPE html>", ""))
        title = root.find("head/title")
        body = root.find("body")
        if body is None:
            raise bad("The page HTML has no body.")
        outline = ET.Element("div", {"data-id": DEFAULT})
        page = cls(page_id, section, "" if title is None else (title.text or ""), now, now, outline)
        outline.set("id", f"div:{page.guid}{{1}}")
        for child in list(body):
            page._adopt(child)
            outline.append(child)
        if body.text and body.text.strip():
            raise bad("Text directly in the body is not supported; wrap it in a p.")
        return page

    def _adopt(self, element: ET.Element) -> None:
        """Give an element and its descendants Graph's generated ids."""
        for node in element.iter():
            if "id" not in node.attrib:
                node.set("id", f"{node.tag}:{self.guid}{{{next(self._ids)}}}")

    # -- PATCH ----------------------------------------------------------------------------
    def patch(self, commands: list[dict[str, Any]]) -> None:
        for command in commands:
            self._command(command)

    def _command(self, command: dict[str, Any]) -> None:
        target = str(command.get("target", ""))
        action = str(command.get("action", "")).lower()
        content = str(command.get("content") or "")
        if target == "title":
            if action != "replace":
                raise bad("The title takes only replace.")
            self.title = content
            return
        if target == "body":
            target = f"#{DEFAULT}"
        found = self._find(target)
        if found is None:
            raise bad(f"The target {target} does not exist on the page.")
        element, parent = found
        new = list(_parse(f"<root>{content}</root>")) if content else []
        for node in new:
            self._adopt(node)
        if element is self.outline and action not in ("append", "prepend"):
            raise bad("The page's outline takes only append and prepend.")
        if action == "append":
            element.extend(new)
        elif action == "prepend":
            for node in reversed(new):
                element.insert(0, node)
        elif action in ("replace", "insert", "delete"):
            assert parent is not None
            at = list(parent).index(element)
            if action == "insert" and str(command.get("position", "after")).lower() == "after":
                at += 1
            if action != "insert":
                parent.remove(element)
            for offset, node in enumerate(new if action != "delete" else []):
                parent.insert(at + offset, node)
        else:
            raise bad(f"Unknown action {action}.")

    def _find(self, target: str) -> tuple[ET.Element, ET.Element | None] | None:
        want = target.removeprefix("#")
        by_data_id = target.startswith("#")
        parents = {child: parent for parent in self.outline.iter() for child in parent}
        for node in self.outline.iter():
            value = node.get("data-id") if by_data_id else node.get("id")
            if value == want or (by_data_id and node.get("id") == want):
                return node, parents.get(node)
        return None

    # -- a person in OneNote ----------------------------------------------------------------
    def element(self, data_id: str) -> ET.Element:
        found = self._find(f"#{data_id}")
        if found is None:
            raise KeyError(data_id)
        return found[0]

    def add_paragraph(self, text: str) -> None:
        paragraph = ET.SubElement(self.outline, "p")
        paragraph.text = text
        self._adopt(paragraph)

    # -- output -----------------------------------------------------------------------------
    def html(self) -> str:
        """The page as `GET …/content` returns it."""
        outline = copy.deepcopy(self.outline)
        outline.set("style", "position:absolute;left:48px;top:120px;width:624px")
        for node in outline.iter():
            if node.tag in STYLES and "style" not in node.attrib:
                node.set("style", STYLES[node.tag])
        body = ET.tostring(outline, encoding="unicode", short_empty_elements=False)
        return (
            '<html lang="en-US">\n\t<head>\n'
            f"\t\t<title>{_escape(self.title)}</title>\n"
            '\t\t<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />\n'
            f'\t\t<meta name="created" content="{self.created}" />\n'
            "\t</head>\n"
            '\t<body data-absolute-enabled="true" style="font-family:Calibri;font-size:11pt">\n'
            f"\t\t{body}\n\t</body>\n</html>\n"
        )

    def text(self) -> str:
        """The page as a person reads it in OneNote: ☐ / ☑ before to-dos, table rows."""
        lines = [self.title, "=" * len(self.title)]
        _text_lines(self.outline, lines)
        return "\n".join(lines)


def _text_lines(element: ET.Element, lines: list[str]) -> None:
    for child in element:
        if child.tag == "div":
            _text_lines(child, lines)
        elif child.tag == "table":
            for row in child.iter("tr"):
                lines.append(" | ".join(" ".join("".join(c.itertext()).split()) for c in row))
        else:
            text = " ".join("".join(child.itertext()).split())
            tag = child.get("data-tag", "")
            box = "☑ " if "to-do:completed" in tag else "☐ " if "to-do" in tag else ""
            if child.tag == "h2":
                lines += ["", text]
            elif child.get("data-id", "").endswith("-a"):
                lines.append(f"    {text}" if text else "    …")
            else:
                lines.append(box + text)


def _parse(source: str) -> ET.Element:
    try:
        return ET.fromstring(source)
    except ET.ParseError as exc:
        raise bad(f"The HTML is not well-formed: {exc}.") from None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
