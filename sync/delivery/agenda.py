"""The 1:1 agenda and the stale list, built from the pair's state alone (no tool is
contacted, so they are instant and work offline; run `pairsync sync` first for fresh data).
With `[agenda] publish = true` the agenda also goes onto every board (`publish_agenda`).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters import build_adapters
from adapters.base import Adapter
from sync.config import PairConfig
from sync.delivery.buttons import NO_MARKS, Marks, marks
from sync.delivery.meeting import next_meeting
from sync.errors import StateError, TargetError
from sync.logs import say
from sync.model import Item, Kind, Owner
from sync.plan.facilitation import five_whys_progress, stale_age
from sync.plan.partnership import (
    OPTIONAL_KINDS,
    asks_first,
    gave,
    growth,
    talking_point,
    thanks,
    waited_words,
    waiting_ack,
)
from sync.store.state import ItemRecord, State


@dataclass(frozen=True, slots=True)
class StaleEntry:
    item_id: str
    item: Item
    age_days: int
    last_tool: str | None
    ball_with: str


def ball_with(config: PairConfig, item: Item) -> str:
    """Who has to move next: decisions wait for the executive, others for their owner."""
    if item.kind is Kind.DECISION or item.owner is Owner.EXECUTIVE:
        return config.pair.executive
    if item.owner is Owner.ASSISTANT:
        return config.pair.assistant
    return "nobody yet (no owner)"


def stale_items(
    config: PairConfig, records: Mapping[str, ItemRecord], now: datetime
) -> list[StaleEntry]:
    """Stale items, oldest first, whether or not the run's write cap let them be labelled."""
    entries = [
        StaleEntry(item_id, record.item, age, record.touched_by, ball_with(config, record.item))
        for item_id, record in records.items()
        if (age := stale_age(config.stale, record.item, record.touched_at, now)) is not None
    ]
    return sorted(entries, key=lambda e: (-e.age_days, e.item.title))


def acks_waiting(
    config: PairConfig, records: Mapping[str, ItemRecord], marks: Marks, now: datetime
) -> list[StaleEntry]:
    """Decided decisions waiting for the assistant's acknowledgement, longest first; the
    age counts from when `Ack needed` appeared (else the last touch)."""
    entries = [
        StaleEntry(
            item_id,
            record.item,
            max(0, (now - (marks.ack_since.get(item_id) or record.touched_at)).days),
            record.touched_by,
            config.pair.assistant,
        )
        for item_id, record in records.items()
        if waiting_ack(record.item)
    ]
    return sorted(entries, key=lambda e: (-e.age_days, e.item.title))


@dataclass(frozen=True, slots=True)
class AgendaLine:
    item_id: str
    text: str
    detail: str = ""
    """What changes by itself from day to day (a stale item's age)."""


