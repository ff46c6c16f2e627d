"""`pairsync auth google`: the installed-app consent (copy-the-code form) against the
simulator's consent screen and token endpoint, then a sync with what it wrote; a
service-account key; a revoked token, and the command that renews it."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import requests

from adapters.google.sheets import GoogleSheetsAdapter
from adapters.google.sim.server import GoogleSimulator, World
from tests.cli_run import pairsync, start_pairsync
from tests.conftest_google import sheets_target


def pair_file(folder: Path, sim: GoogleSimulator, world: World) -> Path:
    secrets = world.client_secrets(folder)
    config = folder / "pair.toml"
    config.write_text(
        f"""
[pair]
name = "ceo-ea"
executive = "Dana Smith"
assistant = "Lee Park"

[state]
path = "state.sqlite"

[[targets]]
name = "lee-sheet"
type = "google_sheets"
spreadsheet_id = "{world.spreadsheet_id}"
credentials = "secrets/google.json"
client_secrets = "{secrets.name}"
base_url = "{sim.base_url}"
drive_base_url = "{sim.base_url}"
"""
    )
    return config


def test_copy_the_code_consent_writes_a_private_authorized_user_file(
    tmp_path: Path, google_sim: GoogleSimulator, google_world: World
) -> None:
    config = pair_file(tmp_path, google_sim, google_world)
    child = start_pairsync("auth", "google", "--config", str(config), cwd=tmp_path, typing=True)
    assert child.stdin is not None and child.stdout is not None
    shown = []
    while not (line := child.stdout.readline()).startswith("http"):
        assert line, "pairsync auth google ended before it showed the consent address"
        shown.append(line.rstrip("\n"))
    # The person opens the printed address and pastes where the browser went.
    answer = requests.get(line.strip(), allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    output, errors = child.communicate(answer.headers["Location"] + "\n", timeout=60)
    assert child.returncode == 0, (output, errors)
    # a terminal echoes what the person typed after the prompt, ending its line; a pipe not
    shown += [line.strip(), *output.removeprefix("Address or code: ").splitlines()]
    written = tmp_path / "secrets" / "google.json"
    assert shown[-1] == f"wrote {written} (mode 0600) for lee-sheet"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    info = json.loads(written.read_text())
    assert info["type"] == "authorized_user"
    assert info["token_uri"] == f"{google_sim.base_url}/token"
    assert "token" not in info
    assert not any(info["refresh_token"] in line for line in [*shown, errors])

    target = sheets_target(google_sim, google_world, tmp_path, credentials=str(written))
    adapter = GoogleSheetsAdapter(target)
    assert adapter.read().complete  # the file's token_uri reached the simulator

    google_sim.revoke(google_world, info["refresh_token"])  # the person removes the access
    result = pairsync("sync", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert (
        "Google refused the stored refresh token (expired or revoked); "
        f"run pairsync auth google --config {config} again"
    ) in result.stderr


def test_a_service_account_key_reads_the_sheet_shared_with_it(
    tmp_path: Path, google_sim: GoogleSimulator, google_world: World
) -> None:
    key = google_sim.service_account()
    google_sim.share(google_world, key["client_email"])
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key))
    adapter = GoogleSheetsAdapter(
        sheets_target(google_sim, google_world, tmp_path, credentials=str(path))
    )
    lines = {line.what: line for line in adapter.check()}
    assert "reach" not in lines, lines["reach"]
    assert lines["credentials"].detail.startswith("service account")
    assert "shared drive" in lines["storage"].detail
    assert lines["spreadsheet"].ok
