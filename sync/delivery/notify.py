"""Send what is due to the pair's channels, and remember what was sent, so that a rerun,
a crash between a post and its commit, or a lost state never posts the same thing twice.

Order per message: an "about to post" row is committed first; then the channel is asked
whether the message is already there (`Channel.find`: a lost state or a crash after the
post) and posts only if it is not; then the remote id and digests are committed. A
channel that cannot look (a Teams webhook) reads a leftover "about to post" row as
"it went out" (at most once rather than twice).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sync.channels import load_channel_class
from sync.channels.base import Channel, ChannelError, Message, MessageKind
from sync.config import PairConfig
from sync.delivery.buttons import NO_MARKS, Marks, marks
from sync.delivery.notices import (
    agenda_message,
    decisions_due,
    decisions_message,
    health_notices,
    meeting_due,
)
from sync.delivery.pulse import PULSE_WEEKS, pair_pulse, pulse_key, pulse_message
from sync.delivery.pulse_chart import pulse_chart
from sync.errors import ConfigError, StateError
from sync.run.report import counted
from sync.store.rows import RunRecord
from sync.store.state import ItemRecord, SentRecord, State
from sync.store.where import has_state, open_state, run_lock

log = logging.getLogger("pairsync")


@dataclass
class Delivery:
    channel: str
    verb: str
    """posted | updated | followed up | found | resolved (prefixed "would " on a dry run)"""
    message: Message


@dataclass
class NotifyReport:
    deliveries: list[Delivery] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """One line per message sent and per channel that failed, then requests made."""
        lines = [
            f"channel {d.channel}: {d.verb} the {d.message.kind} message: {d.message.title}"
            for d in self.deliveries
        ]
        lines += self.errors
        lines += [
            f"channel {name}: {counted(n, 'request')}" for name, n in self.requests.items() if n
        ]
        return lines

    def shown(self, dry_run: bool) -> list[str]:
        """What `pairsync notify` prints: each message (as text on a dry run), requests."""
        lines = []
        for d in self.deliveries:
            lines.append(f"channel {d.channel}: {d.verb} {d.message.kind}")
            if dry_run:
                lines += ["    " + line for line in d.message.text().splitlines()]
        lines += [f"channel {name}: {counted(n, 'request')}" for name, n in self.requests.items()]
        return lines or ([] if self.errors else ["nothing is due"])

    def to_json(self) -> dict[str, object]:
        return {
            "sent": [
                {"channel": d.channel, "did": d.verb, "kind": d.message.kind, "key": d.message.key}
                for d in self.deliveries
            ],
            "errors": self.errors,
            "requests": self.requests,
        }


@dataclass(frozen=True, slots=True)
class _Due:
    message: Message
    follow_up: bool = True
    """A channel that cannot update in place may post a follow-up on a real change."""
    resolves: str | None = None


def notify(
    config: PairConfig,
    state: State,
    now: datetime,
    *,
    dry_run: bool = False,
    force: MessageKind | None = None,
) -> NotifyReport:
    """Send every channel what is due at `now` (`force`: that kind now, whatever the
    schedule). The caller holds the pair's lock. Errors are collected per channel."""
    if force == "agenda" and config.agenda.meeting is None:
        raise ConfigError(["agenda.meeting: not set, so there is no agenda to send"])
    report = NotifyReport()
    records = state.items()
    board_marks = marks(state, now)
    last_run = state.last_run()
    pulse = _MonthlyPulse(config, state, now, force == "pulse")
    for entry in config.channels:
        sent = state.sent(entry.name)
        in_place = load_channel_class(entry.type).updates_in_place
        due = [
            item
            for item in _due(
                config, records, last_run, sent, now, set(entry.send), force, board_marks
            )
            + pulse.due(entry.send, sent)
            if _intent(sent.get(item.message.key), item, in_place)
        ]
        if not due:
            continue  # nothing new: no connection, no request
        if dry_run:
            for item in due:
                intent = _intent(sent.get(item.message.key), item, in_place)
                report.deliveries.append(Delivery(entry.name, f"would {intent}", item.message))
            continue
        channel = load_channel_class(entry.type)(entry, config.pair.name)
        try:
            for item in due:
                verb = _deliver(channel, state, sent, item, now)
                if verb:
                    report.deliveries.append(Delivery(entry.name, verb, item.message))
        except ChannelError as exc:
            report.errors.append(str(exc))
        except Exception as exc:  # a channel's surprise never fails the board sync
            log.debug("channel %s", entry.name, exc_info=True)
            report.errors.append(f"channel {entry.name}: internal error: {type(exc).__name__}")
        finally:
            report.requests[entry.name] = channel.requests
            channel.close()
    return report


