"""The contract every publisher passes (the shape of tests/contract.py for targets):
create, update in place, a person's own text kept, earlier parts kept below new ones,
marks read back, one request for a settled check, found again after a lost state, a
deleted document reported gone. Each publisher's test file subclasses
`PublisherContract` with two fixtures; tests/test_contracts_meta.py checks that every
registered document type has one.

- `make_publisher()`: a new publisher on the same destination each call (a new one knows
  nothing, as after a lost state database); `make_publisher("other-pair")` one of
  another pair on the same destination;
- `hands`: a person in the tool (`Hands`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol

from sync.documents.base import (
    Document,
    Entry,
    EntryRef,
    Mark,
    Part,
    Publisher,
    Row,
    Table,
)

MakePublisher = Callable[..., Publisher]


class Hands(Protocol):
    """A person in the document tool."""

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        """Tick or untick an entry, or type its answer (a None field is left as it is)."""

    def write_own(self, remote_id: str, text: str) -> None:
        """Add a paragraph of one's own, outside pairsync's parts."""

    def delete(self, remote_id: str) -> None:
        """Delete the whole document."""

    def shown(self, remote_id: str) -> str:
        """The document's text as a person reads it."""


def five_whys(answer: str = "the numbers arrive on Friday", ticked: bool = True) -> Document:
    return Document(
        "five_whys",
        "five_whys 80e20816ba3ddbab",
        "Five Whys — Board reports are late",
        (
            Part("problem", "Problem", "Two weeks late, “again” — since March."),
            Part(
                "steps",
                "Five Whys",
                "Tick a step when it is agreed; answer below it.",
                (
                    Entry("step-1", "Problem statement agreed", Mark(True, "")),
                    Entry("step-2", "Why 1?", Mark(ticked, answer)),
                    Entry("step-3", "Why 2?", Mark(False, "")),
                ),
            ),
        ),
    )


def decisions(*rows: tuple[str, ...]) -> Document:
    columns = ("Raised", "Decision", "Status", "Decided on", "Acknowledged")
    return Document(
        "decisions",
        "decisions",
        "Decisions — Dana / Lee",
        (
            Part(
                "log",
                "Decisions log",
                table=Table(columns, tuple(Row(f"d{i}", r) for i, r in enumerate(rows))),
            ),
        ),
    )


def agenda(meeting: str, *points: str) -> Document:
    entries = tuple(Entry(f"item{i}", point, Mark(False)) for i, point in enumerate(points))
    return Document(
        "agenda",
        "agenda",
        "1:1 — Dana / Lee",
        (Part(f"agenda {meeting}", f"1:1 {meeting}", "Changes since the last 1:1.", entries),),
    )


