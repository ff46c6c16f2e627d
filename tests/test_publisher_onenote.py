"""OneNote through Microsoft Graph's simulator passes the publisher contract; a person
works in OneNote; MSAL signs in through the simulator's identity endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.docids import ANSWER, entry_id
from adapters.onenote.config import OneNoteDocuments
from adapters.onenote.publisher import OneNotePublisher
from adapters.onenote.sim.server import OneNoteSimulator
from sync.documents.base import EntryRef, Mark, PublishError
from tests.publisher_contract import MakePublisher, PublisherContract, five_whys


class OneNoteHands:
    def __init__(self, sim: OneNoteSimulator) -> None:
        self.person = sim.person

    def mark(self, remote_id: str, ref: EntryRef, mark: Mark) -> None:
        ident = entry_id(*ref)
        if mark.ticked is not None:
            self.person.tick(remote_id, ident, mark.ticked)
        if mark.answer is not None:
            self.person.type(remote_id, ident + ANSWER, mark.answer)

    def write_own(self, remote_id: str, text: str) -> None:
        self.person.write_own(remote_id, text)

    def delete(self, remote_id: str) -> None:
        self.person.delete(remote_id)

    def shown(self, remote_id: str) -> str:
        return self.person.shown(remote_id)


@pytest.fixture(scope="module")
def onenote() -> Iterator[OneNoteSimulator]:
    sim = OneNoteSimulator(speed=60).start()
    yield sim
    sim.stop()
    assert sim.violations == [], "requests or answers broke Graph's OneNote description"


@pytest.fixture
def keys(onenote: OneNoteSimulator, tmp_path: Path) -> dict[str, str]:
    return onenote.config_keys(tmp_path / "microsoft.json")


@pytest.fixture
def make_publisher(keys: dict[str, str], tmp_path: Path) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> OneNotePublisher:
        return OneNotePublisher(OneNoteDocuments(name="office", **keys), pair, tmp_path)

    return make


@pytest.fixture
def hands(onenote: OneNoteSimulator) -> OneNoteHands:
    return OneNoteHands(onenote)


class TestOneNotePublisher(PublisherContract):
    publisher_class = OneNotePublisher


def test_the_credentials_file_is_private_and_holds_no_token_in_the_clear_config(
    keys: dict[str, str],
) -> None:
    path = Path(keys["credentials"])
    assert path.stat().st_mode & 0o777 == 0o600


def test_an_expired_consent_is_one_line_naming_the_document(
    onenote: OneNoteSimulator, make_publisher: MakePublisher
) -> None:
    publisher = make_publisher()
    with onenote.app._lock:
        onenote.app.login.revoke()
    with pytest.raises(PublishError) as failed:
        publisher.publish(five_whys(), None)
    assert str(failed.value) == (
        "document office: Microsoft sign-in needed: the consent is missing or expired "
        "(invalid_grant); run pairsync auth microsoft --config FILE (this pair's file) to "
        "sign in again"
    )


def test_a_missing_credentials_file_is_the_same_line(tmp_path: Path, keys: dict[str, str]) -> None:
    config = OneNoteDocuments(name="office", **{**keys, "credentials": "nowhere.json"})
    with pytest.raises(PublishError) as failed:
        OneNotePublisher(config, "ceo-ea", tmp_path).publish(five_whys(), None)
    assert (
        "Microsoft sign-in needed: the consent is missing or expired (no credentials file"
        in str(failed.value)
    )


def test_a_429_is_waited_out_as_retry_after_asks(
    onenote: OneNoteSimulator, make_publisher: MakePublisher
) -> None:
    publisher = make_publisher()
    onenote.faults.rate_limit_next = 2
    remote_id = publisher.publish(five_whys(), None).remote_id
    assert publisher.graph.throttled == 2
    assert remote_id in onenote.app.pages


def test_a_full_section_is_one_line(
    onenote: OneNoteSimulator, make_publisher: MakePublisher
) -> None:
    publisher = make_publisher()
    onenote.app.section_limit = 0
    try:
        with pytest.raises(PublishError) as failed:
            publisher.publish(five_whys(), None)
    finally:
        onenote.app.section_limit = 1000
    assert str(failed.value) == (
        "document office: the OneNote section is full (507 Insufficient Storage): make a new "
        "section and set its section_id"
    )
