"""The partnership pulse (`pairsync pulse`): per week, how information flowed between the
two sides, counted from the state's run history alone (no tool is asked anything).

`pulse_weeks` is pure: the history rows (what each run changed, before and after), the
runs' counts of people's changes per tool, the tools' roles, and `now`. A week runs from
Monday 00:00 in the pair's time zone; the last one is the week in progress. Figures at
the end of a week (the stale share, acknowledgements waiting, growth items) replay the
board as the history left it then.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sync.channels.base import Chart, Entry, Message, Section
from sync.config import PairConfig
from sync.model import Item, Kind
from sync.plan.partnership import growth, waiting_ack
from sync.store.state import State

FIGURES: dict[str, str] = {
    "decisions_raised": "decisions raised",
    "decisions_decided": "decisions decided",
    "median_days_to_decide": "median days to decide",
    "created_executive": "created by the executive",
    "created_assistant": "created by the assistant",
    "created_shared": "created in shared tools",
    "changed_executive": "changed by the executive",
    "changed_assistant": "changed by the assistant",
    "changed_shared": "changed in shared tools",
    "stale_share": "stale share (%)",
    "acks_waiting": "acknowledgements waiting",
    "wins": "wins",
    "feedback": "feedback",
    "growth": "growth items open",
}
"""Every figure of a week, by its `--json` key, with the words its chart series shows."""
SIDES = ("executive", "assistant", "shared")


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One item a run changed: when, and its value before (None: new) and after."""

    at: datetime
    item_id: str
    before: Item | None
    after: Item


@dataclass(frozen=True, slots=True)
class RunCounts:
    """One run's count of people's changes per tool: target -> {"created": n, "changed": n}."""

    at: datetime
    people: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Week:
    start: date
    figures: dict[str, float | int | None]

    def to_json(self) -> dict[str, object]:
        return {"week": self.start.isoformat(), **self.figures}


def week_starts(now: datetime, zone: ZoneInfo, weeks: int) -> list[datetime]:
    """Monday 00:00 (in `zone`) of each of the last `weeks` weeks, oldest first; the last
    is the week `now` is in."""
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).date()
    return [
        datetime.combine(monday - timedelta(weeks=back), datetime.min.time(), tzinfo=zone)
        for back in range(weeks - 1, -1, -1)
    ]


def pulse_weeks(
    history: Sequence[HistoryRow],
    runs: Sequence[RunCounts],
    roles: Mapping[str, str],
    stale_label: str,
    now: datetime,
    zone: ZoneInfo,
    weeks: int,
) -> list[Week]:
    """The figures of the last `weeks` weeks; see the module docstring."""
    rows = sorted(history, key=lambda r: r.at)
    raised = _first_raised(rows)
    board: dict[str, Item] = {}
    applied = 0
    result = []
    for start in week_starts(now, zone, weeks):
        end = min(start + timedelta(weeks=1), now)
        while applied < len(rows) and rows[applied].at < end:
            board[rows[applied].item_id] = rows[applied].after
            applied += 1
        in_week = [r for r in rows if start <= r.at < end]
        figures: dict[str, float | int | None] = {
            **_decisions(in_week, raised),
            **_sides([r for r in runs if start <= r.at < end], roles),
            **_board_at_end(board, stale_label),
            "wins": sum(_new_of(r, Kind.WIN) for r in in_week),
            "feedback": sum(_new_of(r, Kind.FEEDBACK) for r in in_week),
        }
        result.append(Week(start.date(), {key: figures[key] for key in FIGURES}))
    return result


def _first_raised(rows: Sequence[HistoryRow]) -> dict[str, datetime]:
    """Decision id -> when it first appeared on the board as a decision."""
    raised: dict[str, datetime] = {}
    for row in rows:
        if row.after.kind is Kind.DECISION:
            raised.setdefault(row.item_id, row.at)
    return raised


def _new_of(row: HistoryRow, kind: Kind) -> bool:
    """The row puts a new item of `kind` on the board (made, or moved there from another)."""
    was = row.before is not None and row.before.kind is kind
    return row.after.kind is kind and not was and not row.after.archived


def _decisions(
    rows: Sequence[HistoryRow], raised: Mapping[str, datetime]
) -> dict[str, float | int | None]:
    decided = [
        r
        for r in rows
        if r.after.kind is Kind.DECISION
        and r.after.done
        and (r.before is None or not r.before.done)
    ]
    days = [(r.at - raised[r.item_id]).total_seconds() / 86400 for r in decided]
    return {
        "decisions_raised": sum(_new_of(r, Kind.DECISION) for r in rows),
        "decisions_decided": len(decided),
        "median_days_to_decide": round(statistics.median(days), 1) if days else None,
    }


def _sides(runs: Sequence[RunCounts], roles: Mapping[str, str]) -> dict[str, int]:
    """People's creations and changes per side: the role of the tool they came from (a
    tool no longer configured counts as shared)."""
    totals = {f"{what}_{side}": 0 for what in ("created", "changed") for side in SIDES}
    for run in runs:
        for target, counts in run.people.items():
            side = roles.get(target, "shared")
            for what in ("created", "changed"):
                totals[f"{what}_{side}"] += int(counts.get(what, 0))
    return totals


