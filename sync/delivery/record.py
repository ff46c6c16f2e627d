"""The pair's record as documents, and what a person set in them as a view of the board:
pure functions over the state's items (no I/O, no clock: `now` is given).

- the 1:1 agenda: one part per meeting (its talking points, each a checkbox a person may
  tick when it was discussed); an earlier meeting's part stays below the new one;
- the decisions log: one table, a row per decision;
- a Five Whys record per problem: the statement, then each step as a checkbox with room
  for its answer. A step's answer lives on the board in the step's text, as
  "Why 1? — <answer>" (so the Trello check item, the Asana subtask and the Markdown step
  show it); the document shows the label and the answer apart.

What a person ticked or answered in a Five Whys record comes back as a view of no tool
(`record_views`), merged as a person's edit in that document is, never written to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sync.config import PairConfig
from sync.contract import Link, RemoteItem, Snapshot
from sync.delivery.agenda import agenda_sections
from sync.delivery.buttons import NO_MARKS, Marks
from sync.delivery.notices import meeting_due
from sync.documents.base import (
    Document,
    DocumentKind,
    Entry,
    EntryRef,
    Mark,
    Part,
    Row,
    Table,
)
from sync.model import Item, Kind, Step
from sync.plan.observe import TargetView
from sync.store.state import ItemRecord

ANSWER = " — "
"""Between a Five Whys step's label and its answer in the step's text on the board."""
FIVE_WHYS_KEY = "five_whys "
STEPS_PART = "steps"
ACK_LABEL = "Ack needed"
DECISION_COLUMNS = ("Raised", "Decision", "Status", "Decided on", "Acknowledged")


def split_answer(text: str, labels: Sequence[str] = ()) -> tuple[str, str]:
    """A step's text on the board -> (label, answer): split at " — ", or after one of the
    configured step `labels` a person wrote an answer behind ("Why 1? because …")."""
    if ANSWER in text:
        label, _, answer = text.partition(ANSWER)
        return label, answer.strip()
    for label in labels:
        rest = text.removeprefix(label)
        if rest != text and rest[:1] in (" ", ":"):
            return label, rest.strip(" :")
    return text, ""


def with_answer(label: str, answer: str) -> str:
    """Inverse of `split_answer`: the step's text on the board."""
    return f"{label}{ANSWER}{answer.strip()}" if answer.strip() else label


def build_documents(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    kinds: list[DocumentKind],
    now: datetime,
    kept: Mapping[str, Mapping[EntryRef, Mark]],
    marks: Marks = NO_MARKS,
) -> list[Document]:
    """The documents of one `[[documents]]` entry; `kept`: document key -> the marks last
    read there, kept where the board has no field for them (an agenda's ticks)."""
    documents = []
    meeting = meeting_due(config, now)
    if "agenda" in kinds and meeting is not None:
        documents.append(
            agenda_document(config, records, meeting[0], now, kept.get("agenda", {}), marks)
        )
    if "decisions" in kinds:
        documents.append(decisions_document(config, records))
    if "five_whys" in kinds:
        for item_id, record in sorted(records.items(), key=lambda p: p[1].item.title):
            item = record.item
            if item.kind is Kind.PROBLEM and item.steps and not item.archived:
                documents.append(five_whys_document(item_id, item, config.five_whys.steps))
    return documents


def agenda_document(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    meeting: datetime,
    now: datetime,
    kept: Mapping[EntryRef, Mark],
    marks: Marks = NO_MARKS,
) -> Document:
    """The agenda for `meeting` as one part: each talking point once (one tick, as a
    person left it), under the first section that lists it, saying what the later ones
    add (a decided decision is a win and may wait for an acknowledgement)."""
    pair = config.pair
    previous = meeting - timedelta(days=7)
    part_key = f"agenda {meeting:%Y-%m-%dT%H:%M}"
    texts: dict[str, str] = {}
    first: dict[str, str] = {}  # item id -> its line's text where it is listed
    for title, lines in agenda_sections(config, records, previous, now, marks).items():
        for line in lines:
            said = f" — {line.detail}" if line.detail else ""
            if line.item_id not in first:
                first[line.item_id] = line.text
                texts[line.item_id] = f"{title}: {line.text}{said}"
                continue
            before = first[line.item_id]
            added = line.text[len(before) :] if line.text.startswith(before) else f": {line.text}"
            texts[line.item_id] += f"; also {title}{added}{said}"
    entries = [
        Entry(item_id, text, Mark(bool(kept.get((part_key, item_id), Mark(False)).ticked)))
        for item_id, text in texts.items()
    ]
    note = f"Changes since the last 1:1 ({previous:%A %-d %B})." + (
        "" if entries else " Nothing on the board needs the meeting."
    )
    heading = f"1:1 {meeting:%A %-d %B %Y, %H:%M} ({meeting.tzinfo})"
    return Document(
        "agenda",
        "agenda",
        f"1:1 — {pair.executive} / {pair.assistant}",
        (Part(part_key, heading, note, tuple(entries)),),
    )


