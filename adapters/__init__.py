"""The one registry of target types: for each `type = "..."` of a `[[targets]]` table, its
adapter class, its config model and (for HTTP services) its simulator, as import paths.

Everything else reaches a tool through here: the config builds its discriminated union
from `config_models()`, the engine, `check` and `init` build adapters with
`adapter_for()`, `demo` and `simulate` start simulators with `simulator_class()`. Imports
are lazy (vdirsyncer's storage index does the same), so a pair without Trello never
imports py-trello, and `sync/` imports no concrete adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sync.contract import AdapterContext, Link, Places
from sync.lazy import load_object

if TYPE_CHECKING:
    from adapters.base import Adapter
    from sync.contract import TargetBase
    from sync.documents.base import Publisher
    from sync.documents.config import DocumentBase


@dataclass(frozen=True, slots=True)
class TargetType:
    adapter: str
    config: str
    simulator: str | None = None
    hooks: str | None = None
    """The module with the tool's webhooks (`adapters.hooks`), if it can call back."""


TARGET_TYPES: dict[str, TargetType] = {
    "markdown": TargetType(
        "adapters.markdown.adapter:MarkdownAdapter", "adapters.markdown.config:MarkdownTarget"
    ),
    "trello": TargetType(
        "adapters.trello.adapter:TrelloAdapter",
        "adapters.trello.config:TrelloTarget",
        "adapters.trello.sim.server:TrelloSimulator",
        "adapters.trello.hooks",
    ),
    "asana": TargetType(
        "adapters.asana.adapter:AsanaAdapter",
        "adapters.asana.config:AsanaTarget",
        "adapters.asana.sim.server:AsanaSimulator",
        "adapters.asana.hooks",
    ),
    "notion": TargetType(
        "adapters.notion.adapter:NotionAdapter",
        "adapters.notion.config:NotionTarget",
        "adapters.notion.sim.server:NotionSimulator",
        "adapters.notion.hooks",
    ),
    "google_sheets": TargetType(
        "adapters.google.sheets:GoogleSheetsAdapter",
        "adapters.google.config:GoogleSheetsTarget",
        "adapters.google.sim.server:GoogleSimulator",
    ),
}


def config_models() -> list[type[TargetBase]]:
    return [config_model(name) for name in TARGET_TYPES]


def config_model(type_name: str) -> type[TargetBase]:
    model: type[TargetBase] = load_object(TARGET_TYPES[type_name].config)
    return model


def adapter_for(config: TargetBase, context: AdapterContext | None = None) -> Adapter:
    """The adapter of one `[[targets]]` table (its `type` picks the class)."""
    cls: type[Adapter] = load_object(TARGET_TYPES[config.type].adapter, f"a {config.type} target")
    return cls(config, context)


def build_adapters(
    targets: Sequence[TargetBase],
    zone: tzinfo,
    places: Mapping[str, Places],
    links: Mapping[str, Mapping[str, Link]] | None = None,
    pair_file: Path | None = None,
) -> list[Adapter]:
    """A pair's adapters, each told the pair's time zone and the places its state recorded
    for that target (`places`, by target name; none on a first run), and for a sync the
    remote ids its state links (`links`: target -> item id -> link), and the pair's file
    (`pair_file`) for the commands their lines show."""
    links = links or {}
    return [
        adapter_for(
            t,
            AdapterContext(zone, places.get(t.name, {}), _linked(links.get(t.name)), pair_file),
        )
        for t in targets
    ]


def _linked(links: Mapping[str, Link] | None) -> frozenset[str]:
    return frozenset(link.remote_id for link in (links or {}).values() if not link.gone)


SIMULATED_SERVICES = {"google": "google_sheets"}
"""`pairsync simulate NAME` for a simulator named after its service rather than a target
type: Google's serves Sheets, Drive and Docs (the google_docs documents too)."""


def simulator_class(type_name: str) -> Any:
    """The simulator of an HTTP service's target or document type (`pairsync demo`,
    `simulate`)."""
    type_name = SIMULATED_SERVICES.get(type_name, type_name)
    kind = TARGET_TYPES.get(type_name) or DOCUMENT_TYPES.get(type_name)
    path = kind.simulator if kind is not None else None
    if path is None:
        raise KeyError(type_name)
    return load_object(path, f"the {type_name} simulator")


@dataclass(frozen=True, slots=True)
class DocumentType:
    publisher: str
    config: str
    simulator: str | None = None
    extra: str | None = None
    """The pyproject extra the publisher's libraries come with (the config model needs none)."""


DOCUMENT_TYPES: dict[str, DocumentType] = {
    "markdown": DocumentType(
        "adapters.markdown.documents:MarkdownPublisher",
        "adapters.markdown.documents:MarkdownDocuments",
    ),
    "onenote": DocumentType(
        "adapters.onenote.publisher:OneNotePublisher",
        "adapters.onenote.config:OneNoteDocuments",
        "adapters.onenote.sim.server:OneNoteSimulator",
        "onenote",
    ),
    "evernote": DocumentType(
        "adapters.evernote.publisher:EvernotePublisher",
        "adapters.evernote.config:EvernoteDocuments",
        "adapters.evernote.sim.server:EvernoteSimulator",
        "evernote",
    ),
    "google_docs": DocumentType(
        "adapters.google.docs:GoogleDocsPublisher",
        "adapters.google.config:GoogleDocsDocuments",
        "adapters.google.sim.server:GoogleSimulator",
        "google",
    ),
}
"""The `type = "..."` of a `[[documents]]` table: its publisher, config model, simulator."""


def document_config_models() -> list[type[DocumentBase]]:
    return [load_object(t.config) for t in DOCUMENT_TYPES.values()]


def publisher_for(
    config: DocumentBase, pair: str, base_dir: Path, config_file: Path | None = None
) -> Publisher:
    """The publisher of one `[[documents]]` table (its `type` picks the class); a missing
    extra is one line saying which to install."""
    kind = DOCUMENT_TYPES[config.type]
    try:
        cls: type[Publisher] = load_object(kind.publisher)
    except ModuleNotFoundError as exc:
        from sync.errors import ConfigError

        raise ConfigError(
            [
                f'documents "{config.name}": type {config.type} needs the {kind.extra} extra '
                f"(pip install 'pairsync[{kind.extra}]'; missing: {exc.name})"
            ]
        ) from None
    return cls(config, pair, base_dir, config_file)
