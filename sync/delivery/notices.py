"""What the pair's channels should say, and when: pure functions over the state's items,
the last run's summary and what was sent before (no I/O, no clock: `now` is given).

- agenda: one message per meeting, due `[agenda] lead_hours` before it starts; its key
  names the meeting, so every run until the meeting refreshes the same message.
- decisions: one digest per day, only when a decision waits and the list differs from
  the last digest sent.
- health: an incident per failing target (opened once, "resolved" once), and one notice
  per run that had conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sync.channels.base import Button, Entry, Message, Section
from sync.config import PairConfig
from sync.delivery.agenda import AgendaLine, agenda_sections
from sync.delivery.buttons import NO_MARKS, Marks
from sync.delivery.meeting import next_meeting
from sync.model import Kind
from sync.plan.partnership import OPTIONAL_KINDS, waiting_ack
from sync.store.state import ItemRecord, SentRecord

STALE_BUTTONS = (("stale_keep", "Keep"), ("stale_park", "Park"), ("stale_kill", "Kill"))
DECISION_BUTTONS = (("decision_decided", "Decided"), ("decision_discuss", "Discuss"))
ACK_BUTTONS = (("decision_ack", "Got it"),)
DISCUSSED_BUTTONS = (("talking_point_discussed", "Discussed"),)
WIN_BUTTONS = (("win_add", "A win!"),)
"""On a done item, where the pair has wins on: celebrate it as a win."""
_HEALTH_PREFIX = "health target "


def zone(config: PairConfig) -> ZoneInfo:
    return config.pair.zone  # `[pair] timezone`, else the machine's


def meeting_due(config: PairConfig, now: datetime) -> tuple[datetime, bool] | None:
    """The next meeting and whether its agenda is due (inside the lead window); None when
    no `[agenda] meeting` is configured."""
    if config.agenda.meeting is None:
        return None
    start = next_meeting(config.agenda.meeting, zone(config), now)
    return start, now >= start - timedelta(hours=config.agenda.lead_hours)


def agenda_message(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    meeting: datetime,
    now: datetime,
    marks: Marks = NO_MARKS,
) -> Message:
    """The agenda for `meeting`: what changed since the meeting a week before, with
    keep / park / kill on stale items and decided / discuss on waiting decisions."""
    previous = meeting - timedelta(days=7)
    sections = agenda_sections(config, records, previous, now, marks)
    pair = config.pair
    buttons_of = {
        f"Decisions waiting for {pair.executive}": DECISION_BUTTONS,
        "Decisions to acknowledge": ACK_BUTTONS,
        "To discuss": DISCUSSED_BUTTONS,
    }
    built = []
    for title, lines in sections.items():
        buttons = STALE_BUTTONS if title.startswith("Stale") else buttons_of.get(title, ())
        entries = tuple(
            _entry(config, line, buttons or _win_buttons(config, records, line.item_id))
            for line in lines
        )
        if entries:  # a chat message shows only what has something in it
            built.append(Section(title, entries))
    return Message(
        "agenda",
        f"agenda {meeting:%Y-%m-%dT%H:%M}",
        f"1:1 agenda: {pair.executive} / {pair.assistant}, {_when(meeting)}",
        tuple(built),
        f"Changes since the last 1:1 ({previous:%A %-d %B})."
        + ("" if built else " Nothing on the board needs the meeting."),
    )


def decisions_message(
    config: PairConfig, records: Mapping[str, ItemRecord], now: datetime
) -> Message | None:
    """Today's digest of the decisions waiting for the executive, oldest first, then
    (with `[decisions] acknowledge`) those waiting for the assistant's acknowledgement;
    None when nothing waits."""
    waiting = sorted(
        (
            (item_id, r)
            for item_id, r in records.items()
            if r.item.kind is Kind.DECISION and not r.item.done and not r.item.archived
        ),
        key=lambda p: (p[1].created_at or p[1].touched_at, p[1].item.title),
    )
    acks = sorted(
        (i, r) for i, r in records.items() if config.decisions.acknowledge and waiting_ack(r.item)
    )
    if not waiting and not acks:
        return None
    entries = []
    for item_id, record in waiting:
        item = record.item
        due = f", due {item.due:%a %-d %b}" if item.due else ", no due date"
        text = f"{item.title}{due}, raised {_raised_by(config, record)}"
        age = (now - (record.created_at or record.touched_at)).days
        entries.append(
            _entry(config, AgendaLine(item_id, text, f"waiting {_days(age)}"), DECISION_BUTTONS)
        )
    pair = config.pair
    sections = [Section("Oldest first", tuple(entries))] if entries else []
    title = f"{_decisions(len(entries))} waiting for {pair.executive}" if entries else ""
    if acks:
        decided = tuple(
            _entry(
                config,
                AgendaLine(i, r.item.title),
                ACK_BUTTONS + _win_buttons(config, records, i),
            )
            for i, r in acks
        )
        sections.append(Section(f"Decided: {pair.assistant} to acknowledge", decided))
        waits = f"{_decisions(len(acks))} waiting for {pair.assistant}'s acknowledgement"
        title = f"{title}; {waits}" if title else waits[:1].upper() + waits[1:]
    return Message(
        "decisions",
        f"decisions {now.astimezone(zone(config)):%Y-%m-%d}",
        title,
        tuple(sections),
    )


def _decisions(count: int) -> str:
    return f"{count} decision{'s' if count != 1 else ''}"


def _win_buttons(
    config: PairConfig, records: Mapping[str, ItemRecord], item_id: str
) -> tuple[tuple[str, str], ...]:
    """*A win!* on a done item that is no win itself, where the pair has wins on."""
    record = records.get(item_id)
    if Kind.WIN not in config.board.kinds or record is None:
        return ()
    item = record.item
    return WIN_BUTTONS if item.done and item.kind not in OPTIONAL_KINDS else ()


def decisions_due(message: Message | None, sent: Mapping[str, SentRecord]) -> bool:
    """At most one digest a day, and none when the list is the same as the last one."""
    if message is None:
        return False
    if message.key in sent:
        return True  # today's: kept current in place (a channel that can't, won't repeat)
    earlier = [r for k, r in sent.items() if r.kind == "decisions"]
    last = max(earlier, key=lambda r: r.sent_at, default=None)
    return last is None or last.substance != message.substance


@dataclass(frozen=True, slots=True)
class HealthNotice:
    message: Message
    resolves: str | None = None
    """The key of the incident this notice closes."""


def health_notices(
    pair: str, summary: Mapping[str, object] | None, run_id: int, sent: Mapping[str, SentRecord]
) -> list[HealthNotice]:
    """From the last run's summary: open an incident per newly failing target (a held
    mass vanish, `held` in the summary, is one too), resolve the open ones whose target
    synced, and one notice for the run's conflicts."""
    if summary is None:
        return []
    targets = summary.get("targets")
    failing = {
        name: list(t.get("errors") or [])
        for name, t in (targets.items() if isinstance(targets, dict) else [])
        if isinstance(t, dict) and t.get("errors")
    }
    open_incidents = {
        key.removeprefix(_HEALTH_PREFIX).rsplit(" run ", 1)[0]: key
        for key, r in sent.items()
        if r.kind == "health" and key.startswith(_HEALTH_PREFIX) and not r.closed
    }
    held = summary.get("held")
    notices = []
    for name, errors in sorted(failing.items()):
        if name not in open_incidents:
            lines = tuple(Entry(str(e)) for e in errors)
            count = held.get(name) if isinstance(held, dict) else None
            title = (
                f"pairsync {pair}: {name} lost {count} items at once; they are held, not archived"
                if count
                else f"pairsync {pair}: {name} is failing"
            )
            notices.append(
                HealthNotice(
                    Message(
                        "health",
                        f"{_HEALTH_PREFIX}{name} run {run_id}",
                        title,
                        (Section("What pairsync saw", lines),),
                        "The other targets keep syncing; pairsync says here once it clears.",
                    )
                )
            )
    for name, key in sorted(open_incidents.items()):
        if name not in failing and isinstance(targets, dict) and name in targets:
            notices.append(
                HealthNotice(
                    Message(
                        "health",
                        f"{key} resolved",
                        f"pairsync {pair}: {name} is syncing again (resolved)",
                    ),
                    resolves=key,
                )
            )
    conflicts = summary.get("conflicts")
    if isinstance(conflicts, list) and conflicts:
        notices.append(HealthNotice(_conflicts_message(pair, conflicts, run_id)))
    return notices


