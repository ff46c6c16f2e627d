"""One sync of one pair, in named phases (`sync_pair` reads as the list):

1. read: every target's snapshot at once (`read_targets`, `sync.run.parallel`); one that
   fails sits out the run;
2. plan and facilitate (`plan_run`, pure): merge into the board, let facilitation revise
   it (Five Whys, stale, countermeasures), plan each target's writes;
3. commit: the new board, conflicts and settled links, before any remote write;
4. apply: each target's writes, one outcome per change (the adapter contract); a
   target that knows a person's unmarked item by its text (the Markdown file) first,
   then the others at once, so a push takes about as long as its slowest target;
5. record: links and counts from each target's outcomes that went through, as soon as
   its writes finish (also when another target fails).

Phases 4 and 5 are `sync.run.apply`.

The engine knows adapters only through `adapters.base.Adapter`, and delivers nothing:
whatever composes a run (`sync.run.pair`, serve, a worker) draws progress, publishes
and notifies; the pair's `[[documents]]` ride along as a `Companion`. Order matters for
crash safety: a run killed between commit and record leaves remote items whose footers
carry item ids the state already knows, so the next run re-links them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import UTC, datetime

from adapters import build_adapters
from adapters.base import Adapter
from sync.config import PairConfig
from sync.contract import Link, Snapshot, new_item_id
from sync.errors import ConfigError, TargetError
from sync.model import Item
from sync.plan.facilitation import Facilitation, facilitate, five_whys_seeded, stale_clock
from sync.plan.merge import Plan, Touch, merge_board, plan_writes
from sync.plan.observe import TargetView
from sync.plan.partnership import kinds_off_in_use
from sync.plan.safety import (
    Hold,
    drop_held_writes,
    drop_writes_to,
    hold_vanished,
    rebase_returning,
    renamed_lines,
    shield,
    unknown_ids_line,
)
from sync.run.apply import Recorded, apply_and_record, count_planned
from sync.run.companion import NO_DOCUMENTS, Companion
from sync.run.parallel import each_target
from sync.run.summary import (
    RunSummary,
    TargetSummary,
    conflict_json,
    jsonable,
)
from sync.store.state import ItemRecord, State

log = logging.getLogger("pairsync")


def sync_pair(
    config: PairConfig,
    state: State,
    *,
    dry_run: bool = False,
    now: datetime | None = None,
    new_id: Callable[[], str] = new_item_id,
    adapters: list[Adapter] | None = None,
    on_step: Callable[[str], None] = lambda _: None,
    accept_vanished: Collection[str] = (),
    extra_views: Sequence[TargetView] = (),
    documents: Companion | None = None,
) -> RunSummary:
    """Sync one pair; the caller holds the pair's lock and owns `state`. `on_step` is told
    before each target is read and before each is written (a progress bar's steps).
    `extra_views` are views of no tool (an undo's values): merged as a person's edits
    are, never written to. `documents`: the pair's record, read back first (what a
    person ticked or answered there is such a view) and published after the targets."""
    now = now or datetime.now(UTC)
    records = state.items()
    refuse_kinds_off(config, records)
    documents = documents or NO_DOCUMENTS
    extra_views = [*extra_views, *documents.read_back()]
    links = state.links()
    places = state.recorded_places([target.name for target in config.targets])
    if adapters is None:
        adapters = build_adapters(config.targets, config.pair.zone, places, links, config.pair_file)
    recorded = Recorded(places, state.recorded_cursors([a.name for a in adapters]))
    summaries = {a.name: TargetSummary() for a in adapters}
    held_before = state.holds()
    try:
        views = read_targets(adapters, recorded.cursors, links, summaries, on_step, held_before)
        views, holds, returned = hold_phase(
            config, views, held_before, accept_vanished, summaries, records, state
        )
        the_plan, facilitation = plan_run(
            config, records, [*views, *extra_views], now, new_id, documents.discussed()
        )
        drop_held_writes(the_plan, holds)
        drop_writes_to(the_plan, {view.name for view in extra_views})
        summary = RunSummary(
            config.pair.name,
            dry_run,
            summaries,
            [conflict_json(c) for c in the_plan.conflicts],
            the_plan,
            facilitation.events,
            held={name: len(hold.item_ids) for name, hold in holds.items()},
            notices=[*renamed_places(adapters, views), *returned],
            warnings=[
                *(line for view in views if view.snapshot for line in view.snapshot.skipped),
                *filter(None, (unknown_ids_line(view, records) for view in views)),
            ],
        )
        _count_conflicts(summaries, the_plan)
        if dry_run:
            count_planned(summaries, the_plan)
            summary.documents = documents.publish(now, dry_run=True)
            return summary
        summary.people = people_counts(the_plan, records)
        with state.transaction():  # one commit before any remote write
            run_id = summary.run_id = state.start_run(now)
            commit_plan(state, run_id, the_plan, records, facilitation, now)
            held = {name: hold.item_ids for name, hold in holds.items() if hold.item_ids}
            if held != held_before:  # as the run found them, as almost always: no statement
                state.save_holds(held)
        documents.agree()
        apply_and_record(state, adapters, views, the_plan, summaries, on_step, recorded)
        summary.documents = documents.publish(now)  # the pair's record, after the targets
    finally:
        for adapter in adapters:
            summaries[adapter.name].requests = adapter.requests
            adapter.close()
    with state.transaction():
        state.finish_run(run_id, summary.to_json())
    return summary


def people_counts(the_plan: Plan, records: dict[str, ItemRecord]) -> dict[str, dict[str, int]]:
    """Per tool, the items people created and changed there this run (the pulse's sides)."""
    counts: dict[str, dict[str, int]] = {}
    for item_id, touch in the_plan.touched.items():
        what = "changed" if item_id in records else "created"
        tool = counts.setdefault(touch.target, {"created": 0, "changed": 0})
        tool[what] += 1
    return counts


def refuse_kinds_off(config: PairConfig, records: dict[str, ItemRecord]) -> None:
    """A kind turned off in `[board] kinds` while its items are on the board is a config
    error: syncing would read them as vanished."""
    off = kinds_off_in_use(config.board.kinds, (r.item for r in records.values()))
    if off:
        where = config.config_file.name if config.config_file else config.pair.name
        raise ConfigError(
            [
                f"{where}: board.kinds: {', '.join(off)} items are on the board; keep the "
                "kind on (archive them first to turn it off)"
            ]
        )


def hold_phase(
    config: PairConfig,
    views: list[TargetView],
    held_before: dict[str, frozenset[str]],
    accept_vanished: Collection[str],
    summaries: dict[str, TargetSummary],
    records: dict[str, ItemRecord],
    state: State,
) -> tuple[list[TargetView], dict[str, Hold], list[str]]:
    """Safety phase: hold what vanished at once from a target (`sync.plan.safety`), one line
    per target that holds; the planner sees held items as the tool last showed them, and
    items back from a hold as the tool agreed on them before it (`rebase_returning`, one
    line per target that had older values)."""
    holds = hold_vanished(config, views, held_before, accept_vanished)
    for hold in holds.values():
        summaries[hold.target].errors.append(hold.line)
    board = {item_id: record.item for item_id, record in records.items()}
    earlier = earlier_values(state, frozenset().union(*held_before.values()))
    shown, returned = [], []
    for view in views:
        held = holds.get(view.name)
        back = held_before.get(view.name, frozenset())
        view, lines = rebase_returning(view, back, held, board, earlier)
        returned.extend(lines)
        shown.append(shield(view, held))
    return shown, holds, returned


def earlier_values(state: State, held: frozenset[str]) -> dict[str, list[Item]]:
    """The values runs replaced on the board, for the items a hold kept (read only while a
    hold stands, which is rare): a value a restored file brings back from among them is
    older than the board, not a person's edit."""
    if not held:
        return {}
    earlier: dict[str, list[Item]] = {}
    for run in state.runs():
        for item_id, (before, _after) in state.run_items(run.run_id).items():
            if item_id in held and before is not None:
                earlier.setdefault(item_id, []).append(before)
    return earlier


def plan_run(
    config: PairConfig,
    records: dict[str, ItemRecord],
    views: list[TargetView],
    now: datetime,
    new_id: Callable[[], str],
    discussed: Collection[str] = (),
) -> tuple[Plan, Facilitation]:
    """Plan and facilitate phases, pure: merge what the targets show into the board, let
    facilitation revise it, then plan the writes that make every target show the result.
    `discussed`: talking points ticked in the agenda document this run."""
    board = {item_id: record.item for item_id, record in records.items()}
    merged = merge_board(board, views, config.pair.conflict_policy, new_id)
    facilitation = facilitate(
        config, records, merged.values, merged.touched, now, new_id, discussed
    )
    return plan_writes(merged, views, facilitation.revised, facilitation.new_items), facilitation


def read_targets(
    adapters: list[Adapter],
    cursors: dict[str, str | None],
    links: dict[str, dict[str, Link]],
    summaries: dict[str, TargetSummary],
    on_step: Callable[[str], None],
    held: dict[str, frozenset[str]],
) -> list[TargetView]:
    """Read phase: each target's snapshot; one that cannot be read is left out of this run
    (no writes, and its silence is not a deletion). A target holding vanished items is
    read in full: only that tells whether they are back."""
    cursors = {a.name: None if held.get(a.name) else cursors.get(a.name) for a in adapters}
    known = {a.name: frozenset(a.places) for a in adapters}  # as recorded, before this read

    def read(adapter: Adapter) -> Snapshot | None:
        try:
            on_step(f"{adapter.name}: reading")
            snapshot = adapter.read(cursors[adapter.name])
        except TargetError as exc:
            summaries[adapter.name].errors.append(str(exc))
            log.info("%s", exc)  # the summary line reports it
            return None
        log.info(
            "%s: read %d items (%s) in %d requests",
            adapter.name,
            len(snapshot.items),
            "full" if snapshot.complete else "incremental",
            adapter.requests,
        )
        return snapshot

    snapshots = {adapter.name: snapshot for adapter, snapshot in each_target(adapters, read)}
    return [
        TargetView(a.name, a.config.role, snapshots[a.name], links.get(a.name, {}), known[a.name])
        for a in adapters
    ]


def renamed_places(adapters: list[Adapter], views: list[TargetView]) -> list[str]:
    """One line per list / section that a person renamed (followed), as this run read it."""
    return [
        line
        for adapter, view in zip(adapters, views, strict=True)
        if view.snapshot is not None
        for line in renamed_lines(
            adapter.name, adapter.place_word, adapter.config.lists, view.snapshot.places
        )
    ]


def commit_plan(
    state: State,
    run_id: int,
    the_plan: Plan,
    records: dict[str, ItemRecord],
    facilitation: Facilitation,
    now: datetime,
) -> None:
    """Commit phase: the new board, its conflicts and the settled links, in the caller's
    transaction before any remote write (a run killed later re-links through footers)."""
    changed = the_plan.board.keys() | the_plan.touched.keys()
    for item_id in changed | facilitation.countermeasures.keys():
        record = records.get(item_id)
        item = the_plan.board.get(item_id) or (record.item if record else None)
        assert item is not None  # every id here is on the board or new in the plan
        touch = the_plan.touched.get(item_id)
        countermeasure = facilitation.countermeasures.get(item_id)
        state.save_item(item_id, _next_record(item, record, touch, countermeasure, now))
        if record is None or record.item != item:  # what `pairsync undo` puts back
            state.save_run_item(run_id, item_id, record.item if record else None, item)
    for conflict in the_plan.conflicts:
        for loser in conflict.losers:
            state.add_conflict(
                run_id,
                conflict.item_id,
                conflict.field,
                (conflict.winner, jsonable(conflict.winner_value)),
                (loser[0], jsonable(loser[1])),
            )
    for settle in the_plan.settles:
        state.save_link(settle.item_id, settle.target, settle.link)


def _count_conflicts(summaries: dict[str, TargetSummary], the_plan: Plan) -> None:
    for conflict in the_plan.conflicts:
        for loser, _ in conflict.losers:
            if loser in summaries:  # not a view of no tool (an undo's values)
                summaries[loser].conflicts += 1


def _next_record(
    item: Item,
    record: ItemRecord | None,
    touch: Touch | None,
    countermeasure: str | None,
    now: datetime,
) -> ItemRecord:
    """The item's state row after this run: new value, stale clock, Five Whys facts."""
    return ItemRecord(
        item,
        stale_clock(record, touch, now),
        touch.target if touch is not None else (record.touched_by if record else None),
        five_whys_seeded(record, item),
        record.created_at if record else now,
        countermeasure or (record.countermeasure_id if record else None),
        now if touch is not None or record is None else record.changed_at,
    )
