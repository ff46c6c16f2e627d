"""Places in one pair's targets that two meanings share (two kinds in one list, the
archive in a kind's, the published agenda in either): a config error, since each would
read a person's item as something else."""

from __future__ import annotations

from collections.abc import Sequence

from sync.contract import TargetBase

ARCHIVE_KEYS = ("archive_heading", "archive_section")
"""Target keys naming where archived items go (Markdown, Asana)."""


def mapping_collisions(targets: Sequence[TargetBase], agenda_list: str | None) -> list[str]:
    """Per target, places that two meanings share: two kinds in one list / section /
    heading, the archive in a kind's, the published agenda (`agenda_list`) in either.
    Each would read a person's item as another kind, or archived, or as the agenda. Names
    are compared as the tool reads them (`TargetBase.place_key`: Markdown headings
    whatever their case)."""
    problems = []
    for number, target in enumerate(targets, start=1):
        where = f'targets[{number}] "{target.name}"'
        owners: dict[str, tuple[str, str]] = {}  # place key -> (config key, name)
        named = [(f"lists.{kind.value}", name) for kind, name in target.lists.items()]
        for key in ARCHIVE_KEYS:
            archive = getattr(target, key) if key in type(target).model_fields else None
            if isinstance(archive, str):
                named.append((key, archive))
        for key, name in named:
            place = target.place_key(name)
            if place in owners:
                problems.append(_collision(where, (key, name), owners[place], target.type))
            owners.setdefault(place, (key, name))
        if agenda_list is not None:
            place = target.place_key(agenda_list)
            if place in owners:
                agenda = (where, agenda_list)
                problems.append(_collision("agenda.list", agenda, owners[place], ""))
    return problems


def _collision(where: str, one: tuple[str, str], two: tuple[str, str], tool: str) -> str:
    (key, name), (owner, other) = one, two
    if name == other:
        if where == "agenda.list":
            return f'agenda.list and {key}: {owner} are both "{name}"'
        first, second = (owner, key) if key.startswith("lists.") else (key, owner)
        return f'{where}: {first} and {second} are both "{name}"'
    return (
        f'{where}: {key} "{name}" and {owner} "{other}" name one place '
        f"(a {tool} target reads them alike)"
    )
