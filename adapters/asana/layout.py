"""The project's sections and the workspace's tags, as the Asana adapter writes into them:
listed once per run, made when missing, a kind's section followed by gid once found.

Kept apart from the adapter because it is the one place that decides *where* a task goes;
reads only ask it which sections are followed (`Adapter.places`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import asana

from adapters.asana.config import AsanaTarget
from adapters.asana.http import HttpError
from adapters.asana.mapping import Json
from adapters.retry import Uncertain
from sync.errors import TargetRejected, TargetUnavailable
from sync.model import Item, Kind

PAGE = {"limit": 100}

Places = dict[Kind, tuple[str, str]]
"""Kind -> (section gid, name as last seen): the adapter's `places`, kept in the state."""


@contextmanager
def project_calls(target: str, project: str) -> Iterator[None]:
    """Asana's refusals of project calls as one-line target errors."""
    try:
        yield
    except HttpError as exc:
        if exc.status == 404:
            raise TargetRejected(target, f"project {project} not found (404)") from None
        raise TargetRejected(target, str(exc)) from None


def section_name(target: AsanaTarget, item: Item) -> str:
    """The configured name of the section an item belongs in."""
    return target.archive_section if item.archived else target.lists[item.kind]


class ProjectLayout:
    """Section and tag gids of one project, looked up at most once per run."""

    def __init__(
        self,
        name: str,
        target: AsanaTarget,
        sections_api: asana.SectionsApi,
        tags_api: asana.TagsApi,
        projects_api: asana.ProjectsApi,
    ) -> None:
        self.name = name
        self.target = target
        self.project = target.project_gid
        self.sections_api = sections_api
        self.tags_api = tags_api
        self.projects_api = projects_api
        self._sections: dict[str, str] | None = None
        self._tags: dict[str, str] | None = None
        self._workspace = ""

    def section_of(self, item: Item, places: Places) -> str:
        """The gid of the section an item belongs in: the kind's section as found before,
        under whatever name it has now, else the section of the configured name."""
        if item.archived:
            return self.section_gid(self.target.archive_section, places)
        names = {gid: name for name, gid in self._ensure_sections(places).items()}
        gid = places.get(item.kind, ("", ""))[0]
        if gid not in names:
            gid = self.section_gid(self.target.lists[item.kind], places)
        places[item.kind] = (gid, names.get(gid, self.target.lists[item.kind]))
        return gid

    def _ensure_sections(self, places: Places) -> dict[str, str]:
        """Section gids by name; on first use, the mapped sections missing are created
        (a kind whose section was found before is followed, whatever its name now)."""
        if self._sections is None:
            opts = PAGE | {"opt_fields": "name"}
            self._sections = {}
            with project_calls(self.name, self.project):
                for section in self.sections_api.get_sections_for_project(self.project, opts):
                    self._sections.setdefault(section["name"], section["gid"])
            present = set(self._sections.values())
            for kind, name in self.target.lists.items():
                if places.get(kind, ("", ""))[0] not in present:
                    # found (or made) now: followed from here on, even while still empty
                    places[kind] = (self.section_gid(name, places), name)
        return self._sections

    def section_gid(self, name: str, places: Places) -> str:
        """The gid of the section called `name`, made if the project has none."""
        sections = self._ensure_sections(places)
        if name not in sections:
            opts = {"body": {"data": {"name": name}}, "opt_fields": "name"}
            create = self.sections_api.create_section_for_project
            sections[name] = self._made("section", name, lambda: create(self.project, opts))
        return sections[name]

    def tags_by_name(self) -> dict[str, str]:
        if self._tags is None:
            project = self.projects_api.get_project(self.project, {"opt_fields": "workspace"})
            self._workspace = project["workspace"]["gid"]
            found = self.tags_api.get_tags_for_workspace(
                self._workspace, PAGE | {"opt_fields": "name"}
            )
            self._tags = {}
            for tag in found:
                self._tags.setdefault(tag["name"], tag["gid"])
        return self._tags

    def tag_gid(self, name: str) -> str:
        """The gid of the workspace's tag `name`, made if there is none."""
        tags = self.tags_by_name()
        if name not in tags:
            body, opts = {"data": {"name": name}}, {"opt_fields": "name"}
            create = self.tags_api.create_tag_for_workspace
            tags[name] = self._made("tag", name, lambda: create(body, self._workspace, opts))
        return tags[name]

    def _made(self, what: str, name: str, create: Callable[[], Json]) -> str:
        """The gid of what `create` made; a lost answer stops the target's writes (a retry
        could make a second section or tag of the name)."""
        try:
            return str(create()["gid"])
        except Uncertain:
            raise TargetUnavailable(
                self.name, f"connection lost creating {what} {name!r}"
            ) from None
