"""What the status page and `/healthz` show for each pair: the last run (from this
process, or the state database's run history after a restart), the next poll, held
vanishes, conflicts, stale items and decisions waiting for an acknowledgement, and the
pair's pulse chart. Read from the state database only; no tool is contacted, so the page
is instant and shows no secret (summaries never hold one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sync.config import PairConfig
from sync.delivery.agenda import render_agenda, stale_items
from sync.delivery.buttons import marks
from sync.delivery.pulse import PULSE_WEEKS, pair_pulse, pulse_title
from sync.errors import StateError
from sync.plan.partnership import waiting_ack
from sync.serve.worker import Finished
from sync.store.rows import RunJson
from sync.store.state import State
from sync.store.where import has_state, open_state


@dataclass(frozen=True, slots=True)
class TargetRun:
    name: str
    ok: bool
    detail: str
    """"3 created, 1 updated" or the first error."""
    requests: int


@dataclass(frozen=True, slots=True)
class PairStatus:
    name: str
    file: str
    last_run: datetime | None = None
    ok: bool | None = None
    """None: never synced."""
    error: str | None = None
    """Why the whole pair failed (config, state), when it did."""
    targets: list[TargetRun] = field(default_factory=list)
    next_run: datetime | None = None
    held: dict[str, int] = field(default_factory=dict)
    """Target -> items whose vanishing is held (the safety valve), when any."""
    conflicts: int = 0
    """Conflicts recorded in the last run (their losing values are in the state)."""
    stale: int = 0
    acks: int = 0
    """Decisions waiting for the assistant's acknowledgement (`Ack needed`)."""


def pair_status(
    config: PairConfig, path: Path, last: Finished | None, next_run: datetime | None
) -> PairStatus:
    summary_json: RunJson | None = None
    last_run = None
    error = None
    if last is not None:
        last_run = datetime.fromtimestamp(last.ended, UTC)
        summary = last.result.summary
        summary_json = summary.to_json() if summary else None
        error = None if summary else last.result.error
    stale = acks = 0
    held: dict[str, int] = {}
    if has_state(config):
        try:
            state = open_state(config, reading=True)
        except StateError as exc:
            return PairStatus(config.pair.name, path.name, ok=False, error=str(exc))
        try:
            if last is None:
                last_run, summary_json = _last_recorded_run(state)
            records = state.items()
            stale = len(stale_items(config, records, datetime.now(UTC)))
            acks = sum(waiting_ack(r.item) for r in records.values())
            held = held_vanishes(state)
        finally:
            state.close()
    targets = _target_runs(summary_json) if summary_json else []
    ok = None if last_run is None else (error is None and all(t.ok for t in targets))
    conflicts = len(summary_json.get("conflicts", [])) if summary_json else 0
    return PairStatus(
        config.pair.name,
        path.name,
        last_run,
        ok,
        error,
        targets,
        next_run,
        held,
        conflicts,
        stale,
        acks,
    )


def agenda_text(config: PairConfig) -> str:
    """The agenda as `pairsync agenda` would print it now (without recording it)."""
    if not has_state(config):
        return "No agenda yet: the pair has not synced."
    state = open_state(config, reading=True)
    try:
        now = datetime.now(UTC)
        return render_agenda(config, state.items(), state.last_agenda_at(), now, marks(state, now))
    finally:
        state.close()


def pulse_png(config: PairConfig) -> bytes:
    """The pair's pulse chart now (`MissingExtra` without matplotlib)."""
    from sync.delivery.pulse_chart import chart_png

    if not has_state(config):
        raise StateError(f"{config.state_path}: no state yet: the pair has not synced")
    state = open_state(config, reading=True)
    try:
        weeks = pair_pulse(config, state, datetime.now(UTC), PULSE_WEEKS)
    finally:
        state.close()
    return chart_png(weeks, pulse_title(config, weeks))


def held_vanishes(state: State) -> dict[str, int]:
    """Items held by the vanish safety valve (`sync.plan.safety`), per target."""
    return {target: len(items) for target, items in state.holds().items() if items}


def _last_recorded_run(state: State) -> tuple[datetime | None, RunJson | None]:
    run = state.last_run(clicks=True)
    return (run.finished_at, run.summary) if run else (None, None)


def _target_runs(summary: RunJson) -> list[TargetRun]:
    runs = []
    for name, t in summary.get("targets", {}).items():
        errors = t.get("errors", [])
        detail = (
            errors[0].removeprefix(f"{name}: ")
            if errors
            else f"{t.get('created', 0)} created, {t.get('updated', 0)} updated, "
            f"{t.get('archived', 0)} archived"
        )
        runs.append(TargetRun(name, not errors, detail, t.get("requests", 0)))
    return runs