def agenda_sections(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    since: datetime | None,
    now: datetime,
    marks: Marks = NO_MARKS,
) -> dict[str, list[AgendaLine]]:
    """The agenda's sections by title; `since` is the last agenda (None: everything is new);
    `marks` from chat buttons and the run history: parked items leave the stale list,
    talking points say how long they have waited. With wins on, they open the agenda."""
    live = sorted(
        ((item_id, r) for item_id, r in records.items() if not r.item.archived),
        key=lambda p: (p[1].item.due is None, p[1].item.due, p[1].item.title),
    )

    def changed(record: ItemRecord) -> bool:
        seen = record.changed_at or record.created_at or record.touched_at
        return since is None or seen > since

    def is_new(record: ItemRecord) -> bool:
        return since is None or (record.created_at is not None and record.created_at > since)

    def line(item_id: str, record: ItemRecord) -> AgendaLine:
        return AgendaLine(item_id, _line(record.item))

    stale = [e for e in stale_items(config, records, now) if e.item_id not in marks.parked]
    five_whys = [(i, r, five_whys_progress(r.item)) for i, r in live]
    board = [(i, r) for i, r in live if r.item.kind not in OPTIONAL_KINDS]
    waiting = {i: r for i, r in board if r.item.kind is Kind.DECISION and not r.item.done}
    aged = {e.item_id: _stale_detail(e) for e in stale}
    # Each item once: a waiting decision under "Decisions waiting" (the 1:1 owes it the
    # executive's call, which its Decided / Discuss buttons take), with its age if stale;
    # another stale item under "Stale" (keep, park or kill), not also as new or changed.
    open_items = [(i, r) for i, r in board if not r.item.done and i not in waiting]
    fresh_items = [(i, r) for i, r in open_items if i not in aged]
    wins = [
        line(i, r)
        for i, r in sorted(records.items(), key=lambda p: p[1].item.title)
        if r.item.done and changed(r) and r.item.kind not in OPTIONAL_KINDS
    ]
    talk = talking_points(config, records, live, now, marks)
    sections = {
        f"Decisions waiting for {config.pair.executive}": [
            AgendaLine(i, _line(r.item), aged.get(i, "")) for i, r in waiting.items()
        ],
        "New since last time": [line(i, r) for i, r in fresh_items if is_new(r)],
        "Changed since last time": [
            line(i, r) for i, r in fresh_items if changed(r) and not is_new(r)
        ],
        "Stale: keep, park or kill?": [
            AgendaLine(e.item_id, _line(e.item), aged[e.item_id])
            for e in stale
            if e.item_id not in waiting
        ],
        "Five Whys in progress": [
            AgendaLine(i, f"{_line(r.item)} — {progress}")
            for i, r, progress in five_whys
            if progress and progress != "root cause agreed"
        ],
        "Root causes agreed": [
            AgendaLine(i, f"{_line(r.item)} — root cause agreed" + _countermeasure(records, r))
            for i, r, progress in five_whys
            if progress == "root cause agreed" and changed(r)
        ],
    }
    opening: dict[str, list[AgendaLine]] = {}
    kinds = config.board.kinds
    if Kind.WIN in kinds:  # the week's wins open the agenda, thanks first
        names = {Owner.EXECUTIVE: config.pair.executive, Owner.ASSISTANT: config.pair.assistant}
        opening["Wins"] = [
            AgendaLine(i, f"win: {r.item.title}" + _then(thanks(r.item, names)))
            for i, r in live
            if r.item.kind is Kind.WIN and changed(r)
        ] + wins
    if Kind.FEEDBACK in kinds:
        opening["Feedback"] = feedback_lines(config, [(i, r) for i, r in live if changed(r)])
    if config.decisions.acknowledge:
        opening["Decisions to acknowledge"] = [
            AgendaLine(i, _line(r.item), _waiting(marks.ack_since.get(i), now, config))
            for i, r in live
            if waiting_ack(r.item)
        ]
    asked = {  # shown only when something is asked for
        title: lines
        for title, lines in {
            "To discuss": talk,
            "Needs your call": [line(i, r) for i, r in live if asks_first(r.item)],
        }.items()
        if lines
    }
    closing = {"Growth": [_growth_line(i, r.item) for i, r in live if growth(r.item)]}
    if not closing["Growth"]:
        del closing["Growth"]
    if Kind.WIN not in kinds:
        closing["Wins"] = wins
    return {**opening, **asked, **sections, **closing}


def _stale_detail(entry: StaleEntry) -> str:
    where = f" (last in {entry.last_tool})" if entry.last_tool else ""
    return f"untouched {entry.age_days} days{where}, ball with {entry.ball_with}"


def talking_points(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    live: list[tuple[str, ItemRecord]],
    now: datetime,
    marks: Marks,
) -> list[AgendaLine]:
    """Items labelled `discuss`, each with how many 1:1s it has waited (since the label
    appeared: the run history, a chat button, else when the item was made)."""
    found = []
    for item_id, record in live:
        if not talking_point(record.item):
            continue
        since = marks.discuss_since.get(item_id) or record.created_at or record.touched_at
        count = waited(since, now, marks.agendas, config.agenda.meeting, config.pair.zone)
        found.append(AgendaLine(item_id, _line(record.item), waited_words(count)))
    return found


def waited(
    since: datetime,
    now: datetime,
    agendas: Sequence[datetime],
    meeting: str | None,
    zone: ZoneInfo,
) -> int:
    """For how many 1:1s something raised at `since` has waited: the meetings held since
    (with `[agenda] meeting`), else the agendas made since."""
    if meeting is None:
        return sum(1 for at in agendas if since < at <= now)
    count, at = 0, since
    while (start := next_meeting(meeting, zone, at)) <= now:
        count, at = count + 1, start
    return count


def feedback_lines(config: PairConfig, found: list[tuple[str, ItemRecord]]) -> list[AgendaLine]:
    """Feedback both ways: the executive's first, then the assistant's, then unsigned."""
    roles = {target.name: target.role for target in config.targets}
    names = {Owner.EXECUTIVE: config.pair.executive, Owner.ASSISTANT: config.pair.assistant}
    lines = []
    for item_id, record in found:
        if record.item.kind is not Kind.FEEDBACK:
            continue
        giver = gave(record.item, roles.get(record.touched_by or ""))
        who = f" from {names[giver]}" if giver else ""
        order = list(names).index(giver) if giver else len(names)
        lines.append((order, AgendaLine(item_id, f"feedback{who}: {record.item.title}")))
    return [line for _, line in sorted(lines, key=lambda p: p[0])]


