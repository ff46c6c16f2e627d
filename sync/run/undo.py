"""`pairsync history` and `pairsync undo`: what each run changed, and putting it back.

Every run records, per item it changed on the board, the value before and after
(`run_items` in the state). Undoing run N is a new run in which the earlier values come
from a view of no tool, named "undo", as if a person had typed them in: the ordinary
merge carries them to every tool (an archived item comes back, a field gets its earlier
value, an item the run added is archived), and a person's unsynced edit of a field still
wins over the undo by the pair's conflict policy. An item changed on the board since run
N is left alone and named. The undo run is recorded like any other, so it can be undone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sync.config import PairConfig
from sync.contract import Link, RemoteItem, Snapshot
from sync.delivery.buttons import unpress
from sync.errors import ConfigError, StateError
from sync.model import Item
from sync.plan.observe import TargetView
from sync.run.engine import sync_pair
from sync.run.summary import RunSummary
from sync.store.rows import RunJson
from sync.store.state import State
from sync.store.where import has_state, open_state, run_lock

UNDO = "undo"


@dataclass(frozen=True, slots=True)
class UndoPlan:
    run: int
    values: dict[str, tuple[Item, Item]]
    """item id -> (the value to put back, the value the run left)."""
    left_alone: list[str]
    """One line per item changed since the run."""
    label: str = ""
    """What the run was, when it was a chat click ("slack: dana killed 'X'")."""
    put_back: int = 0
    """Items put back (or, in a dry run, to put back): changed by the undo and not lost
    to a person's newer edit, or a click's mark or stale clock restored."""

    def line(self, dry_run: bool) -> str:
        """`undo of run 4 (slack: dana killed 'X'): put back 1 item`."""
        verb = "would put back" if dry_run else "put back"
        kept = len(self.values) - self.put_back
        what = f"{self.put_back} item{'' if self.put_back == 1 else 's'}"
        lost = f" ({kept} kept a person's newer edit)" if kept > 0 else ""
        label = f" ({self.label})" if self.label else ""
        return f"undo of run {self.run}{label}: {verb} {what}{lost}"


def plan_undo(
    run: int, changes: Mapping[str, tuple[Item | None, Item]], board: Mapping[str, Item]
) -> UndoPlan:
    """Pure: which items of run `run` go back to what value. An item the run added is
    archived (nothing is ever deleted); one that changed since is left alone."""
    values: dict[str, tuple[Item, Item]] = {}
    left_alone = []
    for item_id, (before, after) in sorted(changes.items()):
        now = board.get(item_id)
        if now != after:
            title = (now or after).title
            left_alone.append(f"left alone {title!r}: changed since run {run}")
            continue
        values[item_id] = (before if before is not None else after.with_(archived=True), after)
    return UndoPlan(run, values, left_alone)


def undo_view(undo: UndoPlan) -> TargetView:
    """The undo as a view of no tool: each item shows its earlier value against a base of
    the value the run left, so the merge sees a person's edit back to it."""
    items = {i: RemoteItem(i, value, i, UNDO) for i, (value, _) in undo.values.items()}
    links = {i: Link(i, "", after) for i, (_, after) in undo.values.items()}
    return TargetView(UNDO, "shared", Snapshot(items, complete=False), links)


def last_run_that_wrote(state: State) -> int | None:
    return next((run.run_id for run in reversed(state.runs()) if run.items_changed), None)


def run_undo(
    config: PairConfig, run: int | None, dry_run: bool, now: datetime | None = None
) -> tuple[UndoPlan, RunSummary]:
    """What `pairsync undo` does: lock the pair, plan the undo, sync it as a new run."""
    if not has_state(config):
        raise StateError(f"{config.state_path}: no state yet, so no run to undo")
    with run_lock(config):
        state = open_state(config)
        try:
            state.claim(config.pair.name, config.state_path)
            chosen = run if run is not None else last_run_that_wrote(state)
            known = {run.run_id: run for run in state.runs()}
            if chosen is None or chosen not in known:
                what = "no run has changed anything yet" if chosen is None else "no such run"
                raise ConfigError([f"undo: {what} (see pairsync history --config FILE)"])
            board = {item_id: record.item for item_id, record in state.items().items()}
            undo = plan_undo(chosen, state.run_items(chosen), board)
            summary = sync_pair(
                config, state, dry_run=dry_run, now=now, extra_views=[undo_view(undo)]
            )
            click: RunJson = known[chosen].summary or {}
            restored = bool(click.get("put_back"))
            if summary.run_id is not None:
                with state.transaction():
                    state.record_undo(summary.run_id, chosen)
                    restored = unpress(state, click)
            lost = {str(c["item_id"]) for c in summary.conflicts if _undo_lost(c)}
            moved = {i for i, (value, after) in undo.values.items() if value != after}
            count = len(moved - lost) + (1 if restored and not moved else 0)
            label = str(click.get("click") or "")
            return replace(undo, label=label, put_back=count), summary
        finally:
            state.close()


def _undo_lost(conflict: Mapping[str, object]) -> bool:
    losers = conflict.get("losers")
    return isinstance(losers, list) and any(loser.get("target") == UNDO for loser in losers)


def history_rows(state: State) -> list[dict[str, object]]:
    """One row per run for `pairsync history`: when, per target what it wrote, conflicts,
    holds, and which run it undid."""
    rows = []
    for run in state.runs():
        summary: RunJson = run.summary or {}
        targets = summary.get("targets") or {}
        rows.append(
            {
                "run": run.run_id,
                "at": run.started_at.isoformat(),
                "items_changed": run.items_changed,
                "targets": {
                    name: {k: t.get(k, 0) for k in ("created", "updated", "archived")}
                    for name, t in targets.items()
                },
                "conflicts": len(summary.get("conflicts") or []),
                "held": summary.get("held") or {},
                "undo_of": run.undo_of,
                "finished": run.summary is not None,
                "click": summary.get("click"),
            }
        )
    return rows


def history_line(row: Mapping[str, object]) -> str:
    """`run 7  2026-12-01 21:03 UTC  trello 0 created, 1 updated, 0 archived; ...`"""
    at = datetime.fromisoformat(str(row["at"])).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if row.get("click"):
        return f"run {row['run']}  {at}  {row['click']}; 1 item changed"
    targets = row["targets"]
    assert isinstance(targets, dict)
    parts = [
        f"{name} {t['created']} created, {t['updated']} updated, {t['archived']} archived"
        for name, t in targets.items()
    ]
    parts.append(f"{row['conflicts']} conflicts")
    held = row["held"]
    if held:
        assert isinstance(held, dict)
        parts.append("held: " + ", ".join(f"{name} {count}" for name, count in held.items()))
    if row["undo_of"]:
        parts.append(f"undid run {row['undo_of']}")
    if not row["finished"]:
        parts.append("did not finish")
    return f"run {row['run']}  {at}  " + "; ".join(parts)
