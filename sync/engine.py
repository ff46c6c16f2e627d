"""One sync of one pair: observe every target, plan (pure), apply, record.

The engine knows adapters only through `adapters.base.Adapter`. Order matters for crash
safety: the new board is committed before any remote write, and every target's outcomes
are committed right after its batch; a run killed in between leaves remote items whose
footers carry item ids the state already knows, so the next run re-links them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from rich.progress import Progress

from adapters import adapter_for
from adapters.base import Adapter
from sync.config import PairConfig
from sync.contract import Change, Create, Link, Outcome, Update, new_item_id
from sync.errors import TargetError
from sync.facilitation import Event, Facilitator
from sync.lock import pair_lock
from sync.merge import Conflict, Plan, TargetView, add_items, plan
from sync.model import Step
from sync.state import ItemRecord, State

log = logging.getLogger("pairsync")


@dataclass
class TargetSummary:
    created: int = 0
    updated: int = 0
    archived: int = 0
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)
    requests: int = 0


@dataclass
class RunSummary:
    pair: str
    dry_run: bool
    targets: dict[str, TargetSummary]
    conflicts: list[dict[str, object]]
    plan: Plan
    facilitation: list[Event] = field(default_factory=list)
    """Five Whys added, countermeasure actions made, items marked or archived as stale."""

    @property
    def failed(self) -> bool:
        return any(t.errors for t in self.targets.values())

    def to_json(self) -> dict[str, object]:
        return {
            "pair": self.pair,
            "dry_run": self.dry_run,
            "ok": not self.failed,
            "targets": {name: vars(t) for name, t in self.targets.items()},
            "conflicts": self.conflicts,
            "facilitation": [asdict(event) for event in self.facilitation],
        }


def run_pair(config: PairConfig, dry_run: bool = False, show_progress: bool = False) -> RunSummary:
    """Lock the pair, open its state and sync: what `pairsync sync` does for one pair.
    `show_progress` draws a bar on a terminal (never under cron: no TTY, no bar)."""
    with Progress(transient=True, disable=not (show_progress and sys.stderr.isatty())) as bar:
        task = bar.add_task(config.pair.name, total=2 * len(config.targets))

        def step(description: str) -> None:
            bar.update(task, advance=1, description=description)

        state_path = config.state_path
        if dry_run and not state_path.exists():
            return sync_pair(config, State.in_memory(), dry_run=True, on_step=step)
        with pair_lock(state_path):
            state = State.open(state_path)
            try:
                return sync_pair(config, state, dry_run=dry_run, on_step=step)
            finally:
                state.close()


def summary_lines(summary: RunSummary) -> list[str]:
    """One line per target, then one per conflict: what a person reads after a run."""
    lines = []
    for name, target in summary.targets.items():
        status = "FAILED: " + "; ".join(target.errors) if target.errors else "ok"
        lines.append(
            f"{summary.pair}/{name}: {target.created} created, {target.updated} updated, "
            f"{target.archived} archived, {target.conflicts} conflicts, "
            f"{target.requests} requests - {status}"
        )
    for event in summary.facilitation:
        past, future = _EVENT_WORDS[event.kind]
        detail = f" ({event.detail})" if event.detail else ""
        lines.append(f"{future if summary.dry_run else past} {event.title!r}{detail}")
    for conflict in summary.conflicts:
        losers = ", ".join(f"{loser['target']}={loser['value']!r}" for loser in conflict["losers"])  # type: ignore[attr-defined]
        lines.append(
            f"conflict on {conflict['title']!r} {conflict['field']}: kept "
            f"{conflict['winner']}={conflict['winner_value']!r} over {losers}"
        )
    return lines


_EVENT_WORDS = {
    "five_whys": ("added the Five Whys to", "would add the Five Whys to"),
    "countermeasure": ("made the action item", "would make the action item"),
    "stale": ("marked stale", "would mark stale"),
    "stale_archive": ("archived as stale", "would archive as stale"),
    "fresh": ("cleared the stale mark of", "would clear the stale mark of"),
}


def build_adapters(config: PairConfig) -> list[Adapter]:
    return [adapter_for(t, config.config_dir) for t in config.targets]


def sync_pair(
    config: PairConfig,
    state: State,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    new_id: Callable[[], str] = new_item_id,
    adapters: list[Adapter] | None = None,
    on_step: Callable[[str], None] = lambda _: None,
) -> RunSummary:
    """Sync one pair; the caller holds the pair's lock and owns `state`. `on_step` is told
    before each target is read and before each is written (a progress bar's steps)."""
    now = now or datetime.now(UTC)
    adapters = adapters if adapters is not None else build_adapters(config)
    summaries = {a.name: TargetSummary() for a in adapters}
    records = state.items()
    links = state.links()
    views: list[TargetView] = []
    for adapter in adapters:
        snapshot = None
        try:
            on_step(f"{adapter.name}: reading")
            snapshot = adapter.read(state.cursor(adapter.name))
            log.info(
                "%s: read %d items (%s) in %d requests",
                adapter.name,
                len(snapshot.items),
                "full" if snapshot.complete else "incremental",
                adapter.requests,
            )
        except TargetError as exc:
            summaries[adapter.name].errors.append(str(exc))
            log.info("%s", exc)  # the summary line reports it
        views.append(
            TargetView(adapter.name, adapter.config.role, snapshot, links.get(adapter.name, {}))
        )
    facilitator = Facilitator(config, records, now)
    the_plan = plan(
        {item_id: record.item for item_id, record in records.items()},
        views,
        config.pair.conflict_policy,
        new_id,
        facilitator.adjust,
    )
    add_items(the_plan, views, facilitator.new_items(new_id))
    conflicts = [_conflict_json(c) for c in the_plan.conflicts]
    for conflict in the_plan.conflicts:
        for loser, _ in conflict.losers:
            summaries[loser].conflicts += 1
    summary = RunSummary(
        config.pair.name, dry_run, summaries, conflicts, the_plan, facilitator.events
    )
    for adapter in adapters:
        _count_planned(summaries[adapter.name], the_plan.writes.get(adapter.name, []))
    if dry_run:
        for adapter in adapters:
            summaries[adapter.name].requests = adapter.requests
            adapter.close()
        return summary

    run_id = state.start_run()
    with state.transaction():
        for item_id in the_plan.board.keys() | the_plan.touched.keys() | facilitator.made.keys():
            state.save_item(
                item_id, _record_after(the_plan, records.get(item_id), item_id, facilitator, now)
            )
        for conflict in the_plan.conflicts:
            for loser in conflict.losers:
                state.add_conflict(
                    run_id,
                    conflict.item_id,
                    conflict.field,
                    (conflict.winner, _jsonable(conflict.winner_value)),
                    (loser[0], _jsonable(loser[1])),
                )
        for settle in the_plan.settles:
            state.save_link(settle.item_id, settle.target, settle.link)
    for adapter, view in zip(adapters, views, strict=True):
        target_summary = summaries[adapter.name]
        if view.snapshot is None:
            continue
        changes = the_plan.writes.get(adapter.name, [])
        outcomes: list[Outcome] = []
        if changes:
            log.info("%s: applying %d changes", adapter.name, len(changes))
            try:
                on_step(f"{adapter.name}: writing {len(changes)} changes")
                outcomes = adapter.apply(changes)
            except TargetError as exc:
                target_summary.errors.append(str(exc))
                log.info("%s", exc)  # the summary line reports it
        with state.transaction():
            for outcome in outcomes:
                _record(state, adapter.name, outcome, target_summary)
            if not target_summary.errors:
                state.save_cursor(adapter.name, view.snapshot.cursor)
    for adapter in adapters:
        summaries[adapter.name].requests = adapter.requests
        adapter.close()
    with state.transaction():
        state.finish_run(run_id, summary.to_json())
    return summary


def _record(state: State, target: str, outcome: Outcome, summary: TargetSummary) -> None:
    change = outcome.change
    if not outcome.ok or outcome.remote_id is None or outcome.version is None:
        summary.errors.append(f"{target}: {change.item.title!r}: {outcome.error}")
        _uncount(summary, change)
        return
    state.save_link(change.item_id, target, Link(outcome.remote_id, outcome.version, change.item))


def _count_planned(summary: TargetSummary, changes: list[Change]) -> None:
    for change in changes:
        if isinstance(change, Create):
            summary.created += 1
        elif change.item.archived and not change.previous.archived:
            summary.archived += 1
        else:
            summary.updated += 1


def _uncount(summary: TargetSummary, change: Change) -> None:
    if isinstance(change, Create):
        summary.created -= 1
    elif isinstance(change, Update) and change.item.archived and not change.previous.archived:
        summary.archived -= 1
    else:
        summary.updated -= 1


def _record_after(
    the_plan: Plan,
    record: ItemRecord | None,
    item_id: str,
    facilitator: Facilitator,
    now: datetime,
) -> ItemRecord:
    """The item's state row after this run: new value, stale clock, Five Whys facts."""
    item = the_plan.board.get(item_id) or record.item  # type: ignore[union-attr]
    touch = the_plan.touched.get(item_id)
    touched_by = touch.target if touch is not None else record.touched_by  # type: ignore[union-attr]
    return ItemRecord(
        item,
        facilitator.clock(item_id, touch),
        touched_by,
        facilitator.seeded(item_id, item),
        record.created_at if record else now,
        facilitator.made.get(item_id) or (record.countermeasure_id if record else None),
        now if touch is not None else record.changed_at,  # type: ignore[union-attr]
    )


def _jsonable(value: object) -> object:
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [[s.text, s.done] if isinstance(s, Step) else s for s in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)


def _conflict_json(conflict: Conflict) -> dict[str, object]:
    return {
        "item_id": conflict.item_id,
        "title": conflict.title,
        "field": conflict.field,
        "winner": conflict.winner,
        "winner_value": _jsonable(conflict.winner_value),
        "losers": [{"target": t, "value": _jsonable(v)} for t, v in conflict.losers],
    }