def run_notify(config: PairConfig, dry_run: bool, force: MessageKind | None) -> NotifyReport:
    """What `pairsync notify` does: lock the pair, open its state, send what is due now."""
    if not config.channels:
        raise ConfigError(["channels: none configured ([[channels]] in the config file)"])
    if not has_state(config):
        raise StateError(f"{config.state_path}: no state yet; run pairsync sync first")
    with run_lock(config):
        state = open_state(config)
        try:
            return notify(config, state, datetime.now(UTC), dry_run=dry_run, force=force)
        finally:
            state.close()


def _due(
    config: PairConfig,
    records: Mapping[str, ItemRecord],
    last_run: RunRecord | None,
    sent: dict[str, SentRecord],
    now: datetime,
    send: set[str],
    force: MessageKind | None,
    board_marks: Marks = NO_MARKS,
) -> list[_Due]:
    due: list[_Due] = []
    meeting = meeting_due(config, now)
    if "agenda" in send and meeting and (meeting[1] or force == "agenda"):
        due.append(_Due(agenda_message(config, records, meeting[0], now, board_marks)))
    if "decisions" in send:
        message = decisions_message(config, records, now)
        if message is not None and (force == "decisions" or decisions_due(message, sent)):
            due.append(_Due(message, follow_up=False))
    if "health" in send and last_run is not None:
        for notice in health_notices(config.pair.name, last_run.summary, last_run.run_id, sent):
            if notice.message.key not in sent:
                due.append(_Due(notice.message, follow_up=False, resolves=notice.resolves))
    return due


class _MonthlyPulse:
    """This month's pulse message, built once per notify and only for a channel that is
    due it (drawing the chart takes a moment)."""

    def __init__(self, config: PairConfig, state: State, now: datetime, forced: bool) -> None:
        self.config, self.state, self.now = config, state, now
        zone = config.pair.zone
        self.key = pulse_key(now, zone, state.first_run_at())
        if forced:
            self.key = f"pulse {now.astimezone(zone):%Y-%m}"
        self._message: Message | None = None

    def due(self, send: list[MessageKind], sent: Mapping[str, SentRecord]) -> list[_Due]:
        if "pulse" not in send or self.key is None or self.key in sent:
            return []
        if self._message is None:
            weeks = pair_pulse(self.config, self.state, self.now, PULSE_WEEKS)
            self._message = pulse_message(
                self.config, self.key, weeks, pulse_chart(self.config, weeks)
            )
        return [_Due(self._message, follow_up=False)]


def _deliver(
    channel: Channel, state: State, sent: dict[str, SentRecord], due: _Due, now: datetime
) -> str | None:
    """Post, update or leave alone one message; returns what was done (None: nothing)."""
    message = due.message
    record = sent.get(message.key)
    intent = _intent(record, due, channel.updates_in_place)
    if intent is None:
        return None
    if intent == "update" and record is not None and record.remote_id is not None:
        remote_id = channel.update(record.remote_id, message)
        _save(state, channel, message, remote_id, record.sent_at)
        return "updated"
    if intent == "follow up":
        _save(state, channel, message, channel.post(message), now)
        return "followed up"
    verb: str | None
    found = channel.find(message)
    if found is not None:
        remote_id, verb = channel.update(found, message), "found and updated"
    elif record is not None and not channel.looks_back:
        # An "about to post" row on a channel that cannot look: it may have gone out.
        log.info("%s: %s may have gone out before a crash", channel.name, message.key)
        remote_id, verb = "unknown", None
    else:
        with state.transaction():
            state.save_sent(channel.name, message.key, _record(message, None, now))
        try:
            remote_id, verb = channel.post(message), "posted"
        except ChannelError as exc:
            if not exc.uncertain:
                with state.transaction():
                    state.forget_sent(channel.name, message.key)
            raise
    with state.transaction():
        closes = due.resolves is not None  # a "resolved" notice is itself no open incident
        state.save_sent(channel.name, message.key, _record(message, remote_id, now, closes))
        if due.resolves is not None:
            opened = sent[due.resolves]
            state.save_sent(channel.name, due.resolves, dataclasses.replace(opened, closed=True))
            verb = verb and "resolved"
    return verb


def _intent(record: SentRecord | None, due: _Due, in_place: bool) -> str | None:
    """post | update | follow up | None (nothing to send): the same answer for a dry run."""
    if record is None or record.remote_id is None:
        return "post"
    if record.digest == due.message.digest:
        return None
    if in_place:
        return "update"
    if due.follow_up and record.substance != due.message.substance:
        return "follow up"
    return None


def _record(
    message: Message, remote_id: str | None, at: datetime, closed: bool = False
) -> SentRecord:
    return SentRecord(message.kind, remote_id, message.digest, message.substance, at, closed)


def _save(state: State, channel: Channel, message: Message, remote_id: str, at: datetime) -> None:
    with state.transaction():
        state.save_sent(channel.name, message.key, _record(message, remote_id, at))
