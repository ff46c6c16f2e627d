"""The Google simulator as google-api-python-client sees it: requests and answers checked
against the discovery documents the client ships, Google's errors, quotas and rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from adapters.google.sim.server import GoogleSimulator, World


def clients(sim: GoogleSimulator, world: World) -> tuple[Any, Any]:
    info = world.authorized_user()
    creds = Credentials.from_authorized_user_info(info).with_token_uri(info["token_uri"])
    made = [
        build(api, version, credentials=creds, client_options={"api_endpoint": endpoint})
        for api, version, endpoint in (
            ("sheets", "v4", sim.base_url + "/"),
            ("drive", "v3", sim.base_url + "/drive/v3/"),
        )
    ]
    return made[0], made[1]


def test_a_misspelt_field_is_refused_and_recorded(
    google_sim: GoogleSimulator, google_world: World
) -> None:
    sheets, _ = clients(google_sim, google_world)
    body = {"valueInputOption": "RAW", "data": [{"range": "Sheet1!A1", "valuess": [["x"]]}]}
    with pytest.raises(HttpError) as refused:
        sheets.spreadsheets().values().batchUpdate(
            spreadsheetId=google_world.spreadsheet_id, body=body
        ).execute()
    assert refused.value.resp.status == 400
    assert any("valuess" in v for v in google_sim.violations)
    google_sim.violations.clear()  # expected here: the fixture asserts none are left


def test_quota_answers_429_resource_exhausted(make_google_sim: Any, tmp_path: Path) -> None:
    sim = make_google_sim(speed=1.0)
    world = sim.seed()
    sheets, _ = clients(sim, world)
    get = sheets.spreadsheets().get(spreadsheetId=world.spreadsheet_id, fields="sheets.properties")
    for _ in range(60):
        get.execute()
    with pytest.raises(HttpError) as limited:
        get.execute()
    assert limited.value.resp.status == 429
    assert b'"status": "RESOURCE_EXHAUSTED"' in limited.value.content
    # writes have their own 60 a minute per user
    body = {"valueInputOption": "RAW", "data": [{"range": "Sheet1!A1", "values": [["x"]]}]}
    sheets.spreadsheets().values().batchUpdate(
        spreadsheetId=world.spreadsheet_id, body=body
    ).execute()


def test_the_token_endpoint_refuses_a_revoked_refresh_token(
    google_sim: GoogleSimulator, google_world: World
) -> None:
    form = {
        "grant_type": "refresh_token",
        "client_id": google_world.client_id,
        "client_secret": google_world.client_secret,
        "refresh_token": google_world.refresh_token,
    }
    assert requests.post(google_world.token_uri, data=form, timeout=10).ok
    google_sim.revoke(google_world)
    answer = requests.post(google_world.token_uri, data=form, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "Token has been expired or revoked.",
    }


def test_drive_versions_count_every_change_and_append_inserts_after_the_table(
    google_sim: GoogleSimulator, google_world: World
) -> None:
    sheets, drive = clients(google_sim, google_world)
    sid = google_world.spreadsheet_id
    version = int(drive.files().get(fileId=sid, fields="version").execute()["version"])
    person = google_sim.person(google_world)
    for row, title in enumerate(["Kind", "a", "", "b"]):
        if title:
            person.set("Sheet1", row, 0, title)
    values = sheets.spreadsheets().values()
    values.append(
        spreadsheetId=sid,
        range="Sheet1!A1",
        valueInputOption="RAW",
        insertDataOption="INSERT_ROWS",
        body={"values": [["new"]]},
    ).execute()
    # the table the range starts in ends at the gap: Sheets appends there, inserting a row
    assert [row[:1] for row in person.rows("Sheet1")] == [["Kind"], ["a"], ["new"], [], ["b"]]
    after = int(drive.files().get(fileId=sid, fields="version").execute()["version"])
    assert after == version + 4  # three cells typed, one append
