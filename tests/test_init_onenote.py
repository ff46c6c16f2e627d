"""`pairsync init` for the pair's record in OneNote, as a user runs it against the Graph
simulator: it signs in with the device code, lists the sections the account sees by
notebook, writes the chosen one, and the first sync puts the pages there."""

from __future__ import annotations

import shlex
from pathlib import Path

from adapters.onenote.sim.server import CLIENT_ID, OneNoteSimulator
from tests.cli_run import pairsync


def test_init_lists_onenote_sections_and_the_record_goes_in_the_chosen_one(
    tmp_path: Path, onenote: OneNoteSimulator
) -> None:
    kept = onenote.add_section("Pair record", "Dana & Lee")
    chosen = onenote.add_section("1:1s", "Exec office")
    answers = ["ceo-ea", "Dana", "Lee", "n", "n", "n", "board.md", "y"]
    answers += [onenote.base_url, onenote.login_url, str(onenote.ca_bundle), CLIENT_ID, "", "2"]
    result = pairsync(
        "init", "--output", "pair.toml", cwd=tmp_path, input="\n".join(answers) + "\n"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "enter the code SIMCODE1 to authenticate." in out
    credentials = tmp_path / "microsoft-ceo-ea.json"
    assert f"signed in; the consent is kept in {credentials} (mode 600, never printed)" in out
    assert credentials.stat().st_mode & 0o777 == 0o600
    assert f"  1) Dana & Lee / Pair record  ({kept})" in out
    assert f"  2) Exec office / 1:1s  ({chosen})" in out
    text = (tmp_path / "pair.toml").read_text(encoding="utf-8")
    assert f'section_id = "{chosen}"' in text and 'credentials = "microsoft-ceo-ea.json"' in text
    assert "refresh_token" not in text and "access_token" not in out

    synced = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)
    assert synced.returncode == 0, synced.stdout + synced.stderr
    titles = {onenote.app.pages[page].title for page in onenote.app.sections[chosen].pages}
    assert "Decisions — Dana / Lee" in titles, titles
    assert not onenote.app.sections[kept].pages

    with onenote.app.lock:
        onenote.app.login.revoke()
    expired = pairsync("sync", "--config", "pair.toml", cwd=tmp_path)
    assert expired.returncode == 1
    pair_file = shlex.quote(str((tmp_path / "pair.toml").resolve()))
    assert (
        "ceo-ea/document pair-onenote: Microsoft sign-in needed: the consent is missing or "
        f"expired (invalid_grant); run pairsync auth microsoft --config {pair_file} to sign "
        "in again"
    ) in expired.stderr
