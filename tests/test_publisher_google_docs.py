"""The Google Docs publisher against the simulator over HTTP (Docs and Drive through
google-api-python-client): the publisher contract, UTF-16 indexes, requiredRevisionId."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.google.config import GoogleDocsDocuments
from adapters.google.docs import GoogleDocsPublisher
from adapters.google.record import _name
from adapters.google.sim.server import GoogleSimulator, World
from sync.documents.base import EntryRef, Mark
from tests.publisher_contract import MakePublisher, PublisherContract, five_whys


class DocsHands:
    """A person in Google Docs; a tick made there is invisible to the API (so not made)."""

    def __init__(self, sim: GoogleSimulator) -> None:
        self.writer = sim.writer

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        if mark.answer is not None:
            self.writer.type_at_end_of(remote_id, _name("answer", *ref), mark.answer)

    def write_own(self, remote_id: str, text: str) -> None:
        self.writer.write_own(remote_id, text)

    def delete(self, remote_id: str) -> None:
        self.writer.delete(remote_id)

    def shown(self, remote_id: str) -> str:
        return self.writer.shown(remote_id)


def docs_config(
    sim: GoogleSimulator, world: World, folder: Path, **keys: object
) -> GoogleDocsDocuments:
    values: dict[str, object] = {
        "type": "google_docs",
        "name": "pair-record",
        "credentials": str(world.credentials(folder)),
        "base_url": sim.base_url,
        "drive_base_url": sim.base_url,
        "clock_speed": sim.app.clock.speed,
        "retry_seconds": 5,
        **keys,
    }
    return GoogleDocsDocuments.model_validate(values)


@pytest.fixture
def make_publisher(
    google_sim: GoogleSimulator, google_world: World, tmp_path: Path
) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> GoogleDocsPublisher:
        return GoogleDocsPublisher(docs_config(google_sim, google_world, tmp_path), pair, tmp_path)

    return make


@pytest.fixture
def hands(google_sim: GoogleSimulator) -> DocsHands:
    return DocsHands(google_sim)


class TestGoogleDocsPublisher(PublisherContract):
    publisher_class = GoogleDocsPublisher


def test_the_five_whys_record_as_a_person_reads_it(
    make_publisher: MakePublisher, hands: DocsHands
) -> None:
    publisher = make_publisher()
    published = publisher.publish(five_whys(), None)
    assert hands.shown(published.remote_id) == (
        "Five Whys — Board reports are late\n"
        "Problem\n"
        "Two weeks late, “again” — since March.\n"
        "Five Whys\n"
        "Tick a step when it is agreed; answer below it.\n"
        "✓ Problem statement agreed\n"
        "Answer: \n"
        "✓ Why 1?\n"
        "Answer: the numbers arrive on Friday\n"
        "☐ Why 2?\n"
        "Answer: \n"
        "\n"
    )


def test_indexes_count_utf16_code_units(make_publisher: MakePublisher, hands: DocsHands) -> None:
    """Text outside the Basic Multilingual Plane is two units in Docs: every later index
    (named ranges, replacements, answers) counts them so."""
    publisher = make_publisher()
    document = five_whys(answer="🚀 the launch slipped 📉")
    remote_id = publisher.publish(document, None).remote_id
    hands.mark(remote_id, ("steps", "step-3"), Mark(None, "🙈 nobody owned it"))
    marks = publisher.read(remote_id).marks
    assert marks[("steps", "step-2")].answer == "🚀 the launch slipped 📉"
    assert marks[("steps", "step-3")].answer == "🙈 nobody owned it"
    publisher.publish(five_whys(answer="fixed 🎉"), remote_id)
    text = hands.shown(remote_id)
    assert "Answer: fixed 🎉\n☐ Why 2?\nAnswer: \n" in text
    assert publisher.read(remote_id).marks[("steps", "step-2")].answer == "fixed 🎉"


def test_a_write_refused_for_a_newer_revision_is_retried_on_a_fresh_read(
    make_publisher: MakePublisher, hands: DocsHands, google_sim: GoogleSimulator
) -> None:
    publisher = make_publisher()
    remote_id = publisher.publish(five_whys(), None).remote_id
    hands.write_own(remote_id, "Dana: first line of mine.")

    def a_person_types(doc: object) -> None:
        hands.write_own(remote_id, "Lee: typed while pairsync was writing.")

    google_sim.app.documents.edits_before_writes.append(a_person_types)
    before = dict(google_sim.stats.requests)
    publisher.publish(five_whys(answer="the export runs weekly"), remote_id)
    sent = {k: v - before.get(k, 0) for k, v in google_sim.stats.requests.items()}
    assert sent["POST /v1/documents/<documentId>:batchUpdate"] == 2  # refused, then made
    text = hands.shown(remote_id)
    assert "Lee: typed while pairsync was writing." in text
    assert "Dana: first line of mine." in text
    assert "Answer: the export runs weekly" in text


def test_a_stale_required_revision_changes_nothing(google_sim: GoogleSimulator) -> None:
    from adapters.google.sim.docs import Doc
    from adapters.simkit import ServiceError

    doc = Doc("d1", "A")
    documents = google_sim.app.documents
    documents.docs["d1"] = doc
    documents.batch_update(
        doc, [{"insertText": {"location": {"index": 1}, "text": "x😀y\n"}}], None
    )
    with pytest.raises(ServiceError) as refused:
        documents.batch_update(
            doc,
            [{"insertText": {"location": {"index": 1}, "text": "lost"}}],
            {"requiredRevisionId": "an older one"},
        )
    assert refused.value.status == 400 and doc.text == "x😀y\n\n"
    with pytest.raises(ServiceError):  # index 3 is inside the emoji's surrogate pair
        documents.batch_update(doc, [{"insertText": {"location": {"index": 3}, "text": "z"}}], None)
    documents.batch_update(doc, [{"insertText": {"location": {"index": 4}, "text": "z"}}], None)
    assert doc.text == "x😀zy\n\n"