def render_agenda(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    since: datetime | None,
    now: datetime,
    marks: Marks = NO_MARKS,
) -> str:
    """Markdown for the next 1:1; `since` is the last agenda (None: everything is new)."""
    pair = config.pair
    zone = pair.zone  # dates and times as the pair reads them
    scope = (
        f"Changes since {since.astimezone(zone):%Y-%m-%d %H:%M %Z}."
        if since
        else "First agenda: everything."
    )
    today = now.astimezone(zone)
    out = [f"# 1:1 {pair.executive} / {pair.assistant} — {today:%Y-%m-%d}", "", scope, ""]
    for title, lines in agenda_sections(config, records, since, now, marks).items():
        shown = [f"- {a.text} — {a.detail}" if a.detail else f"- {a.text}" for a in lines]
        out += [f"## {title}", "", *(shown or ["- nothing"]), ""]
    return "\n".join(out)


def agenda_key(config: PairConfig) -> str:
    """The agenda card's id in every tool (its link-back footer), stable per pair, so that
    publishing again updates the same card instead of adding one."""
    return hashlib.sha256(f"pairsync agenda {config.pair.name}".encode()).hexdigest()[:16]


AgendaRun = tuple[str, dict[str, str], list[str]]
"""The agenda text, where it was published (target -> remote id), and per-target errors."""


def make_agenda(
    config: PairConfig, state: State, now: datetime, since: datetime | None, output: Path | None
) -> AgendaRun:
    """What `pairsync agenda` does: render since `since` (default: the last agenda), write
    it to `output`, publish it if configured, and record it as the new last agenda."""
    text = render_agenda(
        config, state.items(), since or state.last_agenda_at(), now, marks(state, now)
    )
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise StateError(f"{output}: cannot write the agenda: {exc.strerror}") from None
    published: dict[str, str] = {}
    errors: list[str] = []
    if config.agenda.publish:
        adapters = build_adapters(config.targets, config.pair.zone, {}, pair_file=config.pair_file)
        try:
            published, errors = publish_agenda(config, text, now, adapters)
        finally:
            for adapter in adapters:
                adapter.close()
    if state.read_only:
        say(
            f"{config.state_path}: read-only: this agenda is not recorded, so the next one "
            "shows the same changes again",
            logging.WARNING,
        )
    else:
        with state.transaction():
            state.record_agenda(now, json.dumps(published) if published else None)
    return text, published, errors


def publish_agenda(
    config: PairConfig, text: str, now: datetime, adapters: list[Adapter]
) -> tuple[dict[str, str], list[str]]:
    """Put the agenda on every target as one card/task in the `[agenda] list`; returns the
    remote ids by target and one error line per target that failed (the others still get it)."""
    title = f"1:1 agenda {now:%Y-%m-%d}"
    published: dict[str, str] = {}
    errors: list[str] = []
    for adapter in adapters:
        try:
            published[adapter.name] = adapter.publish(
                config.agenda.list, agenda_key(config), title, text
            )
        except TargetError as exc:
            errors.append(f"could not publish the agenda: {exc}")
    return published, errors


def _then(words: str) -> str:
    return f" — {words}" if words else ""


def _waiting(since: datetime | None, now: datetime, config: PairConfig) -> str:
    if since is None:
        return f"waiting for {config.pair.assistant}"
    days = (now - since).days
    return f"waiting for {config.pair.assistant} " + (
        "since today" if days <= 0 else f"{days} day{'s' if days != 1 else ''}"
    )


def _growth_line(item_id: str, item: Item) -> AgendaLine:
    return AgendaLine(item_id, _line(item) + (" — done" if item.done else ""))


def _countermeasure(records: Mapping[str, ItemRecord], record: ItemRecord) -> str:
    action = records.get(record.countermeasure_id or "")
    return f"; countermeasure: {_describe(action.item)}" if action else ""


def _line(item: Item) -> str:
    return f"{item.kind.value}: {_describe(item)}"


def _describe(item: Item) -> str:
    due = f" (due {item.due.isoformat()})" if item.due else ""
    owner = f" [{item.owner.value}]" if item.owner else ""
    return f"{item.title}{due}{owner}"