def decisions_document(config: PairConfig, records: Mapping[str, ItemRecord]) -> Document:
    """The decisions log: one row per decision, oldest first, archived ones included."""
    zone = config.pair.zone
    decisions = sorted(
        ((i, r) for i, r in records.items() if r.item.kind is Kind.DECISION),
        key=lambda p: (p[1].created_at or p[1].touched_at, p[1].item.title),
    )
    rows = []
    for item_id, record in decisions:
        item = record.item
        raised = (record.created_at or record.touched_at).astimezone(zone)
        status = "decided" if item.done else "archived" if item.archived else "waiting"
        decided = record.changed_at or record.touched_at
        decided_on = f"{decided.astimezone(zone):%Y-%m-%d}" if item.done else ""
        acknowledged = f"waiting for {config.pair.assistant}" if ACK_LABEL in item.labels else ""
        title = item.title + (f" (due {item.due.isoformat()})" if item.due else "")
        rows.append(Row(item_id, (f"{raised:%Y-%m-%d}", title, status, decided_on, acknowledged)))
    pair = config.pair
    return Document(
        "decisions",
        "decisions",
        f"Decisions — {pair.executive} / {pair.assistant}",
        (Part("log", "Decisions log", table=Table(DECISION_COLUMNS, tuple(rows))),),
    )


def five_whys_document(item_id: str, item: Item, labels: Sequence[str] = ()) -> Document:
    """A problem's Five Whys: the statement, then each step with its tick and answer."""
    steps = []
    for index, step in enumerate(item.steps):
        label, answer = split_answer(step.text, labels)
        steps.append(Entry(f"step-{index + 1}", label, Mark(step.done, answer)))
    statement = item.notes.strip() or "(no statement yet: write it in the problem's notes)"
    return Document(
        "five_whys",
        FIVE_WHYS_KEY + item_id,
        f"Five Whys — {item.title}",
        (
            Part("problem", "Problem", statement),
            Part(
                STEPS_PART,
                "Five Whys",
                "Tick a step when it is agreed; answer below it.",
                tuple(steps),
            ),
        ),
    )


def record_views(
    name: str,
    read: Mapping[str, tuple[str, Mapping[EntryRef, Mark]]],
    agreed: Mapping[str, Mapping[EntryRef, Mark]],
    board: Mapping[str, Item],
    labels: Sequence[str] = (),
) -> TargetView | None:
    """What a person ticked or answered in the Five Whys records of the `[[documents]]`
    entry `name`, as a view of no tool: each problem shows the board's steps with the
    marks the document shows, against a base of the marks pairsync and the document last
    agreed on (`agreed`), so the merge sees only what a person changed there. `read`:
    document key -> (version, marks) of the documents read this run. None: no change."""
    items: dict[str, RemoteItem] = {}
    links: dict[str, Link] = {}
    for key, (version, shown) in read.items():
        item = board.get(key.removeprefix(FIVE_WHYS_KEY))
        if not key.startswith(FIVE_WHYS_KEY) or item is None:
            continue
        item_id = key.removeprefix(FIVE_WHYS_KEY)
        base = _with_marks(item, agreed.get(key, {}), labels)
        current = _with_marks(item, {**agreed.get(key, {}), **shown}, labels)
        if current != base:
            items[item_id] = RemoteItem(item_id, current, item_id, version or "read")
            links[item_id] = Link(item_id, "", base)
    if not items:
        return None
    return TargetView(name, "shared", Snapshot(items, complete=False), links)


def _with_marks(item: Item, marks: Mapping[EntryRef, Mark], labels: Sequence[str]) -> Item:
    """The item with each step's tick and answer as `marks` says (where it says)."""
    steps = []
    for index, step in enumerate(item.steps):
        mark = marks.get((STEPS_PART, f"step-{index + 1}"))
        if mark is None:
            steps.append(step)
            continue
        label, answer = split_answer(step.text, labels)
        shown = answer if mark.answer is None else mark.answer
        done = step.done if mark.ticked is None else mark.ticked
        steps.append(Step(with_answer(label, shown), done))
    return item.with_(steps=tuple(steps))
