"""What pairsync adds to the board on top of mirroring: the Five Whys steps on problems,
the action item of an agreed countermeasure, and the stale flag. `facilitate` is a pure pass
over a run's merged board, between the merge and the planning of writes, so what it
decides reaches every tool through the ordinary writes.

The stale clock of an item is when a person last changed it in any tool, in that tool's own
time (Trello `dateLastActivity`, Asana `modified_at`, the Markdown file's mtime): a change
the merge sees this run, else `touched_at` in the state. pairsync's own writes, the stale
label included, are echoes the merge never counts as changes, so they never move the clock.
An item is stale after `after_days` and archived `archive_after_days` later (stale that
long, as actions/stale counts days-before-close from the stale mark).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sync.config import PairConfig, StaleSection
from sync.model import Item, Kind, Owner, Step
from sync.plan.merge import Touch
from sync.plan.partnership import ACK_NEEDED, DISCUSS, OPTIONAL_KINDS, needs_ack
from sync.store.state import ItemRecord

COUNTERMEASURE_NOTE = "Countermeasure for: "
"""The first notes line of an action made from a countermeasure: the link to its problem."""


@dataclass(frozen=True, slots=True)
class Event:
    """Something facilitation did to an item this run, for the summary and `--dry-run`."""

    kind: str
    """One of five_whys, countermeasure, stale, stale_archive, fresh (no longer stale),
    ack_needed (a closed decision waits for the assistant's acknowledgement), discussed
    (a talking point ticked in the agenda document)."""
    title: str
    detail: str = ""


def stale_age(policy: StaleSection, item: Item, last_touch: datetime, now: datetime) -> int | None:
    """Whole days since a person last touched a stale item; None if the item is not stale
    (fresh, done, archived, or exempt by kind or label; a win or feedback is a record,
    not work, and never goes stale)."""
    if item.archived or item.done or item.kind in policy.exempt_kinds:
        return None
    if item.kind in OPTIONAL_KINDS:
        return None
    if item.labels & set(policy.exempt_labels):
        return None
    age = now - last_touch
    return age.days if age >= timedelta(days=policy.after_days) else None


def five_whys_progress(item: Item) -> str | None:
    """Progress of a problem's Five Whys ("3/8 steps" or "root cause agreed"), or None."""
    if item.kind is not Kind.PROBLEM or not item.steps:
        return None
    done = sum(step.done for step in item.steps)
    if done == len(item.steps):
        return "root cause agreed"
    return f"{done}/{len(item.steps)} steps"


@dataclass(frozen=True, slots=True)
class Facilitation:
    """What facilitation decided for one run: revised item values, new action items, and
    what it did, for the summary and the state."""

    revised: dict[str, Item]
    """Items whose merged value facilitation changed (Five Whys added, stale mark)."""
    new_items: dict[str, tuple[Item, Touch]]
    """Countermeasure actions to create, by new item id, with the touch that asked for them."""
    countermeasures: dict[str, str]
    """Problem id -> the id of its countermeasure's action item, made or found this run."""
    events: list[Event]


def facilitate(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    merged: Mapping[str, Item],
    touched: Mapping[str, Touch],
    now: datetime,
    new_id: Callable[[], str],
    discussed: Collection[str] = (),
) -> Facilitation:
    """The facilitation pass over a run's merged board: pure (ids come from `new_id`).
    Items are visited in id order, so the cap on stale writes picks the same items every
    run. `discussed`: talking points ticked in the agenda document (their `discuss`
    label comes off everywhere)."""
    facilitator = _Facilitator(config, records, now)
    revised = {}
    for item_id in sorted(merged):
        item = merged[item_id]
        shown = item
        if item_id in discussed and DISCUSS in item.labels:
            facilitator.events.append(Event("discussed", item.title, "ticked in the agenda"))
            shown = item.with_(labels=item.labels - {DISCUSS})
        adjusted = facilitator.revise(item_id, shown, touched.get(item_id))
        if adjusted != item:
            revised[item_id] = adjusted
    new_items = facilitator.new_items(new_id)
    return Facilitation(revised, new_items, facilitator.made, facilitator.events)


def stale_clock(record: ItemRecord | None, touch: Touch | None, now: datetime) -> datetime:
    """When a person last changed the item (a touch never moves the clock back)."""
    if touch is None:
        return record.touched_at if record else now
    at = touch.at or now
    return max(at, record.touched_at) if record else at


def five_whys_seeded(record: ItemRecord | None, item: Item) -> bool:
    """Whether the Five Whys were ever added: once added, a person may delete them."""
    return (record is not None and record.five_whys_seeded) or (
        item.kind is Kind.PROBLEM and bool(item.steps)
    )


class _Facilitator:
    def __init__(
        self, config: PairConfig, records: Mapping[str, ItemRecord], now: datetime
    ) -> None:
        self.config = config
        self.records = records
        self.now = now
        self.events: list[Event] = []
        self.made: dict[str, str] = {}
        self._stale_writes = 0
        self._roles = {target.name: target.role for target in config.targets}
        self._wanted: dict[str, tuple[Item, Touch]] = {}
        self._on_board: dict[str, str] = {}
        """Notes of countermeasure actions already on the board -> their item ids."""

    def revise(self, item_id: str, item: Item, touch: Touch | None) -> Item:
        if item.notes.startswith(COUNTERMEASURE_NOTE):
            self._on_board.setdefault(item.notes, item_id)
        item = self._seed_five_whys(item_id, item)
        item = self._ask_ack(item_id, item, touch)
        self._want_countermeasure(item_id, item, touch)
        return self._flag_stale(item_id, item, touch)

    def new_items(self, new_id: Callable[[], str]) -> dict[str, tuple[Item, Touch]]:
        """The countermeasure actions to create, by new item id; one already on the board
        (the state was lost and rebuilt) is linked to its problem instead of made again."""
        made: dict[str, tuple[Item, Touch]] = {}
        for problem_id, (action, touch) in sorted(self._wanted.items()):
            action_id = self._on_board.get(action.notes)
            if action_id is None:
                action_id = new_id()
                made[action_id] = (action, touch)
                self.events.append(Event("countermeasure", action.title, action.notes))
            self.made[problem_id] = action_id
        return made

    def _seed_five_whys(self, item_id: str, item: Item) -> Item:
        five_whys = self.config.five_whys
        if not five_whys.enabled or item.kind is not Kind.PROBLEM or item.steps or item.archived:
            return item
        if five_whys_seeded(self.records.get(item_id), item):
            return item
        self.events.append(Event("five_whys", item.title))
        return item.with_(steps=tuple(Step(text) for text in five_whys.steps))

    def _ask_ack(self, item_id: str, item: Item, touch: Touch | None) -> Item:
        """`[decisions] acknowledge`: a decision closed this run outside the assistant's
        tool gets `Ack needed` (see `sync.plan.partnership.needs_ack`)."""
        if not self.config.decisions.acknowledge or touch is None:
            return item
        record = self.records.get(item_id)
        role = self._roles.get(touch.target)
        if not needs_ack(record.item if record else None, item, role):
            return item
        self.events.append(Event("ack_needed", item.title, f"closed in {touch.target}"))
        return item.with_(labels=item.labels | {ACK_NEEDED})

    def _want_countermeasure(self, item_id: str, item: Item, touch: Touch | None) -> None:
        record = self.records.get(item_id)
        if item.kind is not Kind.PROBLEM or item.archived or not item.steps:
            return
        if record is not None and record.countermeasure_id is not None:
            return
        last = item.steps[-1]
        steps = self.config.five_whys.steps
        if not last.done or (len(item.steps) != len(steps) and not _starts(last.text, steps[-1])):
            return
        action = countermeasure_action(self.config, item.title, last.text)
        if action is None:
            return
        if touch is None:
            assert record is not None  # an item seen for the first time is always touched
            touch = Touch(record.touched_by or "", record.touched_at)
        self._wanted[item_id] = (action, touch)

    def _flag_stale(self, item_id: str, item: Item, touch: Touch | None) -> Item:
        policy = self.config.stale
        label = policy.label
        if item.archived:
            return item  # an item archived as stale keeps its label: it says why
        last_touch = stale_clock(self.records.get(item_id), touch, self.now)
        age = stale_age(policy, item, last_touch, self.now)
        if age is None:
            if label not in item.labels:
                return item
            self.events.append(
                Event("fresh", item.title, f"touched in {touch.target}" if touch else "")
            )
            return item.with_(labels=item.labels - {label})
        if self._stale_writes >= policy.max_writes_per_run:
            return item
        detail = f"untouched {age} days"
        if policy.archive_after_days and age >= policy.after_days + policy.archive_after_days:
            self._stale_writes += 1
            self.events.append(Event("stale_archive", item.title, detail))
            return item.with_(archived=True, labels=item.labels | {label})
        if label in item.labels:
            return item
        self._stale_writes += 1
        self.events.append(Event("stale", item.title, detail))
        return item.with_(labels=item.labels | {label})


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEAD = r"\A(?:{names})\s*(?:to|will|:|-)\s+"
_TRAILING_NOTE = re.compile(r"\s*\(([^()]*)\)[\s.]*\Z")
_TRAILING_DUE = re.compile(
    r"[\s,;]*(?:(?:by|on|before|due)\s+)?@?\{?\d{4}-\d{2}-\d{2}\}?[\s.]*\Z", re.IGNORECASE
)


def countermeasure_action(config: PairConfig, problem: str, step_text: str) -> Item | None:
    """The action item a ticked countermeasure step asks for, or None while the step still
    holds the placeholder. "Countermeasure: assistant to automate the export by 2026-12-15"
    -> "Automate the export", owner assistant, due 2026-12-15 (a role or a person's name
    names the owner; the first ISO date is the due date)."""
    placeholder = config.five_whys.steps[-1]
    label = placeholder.split(":")[0].strip()
    body = step_text.strip()
    if _starts(body, label):
        body = body[len(label) :].lstrip(" :-")
    if not body or body in (placeholder, placeholder[len(label) :].lstrip(" :-")):
        return None
    names = _owner_names(config)
    owner: Owner | None = None
    first = len(body) + 1
    for name, role in names:
        match = re.search(rf"\b{re.escape(name)}\b", body, re.IGNORECASE)
        if match and match.start() < first:
            owner, first = role, match.start()
    due = next((d for d in map(_date, _DATE.findall(body)) if d is not None), None)
    title = re.sub(
        _LEAD.format(names="|".join(re.escape(n) for n, _ in names)), "", body, flags=re.I
    )
    note = _TRAILING_NOTE.search(title)
    if note and (_DATE.search(note.group(1)) or any(n in note.group(1).lower() for n, _ in names)):
        title = title[: note.start()]
    if due is not None:
        title = _TRAILING_DUE.sub("", title)
    title = title.strip().rstrip(".") or body
    return Item(
        kind=Kind.ACTION,
        title=title[:1].upper() + title[1:],
        notes=COUNTERMEASURE_NOTE + problem,
        due=due,
        owner=owner,
    )


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _owner_names(config: PairConfig) -> list[tuple[str, Owner]]:
    """Words that name the owner in a countermeasure: the roles, the names, the first names;
    longest first so that "Dana Smith" wins over "Dana"."""
    names = {"executive": Owner.EXECUTIVE, "assistant": Owner.ASSISTANT}
    for full, role in (
        (config.pair.executive, Owner.EXECUTIVE),
        (config.pair.assistant, Owner.ASSISTANT),
    ):
        for name in {full.strip().lower(), *full.lower().split()[:1]} - {""}:
            names.setdefault(name, role)
    return sorted(names.items(), key=lambda pair: -len(pair[0]))


def _starts(text: str, label: str) -> bool:
    head = label.split(":")[0].strip().lower()
    return bool(head) and text.strip().lower().startswith(head)
