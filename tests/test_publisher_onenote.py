"""OneNote through Microsoft Graph's simulator passes the publisher contract; a person
works in OneNote; MSAL signs in through the simulator's identity endpoints."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.onenote.config import OneNoteDocuments
from adapters.onenote.publisher import OneNotePublisher
from adapters.onenote.sim.server import OneNoteSimulator
from sync.documents.base import PublishError
from tests.conftest_documents import IdHands
from tests.publisher_contract import MakePublisher, PublisherContract, five_whys


@pytest.fixture
def keys(onenote: OneNoteSimulator, tmp_path: Path) -> dict[str, str]:
    return onenote.config_keys(tmp_path / "microsoft.json")


@pytest.fixture
def make_publisher(keys: dict[str, str], tmp_path: Path) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> OneNotePublisher:
        return OneNotePublisher(OneNoteDocuments(name="office", **keys), pair, tmp_path)

    return make


@pytest.fixture
def hands(onenote: OneNoteSimulator) -> IdHands:
    return IdHands(onenote.person, onenote.person.delete)


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
    with onenote.app.lock:
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


def test_a_section_named_by_notebook_and_name_is_found_among_others(
    onenote: OneNoteSimulator, keys: dict[str, str], tmp_path: Path
) -> None:
    named = {k: v for k, v in keys.items() if k != "section_id"}
    chosen = onenote.add_section("1:1s", "Exec office")
    onenote.add_section("1:1s", "Dana & Lee")  # the same name in another notebook
    config = OneNoteDocuments(name="office", notebook="Exec office", section="1:1s", **named)
    published = OneNotePublisher(config, "ceo-ea", tmp_path).publish(five_whys(), None)
    assert onenote.app.sections[chosen].pages == [published.remote_id]
    config = OneNoteDocuments(name="office", notebook="Exec office", section="Nope", **named)
    with pytest.raises(PublishError) as failed:
        OneNotePublisher(config, "ceo-ea", tmp_path).publish(five_whys(), None)
    assert str(failed.value).endswith(
        "no section 'Nope' in notebook 'Exec office' for this account"
    )