def _conflicts_message(pair: str, conflicts: list[object], run_id: int) -> Message:
    entries = []
    for conflict in conflicts:
        if not isinstance(conflict, dict):
            continue
        losers = conflict.get("losers")
        lost = ", ".join(
            f"{loser.get('target')}={loser.get('value')!r}"
            for loser in (losers if isinstance(losers, list) else [])
            if isinstance(loser, dict)
        )
        entries.append(
            Entry(
                f"{conflict.get('title')!r} {conflict.get('field')}: kept "
                f"{conflict.get('winner')}={conflict.get('winner_value')!r} over {lost}"
            )
        )
    return Message(
        "health",
        f"health conflicts run {run_id}",
        f"pairsync {pair}: {len(entries)} conflict{'s' if len(entries) != 1 else ''} to look at",
        (Section("Both tools changed the same field; the losing value is kept", tuple(entries)),),
    )


def _entry(config: PairConfig, line: AgendaLine, buttons: tuple[tuple[str, str], ...]) -> Entry:
    value = f"{config.pair.name}:{line.item_id}"
    return Entry(line.text, line.detail, tuple(Button(a, label, value) for a, label in buttons))


def _raised_by(config: PairConfig, record: ItemRecord) -> str:
    """ "by" the owner, else the person whose tool last changed it, else "in" that tool."""
    roles = {t.name: t.role for t in config.targets}
    role = record.item.owner.value if record.item.owner else roles.get(record.touched_by or "")
    if role == "assistant":
        return f"by {config.pair.assistant}"
    if role == "executive":
        return f"by {config.pair.executive}"
    return f"in {record.touched_by}" if record.touched_by else "by someone unknown"


def _when(start: datetime) -> str:
    return f"{start:%A %-d %B, %H:%M} ({start.tzinfo})"


def _days(days: int) -> str:
    return "since today" if days <= 0 else f"{days} day{'s' if days != 1 else ''}"
