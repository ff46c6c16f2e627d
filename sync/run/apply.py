"""The apply and record phases of a pair's run (`sync.run.engine`): each target's planned
writes, then what came of them kept in the state, target by target as its writes finish,
so that a run killed midway keeps what each target wrote."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

from adapters.base import Adapter
from sync.contract import Change, Create, Failed, Link, Outcome, Snapshot
from sync.errors import TargetError
from sync.model import Kind
from sync.plan.merge import Plan
from sync.plan.observe import TargetView
from sync.plan.partnership import OPTIONAL_KINDS
from sync.run.parallel import each_target
from sync.run.summary import TargetSummary
from sync.store.state import State

log = logging.getLogger("pairsync")


class Recorded(NamedTuple):
    """Each target's places and cursor as the state had them when the run began: the
    record phase writes only what differs (the run holds the pair's lock, so nothing
    else wrote them meanwhile), where asking the state again cost a statement each."""

    places: dict[str, dict[Kind, tuple[str, str]]]
    cursors: dict[str, str | None]


def apply_and_record(
    state: State,
    adapters: list[Adapter],
    views: list[TargetView],
    the_plan: Plan,
    summaries: dict[str, TargetSummary],
    on_step: Callable[[str], None],
    recorded: Recorded,
) -> None:
    """Apply and record phases: the targets that know an unmarked item by its text first
    (`Adapter.ids_from_content`: a run killed before their marks land, then a person's
    edit, would make a copy), then the others at once (`sync.run.parallel`), each target's
    outcomes recorded as its writes finish, with the lists and sections it follows
    (renames included). The targets with nothing to write are recorded first, on this
    thread and in one commit: a settled pair hands no work to another thread."""
    read = {view.name: view.snapshot for view in views if view.snapshot is not None}

    def write(adapter: Adapter) -> tuple[list[Outcome], Snapshot]:
        snapshot = read[adapter.name]
        make_missing_places(adapter, summaries[adapter.name])
        outcomes = apply_writes(adapter, the_plan.writes.get(adapter.name, []), on_step)
        return outcomes, adapter.after_writes(snapshot)

    def idle(adapter: Adapter) -> bool:
        return not the_plan.writes.get(adapter.name) and not missing_places(adapter)

    writable = [adapter for adapter in adapters if adapter.name in read]
    quiet = [adapter for adapter in writable if idle(adapter)]
    if quiet:
        with state.transaction():  # nothing written: one commit for them all
            for adapter in quiet:
                outcomes, snapshot = write(adapter)
                record_outcomes(state, adapter.name, snapshot, outcomes, summaries, recorded)
    for first in (True, False):
        group = [adapter for adapter in writable if adapter.ids_from_content is first]
        busy = [adapter for adapter in group if adapter not in quiet]
        for adapter, (outcomes, snapshot) in each_target(busy, write):
            with state.transaction():
                record_outcomes(state, adapter.name, snapshot, outcomes, summaries, recorded)


def missing_places(adapter: Adapter) -> list[Kind]:
    """The optional kinds the pair turned on whose list / section / heading the tool has
    not shown yet."""
    return [k for k in OPTIONAL_KINDS if k in adapter.config.lists and k not in adapter.places]


def make_missing_places(adapter: Adapter, summary: TargetSummary) -> None:
    """The lists / sections / headings of optional kinds the pair turned on that the tool
    has not shown yet (once made, the state's places remember them: no request later)."""
    missing = missing_places(adapter)
    if missing:
        try:
            adapter.make_places(missing)
        except TargetError as exc:
            summary.errors.append(str(exc))


def apply_writes(
    adapter: Adapter, changes: list[Change], on_step: Callable[[str], None]
) -> list[Outcome]:
    """Apply phase for one target: one outcome per change (the adapter's contract)."""
    if not changes:
        return []
    log.info("%s: applying %d changes", adapter.name, len(changes))
    on_step(f"{adapter.name}: writing {len(changes)} changes")
    return adapter.apply(changes)


def record_outcomes(
    state: State,
    target: str,
    snapshot: Snapshot,
    outcomes: list[Outcome],
    summaries: dict[str, TargetSummary],
    recorded: Recorded,
) -> None:
    """Record phase for one target: a link for every write that went through (also when a
    later write of the batch failed), the counts from those outcomes, an error per failed
    write, the places the target follows, and the read cursor only when nothing failed
    (so the next read sees it all); in the caller's transaction."""
    summary = summaries[target]
    for outcome in outcomes:
        change = outcome.change
        if isinstance(outcome, Failed):
            summary.not_written.append(
                {"item_id": change.item_id, "title": change.item.title, "error": outcome.error}
            )
            continue
        link = Link(outcome.remote_id, outcome.version, change.item)
        state.save_link(change.item_id, target, link)
        _count(summary, change)
    if snapshot.places != recorded.places.get(target):
        state.save_places(target, dict(snapshot.places))
    unchanged = target in recorded.cursors and snapshot.cursor == recorded.cursors[target]
    if not (summary.errors or summary.not_written or unchanged):
        state.save_cursor(target, snapshot.cursor)


def count_planned(summaries: dict[str, TargetSummary], the_plan: Plan) -> None:
    """For `--dry-run`: count what would be written."""
    for target, changes in the_plan.writes.items():
        for change in changes:
            _count(summaries[target], change)


def _count(summary: TargetSummary, change: Change) -> None:
    if isinstance(change, Create):
        summary.created += 1
    elif change.item.archived and not change.previous.archived:
        summary.archived += 1
    else:
        summary.updated += 1