def _board_at_end(board: Mapping[str, Item], stale_label: str) -> dict[str, float | int | None]:
    live = [item for item in board.values() if not item.archived]
    stale = sum(stale_label in item.labels for item in live)
    return {
        "stale_share": round(100 * stale / len(live), 1) if live else None,
        "acks_waiting": sum(waiting_ack(item) for item in live),
        "growth": sum(growth(item) and not item.done for item in live),
    }


def pair_pulse(config: PairConfig, state: State, now: datetime, weeks: int) -> list[Week]:
    """The pulse of one pair from its state's run history (no tool is contacted)."""
    zone = config.pair.zone
    start = week_starts(now, zone, weeks)[0]
    history = [
        HistoryRow(at, item_id, before, after) for at, item_id, before, after in state.history()
    ]
    runs = [
        RunCounts(at, summary.get("people") or {}) for at, summary in state.run_summaries(start)
    ]
    roles = {target.name: target.role for target in config.targets}
    return pulse_weeks(history, runs, roles, config.stale.label, now, zone, weeks)


def pulse_title(config: PairConfig, weeks: Sequence[Week]) -> str:
    pair = config.pair
    span = f"{weeks[0].start:%-d %b} to {weeks[-1].start + timedelta(days=6):%-d %b %Y}"
    return f"Partnership pulse: {pair.executive} / {pair.assistant}, {span}"


def pulse_lines(weeks: Sequence[Week]) -> list[str]:
    """The figures as a table a person reads in a terminal (`-` where there is no value)."""

    def shown(value: float | int | None) -> str:
        return "-" if value is None else f"{value:g}"

    def sides(week: Week, what: str) -> str:
        return "/".join(shown(week.figures[f"{what}_{side}"]) for side in SIDES)

    lines = [
        "week of     raised decided days  created e/a/s  changed e/a/s  stale%  acks  "
        "wins  feedback  growth"
    ]
    for week in weeks:
        f = week.figures
        lines.append(
            f"{week.start:%Y-%m-%d}  {shown(f['decisions_raised']):>6} "
            f"{shown(f['decisions_decided']):>7} {shown(f['median_days_to_decide']):>4}  "
            f"{sides(week, 'created'):>13}  {sides(week, 'changed'):>13}  "
            f"{shown(f['stale_share']):>6}  {shown(f['acks_waiting']):>4}  "
            f"{shown(f['wins']):>4}  {shown(f['feedback']):>8}  {shown(f['growth']):>6}"
        )
    return lines


PULSE_WEEKS = 8
"""Weeks the monthly pulse charts; its text sums the last `SUMMED_WEEKS`."""
SUMMED_WEEKS = 4


def pulse_key(now: datetime, zone: ZoneInfo, first_run: datetime | None) -> str | None:
    """The key of this month's pulse message ("pulse 2026-12"), due from the month's
    first run; None while the pair has no run from before this month (nothing to show)."""
    local = now.astimezone(zone)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if first_run is None or first_run >= month_start:
        return None
    return f"pulse {local:%Y-%m}"


def pulse_message(
    config: PairConfig, key: str, weeks: Sequence[Week], chart: Chart | None
) -> Message:
    """The monthly pulse for the channels: the last weeks' figures as text, the chart
    of `weeks` with it (None: matplotlib is not installed; the note says so)."""
    pair = config.pair
    last = weeks[-SUMMED_WEEKS:]

    def total(key: str) -> int:
        return sum(int(w.figures[key] or 0) for w in last)

    now = weeks[-1].figures
    median = now["median_days_to_decide"]
    decided = f"{total('decisions_decided')} decided"
    if median is not None:
        decided += f" (this week: median {median:g} days to decide)"
    sides = {"executive": pair.executive, "assistant": pair.assistant, "shared": "shared tools"}

    def by_side(what: str) -> str:
        return ", ".join(
            f"{total(f'{what}_{side}')} {'in' if side == 'shared' else 'by'} {name}"
            for side, name in sides.items()
        )

    stale = now["stale_share"]
    entries = (
        f"decisions: {total('decisions_raised')} raised, {decided}",
        f"items created: {by_side('created')}",
        f"items changed: {by_side('changed')}",
        f"wins: {total('wins')}, feedback: {total('feedback')}",
        f"now: {'no open items' if stale is None else f'{stale:g}% of open items stale'}, "
        f"{now['acks_waiting']} acknowledgements waiting, {now['growth']} growth items open",
    )
    note = (
        f"The chart shows the last {len(weeks)} weeks (pairsync pulse for the figures)."
        if chart is not None
        else "Install the pulse extra for the chart: pip install 'pairsync[pulse]'."
    )
    return Message(
        "pulse",
        key,
        f"Partnership pulse: {pair.executive} / {pair.assistant}, {key.removeprefix('pulse ')}",
        (Section(f"The last {len(last)} weeks", tuple(Entry(e) for e in entries)),),
        note,
        chart,
    )