class PublisherContract:
    publisher_class: ClassVar[type[Publisher]]

    def publish(
        self, publisher: Publisher, document: Document, remote_id: str | None = None
    ) -> tuple[str, str]:
        """Publish and return (remote id, version): the version `publish` answered, or the
        one `changed` reports (a tool that does not say it on a write)."""
        result = publisher.publish(document, remote_id)
        version = (
            result.version
            or publisher.changed({result.remote_id: ""}, None).versions[result.remote_id]
        )
        assert version is not None
        return result.remote_id, version

    def test_a_published_document_reads_back_the_marks_it_was_given(
        self, make_publisher: MakePublisher, hands: Hands
    ) -> None:
        publisher = make_publisher()
        document = five_whys()
        remote_id, _ = self.publish(publisher, document)
        shown = publisher.read(remote_id).marks
        expected = document.marks()
        if not publisher.shows_ticks:
            expected = {ref: Mark(None, m.answer) for ref, m in expected.items()}
            shown = {ref: Mark(None, m.answer) for ref, m in shown.items()}
        assert shown == expected
        text = hands.shown(remote_id)
        for line in (
            "Five Whys — Board reports are late",
            "Why 1?",
            "the numbers arrive on Friday",
        ):
            assert line in text
        assert "Two weeks late, “again” — since March." in text

    def test_a_settled_check_costs_one_request_and_finds_nothing(
        self, make_publisher: MakePublisher
    ) -> None:
        publisher = make_publisher()
        first, v1 = self.publish(publisher, five_whys())
        second, v2 = self.publish(
            publisher, decisions(("2026-12-01", "Approve the offsite", "waiting", "", ""))
        )
        known = {first: v1, second: v2}
        cursor = publisher.changed(known, None).cursor  # the run that wrote them
        settled = make_publisher()  # the next run's
        before = settled.requests
        changes = settled.changed(known, cursor)
        assert changes.versions == {}
        assert settled.requests - before == 1

    def test_an_update_is_made_in_place(self, make_publisher: MakePublisher, hands: Hands) -> None:
        publisher = make_publisher()
        remote_id, _ = self.publish(
            publisher, decisions(("2026-12-01", "Approve the offsite", "waiting", "", ""))
        )
        again, _ = self.publish(
            publisher,
            decisions(
                ("2026-12-01", "Approve the offsite", "decided", "2026-12-03", ""),
                ("2026-12-02", "Hire a second EA", "waiting", "", ""),
            ),
            remote_id,
        )
        assert again == remote_id
        text = hands.shown(remote_id)
        assert "Hire a second EA" in text and "decided" in text
        assert text.count("Approve the offsite") == 1

    def test_a_persons_own_text_survives_an_update(
        self, make_publisher: MakePublisher, hands: Hands
    ) -> None:
        publisher = make_publisher()
        remote_id, _ = self.publish(publisher, five_whys())
        hands.write_own(remote_id, "Dana: ask finance about the export.")
        self.publish(publisher, five_whys(answer="the export runs weekly"), remote_id)
        text = hands.shown(remote_id)
        assert "Dana: ask finance about the export." in text
        assert "the export runs weekly" in text and "the numbers arrive on Friday" not in text

    def test_a_new_meeting_goes_on_top_and_the_earlier_one_stays(
        self, make_publisher: MakePublisher, hands: Hands
    ) -> None:
        publisher = make_publisher()
        remote_id, _ = self.publish(
            publisher, agenda("2026-12-03", "decision: Approve the offsite")
        )
        hands.mark(remote_id, ("agenda 2026-12-03", "item0"), Mark(True))
        self.publish(publisher, agenda("2026-12-10", "problem: Board reports are late"), remote_id)
        text = hands.shown(remote_id)
        assert text.index("1:1 2026-12-10") < text.index("1:1 2026-12-03")
        assert "decision: Approve the offsite" in text
        marks = publisher.read(remote_id).marks
        assert ("agenda 2026-12-10", "item0") in marks
        if publisher.shows_ticks:
            assert marks[("agenda 2026-12-03", "item0")].ticked is True

    def test_a_persons_tick_and_answer_are_read_back(
        self, make_publisher: MakePublisher, hands: Hands
    ) -> None:
        publisher = make_publisher()
        remote_id, version = self.publish(publisher, five_whys(answer="", ticked=False))
        other, other_version = self.publish(
            publisher, decisions(("2026-12-01", "Approve the offsite", "waiting", "", ""))
        )
        hands.mark(remote_id, ("steps", "step-3"), Mark(True, "the export job runs weekly"))
        changes = publisher.changed({remote_id: version, other: other_version}, None)
        assert list(changes.versions) == [remote_id]
        marks = publisher.read(remote_id).marks
        assert marks[("steps", "step-3")].answer == "the export job runs weekly"
        assert marks[("steps", "step-2")].answer == ""
        if publisher.shows_ticks:
            assert marks[("steps", "step-3")].ticked is True
            assert marks[("steps", "step-2")].ticked is False

    def test_a_document_is_found_again_after_a_lost_state(
        self, make_publisher: MakePublisher
    ) -> None:
        document = five_whys()
        remote_id, _ = self.publish(make_publisher(), document)
        assert make_publisher().find(document) == remote_id
        assert make_publisher("another-pair").find(document) is None
        assert make_publisher().find(decisions()) is None

    def test_a_deleted_document_is_reported_gone(
        self, make_publisher: MakePublisher, hands: Hands
    ) -> None:
        publisher = make_publisher()
        remote_id, version = self.publish(publisher, five_whys())
        hands.delete(remote_id)
        assert publisher.changed({remote_id: version}, None).versions == {remote_id: None}
