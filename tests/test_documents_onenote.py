"""The pair's record in OneNote, as a user runs it: `pairsync sync` against the Graph
simulator, a person ticking and answering in OneNote, the requests a settled run costs,
and the one line an expired consent gives."""

from __future__ import annotations

import shlex
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.docids import ANSWER, entry_id
from adapters.onenote.sim.server import OneNoteSimulator
from tests.channel_pair import WEDNESDAY, ChannelPair
from tests.cli_run import pairsync
from tests.test_documents import PROBLEM, run


@pytest.fixture
def pair(tmp_path: Path, onenote: OneNoteSimulator) -> ChannelPair:
    keys = onenote.config_keys(tmp_path / "microsoft.json")
    table = "\n".join(f'{key} = "{value}"' for key, value in keys.items())
    pair = ChannelPair(tmp_path / "pair", f'\n[[documents]]\nname = "office"\n{table}\n')
    text = pair.board.read_text(encoding="utf-8")
    pair.board.write_text(text.replace("## Problems\n", f"## Problems\n\n{PROBLEM}"), "utf-8")
    return pair


def five_whys_page(onenote: OneNoteSimulator) -> str:
    return next(p.id for p in onenote.app.pages.values() if p.title.startswith("Five Whys"))


def test_ticks_and_answers_in_onenote_reach_the_board_and_a_settled_run_costs_one_request(
    pair: ChannelPair, onenote: OneNoteSimulator
) -> None:
    first = run(pair)
    assert sorted(p.title for p in onenote.app.pages.values()) == [
        "1:1 — Dana Smith / Lee Park",
        "Decisions — Dana Smith / Lee Park",
        "Five Whys — Board reports are late",
    ]
    assert first.documents.requests == {"office": 6}  # per page: find by title, create
    settled = run(pair, WEDNESDAY + timedelta(minutes=15))
    assert settled.documents.requests == {"office": 1}
    page = five_whys_page(onenote)
    why1 = entry_id("steps", "step-2")
    onenote.person.tick(page, why1)
    onenote.person.type(page, why1 + ANSWER, "the numbers arrive on Friday")
    onenote.person.write_own(page, "Dana: ask finance.")
    taken = run(pair, WEDNESDAY + timedelta(minutes=30))
    assert taken.documents.read_back == {"office": ["Board reports are late"]}
    assert "    - [x] Why 1? — the numbers arrive on Friday" in pair.board.read_text("utf-8")
    assert "Dana: ask finance." in onenote.person.shown(page)
    after = run(pair, WEDNESDAY + timedelta(minutes=45))
    assert after.documents.requests == {"office": 1}
    assert after.documents.publications == []


def test_an_expired_consent_is_one_line_and_the_board_still_syncs(
    pair: ChannelPair, onenote: OneNoteSimulator
) -> None:
    with onenote.app.lock:
        onenote.app.login.revoke()
    result = pairsync("sync", "-c", "pair.toml", cwd=pair.folder)
    assert result.returncode == 1
    assert "ceo-ea/notes: 0 created, 4 updated" in result.stdout
    lines = [  # a failure's line on stderr, the request count on stdout (issue 21)
        line for line in (result.stderr + result.stdout).splitlines() if "office" in line
    ]
    pair_file = shlex.quote(str((pair.folder / "pair.toml").resolve()))
    assert lines[0] == (
        "ceo-ea/document office: Microsoft sign-in needed: the consent is missing or expired "
        f"(invalid_grant); run pairsync auth microsoft --config {pair_file} to sign in again"
    )
    assert "Traceback" not in result.stderr


def test_auth_microsoft_signs_in_with_the_device_code_and_keeps_the_token_private(
    tmp_path: Path, onenote: OneNoteSimulator
) -> None:
    keys = onenote.config_keys(tmp_path / "elsewhere.json")
    keys["credentials"] = "secrets/microsoft.json"
    table = "\n".join(f'{key} = "{value}"' for key, value in keys.items())
    pair = ChannelPair(tmp_path / "pair", f'\n[[documents]]\nname = "office"\n{table}\n')
    result = pairsync("auth", "microsoft", "-c", "pair.toml", cwd=pair.folder)
    assert result.returncode == 0, result.stderr
    login = onenote.login_url
    assert result.stdout.splitlines() == [
        f"To sign in, use a web browser to open the page {login}/devicelogin and enter the "
        "code SIMCODE1 to authenticate.",
        f"signed in; the consent is kept in {pair.folder}/secrets/microsoft.json (mode 600, "
        "never printed)",
    ]
    stored = pair.folder / "secrets" / "microsoft.json"
    assert stored.stat().st_mode & 0o777 == 0o600
    for token in onenote.app.login.refresh_tokens | onenote.app.tokens:
        assert token not in result.stdout + result.stderr
    assert pairsync("sync", "-c", "pair.toml", cwd=pair.folder).returncode == 0
