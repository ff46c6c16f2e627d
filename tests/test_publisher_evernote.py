"""Evernote through the vendor SDK against a simulator serving the SDK's own Thrift
processors passes the publisher contract; a person works in Evernote."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.evernote.config import EvernoteDocuments
from adapters.evernote.publisher import EvernotePublisher
from adapters.evernote.sim.server import TOKEN, EvernoteSimulator
from sync.documents.base import PublishError
from tests.conftest_documents import IdHands
from tests.publisher_contract import MakePublisher, PublisherContract, decisions, five_whys


@pytest.fixture
def make_publisher(evernote: EvernoteSimulator, tmp_path: Path) -> MakePublisher:
    def make(pair: str = "ceo-ea") -> EvernotePublisher:
        config = EvernoteDocuments(
            name="notes", type="evernote", token=SecretStr(TOKEN), base_url=evernote.base_url
        )
        return EvernotePublisher(config, pair, tmp_path)

    return make


@pytest.fixture
def hands(evernote: EvernoteSimulator) -> IdHands:
    return IdHands(evernote.person, evernote.person.trash)


class TestEvernotePublisher(PublisherContract):
    publisher_class = EvernotePublisher


def test_the_notes_go_in_one_notebook_made_once(
    evernote: EvernoteSimulator, make_publisher: MakePublisher
) -> None:
    make_publisher().publish(five_whys(), None)
    make_publisher().publish(decisions(), None)
    books = evernote.app.service.account.notebooks.values()
    assert [b.name for b in books] == ["Pair record"]


def test_a_settled_check_after_own_writes_is_one_getsyncstate(
    evernote: EvernoteSimulator, make_publisher: MakePublisher
) -> None:
    publisher = make_publisher()
    first = publisher.publish(five_whys(), None)
    changes = publisher.changed({first.remote_id: str(first.version)}, None)
    again = publisher.publish(five_whys(answer="weekly"), first.remote_id)
    before = dict(evernote.app.calls)
    settled = publisher.changed({first.remote_id: str(again.version)}, changes.cursor)
    assert settled.versions == {}
    calls = {k: v - before.get(k, 0) for k, v in evernote.app.calls.items()}
    assert {k: v for k, v in calls.items() if v} == {"getSyncState": 1}


def test_rate_limit_reached_is_waited_out_for_its_duration(
    evernote: EvernoteSimulator, make_publisher: MakePublisher
) -> None:
    publisher = make_publisher()
    evernote.app.rate_limit_next = 1
    assert publisher.publish(five_whys(), None).remote_id
    assert publisher.store.throttled == 1


def test_an_expired_token_is_one_line_saying_what_to_get(
    evernote: EvernoteSimulator, make_publisher: MakePublisher
) -> None:
    evernote.app.expired.add(TOKEN)
    with pytest.raises(PublishError) as failed:
        make_publisher().publish(five_whys(), None)
    assert str(failed.value) == (
        "document notes: Evernote refused the token (AUTH_EXPIRED): get a new one; Evernote "
        "issues API keys only by request now: ask its developer support for a consumer key, "
        "or use a personal token"
    )


def test_enml_the_service_would_refuse_is_refused(evernote: EvernoteSimulator) -> None:
    from evernote.edam.error.ttypes import EDAMUserException
    from evernote.edam.type.ttypes import Note

    service = evernote.app.service
    bad = Note(title="x", content='<en-note><div id="a">x</div></en-note>')
    with pytest.raises(EDAMUserException):
        service._check(bad)
