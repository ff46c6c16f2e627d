"""What a run did, as a person and a program read it: per-target counts and
problems (`TargetSummary`), the run (`RunSummary`, its `--json` form) and the lines a
person reads after a run (`summary_lines`)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Protocol

from sync.model import Step
from sync.plan.facilitation import Event
from sync.plan.fieldmerge import Conflict
from sync.plan.merge import Plan
from sync.run.report import counted, not_written_lines
from sync.store.rows import RunJson, TargetJson

log = logging.getLogger("pairsync")


class Report(Protocol):
    """What a run delivered besides the targets (`sync.delivery`: channels, documents)."""

    errors: list[str]

    def lines(self) -> list[str]: ...

    def to_json(self) -> dict[str, object]: ...


@dataclass
class NothingDelivered:
    """The report of a delivery a run did not make (no channels, no documents)."""

    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return []

    def to_json(self) -> dict[str, object]:
        return {"errors": self.errors}


@dataclass
class TargetSummary:
    created: int = 0
    updated: int = 0
    archived: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    """Failures of the whole target (it could not be read, or its batch failed)."""
    requests: int = 0
    not_written: list[dict[str, str]] = field(default_factory=list)
    """Changes the target did not take: item id, title and error of each."""

    def problems(self, target: str) -> list[str]:
        """What went wrong, one line per failure or per reason shared by many changes."""
        failures = [(f["title"], f["error"]) for f in self.not_written]
        return self.errors + not_written_lines(target, failures)


@dataclass
class RunSummary:
    pair: str
    dry_run: bool
    targets: dict[str, TargetSummary]
    conflicts: list[dict[str, object]]
    plan: Plan
    facilitation: list[Event] = field(default_factory=list)
    """Five Whys added, countermeasure actions made, items marked or archived as stale."""
    channels: Report = field(default_factory=NothingDelivered)
    """What went to the pair's Slack / Teams channels after the sync."""
    documents: Report = field(default_factory=NothingDelivered)
    """What went to the pair's `[[documents]]` after the sync, and what came back."""
    held: dict[str, int] = field(default_factory=dict)
    """Target -> vanished items held this run (archived nowhere; see sync/plan/safety.py)."""
    notices: list[str] = field(default_factory=list)
    """Lists and sections a person renamed, which pairsync follows."""
    warnings: list[str] = field(default_factory=list)
    """`TARGET: …` lines on what a person should mend that failed nothing (a card left
    blank): on stderr."""
    run_id: int | None = None
    """The run's number in `pairsync history` (None for a dry run)."""
    people: dict[str, dict[str, int]] = field(default_factory=dict)
    """Target -> items people created and changed there this run (`pairsync pulse`)."""

    @property
    def failed(self) -> bool:
        failed_targets = any(t.errors or t.not_written for t in self.targets.values())
        return failed_targets or bool(self.channels.errors) or bool(self.documents.errors)

    def to_json(self) -> RunJson:
        return {
            "pair": self.pair,
            "dry_run": self.dry_run,
            "ok": not self.failed,
            "targets": {
                name: TargetJson(
                    created=t.created,
                    updated=t.updated,
                    archived=t.archived,
                    conflicts=t.conflicts,
                    errors=t.problems(name),
                    requests=t.requests,
                    not_written=t.not_written,
                )
                for name, t in self.targets.items()
            },
            "conflicts": self.conflicts,
            "facilitation": [asdict(event) for event in self.facilitation],
            "channels": self.channels.to_json(),
            "documents": self.documents.to_json(),
            "run": self.run_id,
            "held": self.held,
            "notices": self.notices,
            "warnings": self.warnings,
            "people": self.people,
        }


def summary_lines(summary: RunSummary) -> list[str]:
    """One line per target, then one per conflict: what a person reads after a run."""
    lines = [f"{summary.pair}/{line}" for line in summary.warnings] + summary.notices
    for name, target in summary.targets.items():
        problems = target.problems(name)
        status = "FAILED: " + "; ".join(problems) if problems else "ok"
        lines.append(
            f"{summary.pair}/{name}: {target.created} created, {target.updated} updated, "
            f"{target.archived} archived, {counted(target.conflicts, 'conflict')}, "
            f"{counted(target.requests, 'request')} - {status}"
        )
    for event in summary.facilitation:
        past, future = _EVENT_WORDS[event.kind]
        detail = f" ({event.detail})" if event.detail else ""
        lines.append(f"{future if summary.dry_run else past} {event.title!r}{detail}")
    lines += [f"{summary.pair}/{line}" for line in summary.channels.lines()]
    lines += [f"{summary.pair}/{line}" for line in summary.documents.lines()]
    for conflict in summary.plan.conflicts:
        losers = ", ".join(f"{target}={jsonable(value)!r}" for target, value in conflict.losers)
        if conflict.field == "rank":  # a rank means nothing to a person; the place does
            losers = ", ".join(target for target, _ in conflict.losers)
            lines.append(
                f"conflict on {conflict.title!r} place: kept {conflict.winner}'s over {losers}"
            )
            continue
        lines.append(
            f"conflict on {conflict.title!r} {conflict.field}: kept "
            f"{conflict.winner}={jsonable(conflict.winner_value)!r} over {losers}"
        )
    return lines


def stderr_lines(summary: RunSummary) -> set[str]:
    """Those of `summary_lines` that the command line prints on stderr: a warning, a
    target's FAILED line, a channel's or a document's error."""
    lines = summary_lines(summary)
    errors = {f"{summary.pair}/{line}" for line in summary.channels.errors}
    errors |= {f"{summary.pair}/{line}" for line in summary.documents.errors}
    errors |= {f"{summary.pair}/{line}" for line in summary.warnings}
    return {line for line in lines if line in errors or " - FAILED: " in line}


_EVENT_WORDS = {
    "five_whys": ("added the Five Whys to", "would add the Five Whys to"),
    "countermeasure": ("made the action item", "would make the action item"),
    "stale": ("marked stale", "would mark stale"),
    "stale_archive": ("archived as stale", "would archive as stale"),
    "fresh": ("cleared the stale mark of", "would clear the stale mark of"),
    "ack_needed": ("asked the assistant to acknowledge", "would ask the assistant to acknowledge"),
    "discussed": ("took off the agenda as discussed", "would take off the agenda as discussed"),
}


def jsonable(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [[s.text, s.done] if isinstance(s, Step) else s for s in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def conflict_json(conflict: Conflict) -> dict[str, object]:
    return {
        "item_id": conflict.item_id,
        "title": conflict.title,
        "field": conflict.field,
        "winner": conflict.winner,
        "winner_value": jsonable(conflict.winner_value),
        "losers": [{"target": t, "value": jsonable(v)} for t, v in conflict.losers],
    }
