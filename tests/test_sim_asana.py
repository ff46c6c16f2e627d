"""The Asana simulator answers like Asana: through the official SDK, and raw HTTP where the
SDK hides the detail (status codes, headers, `next_page`)."""

from __future__ import annotations

import json
from pathlib import Path

import asana
import pytest
import requests
from asana.rest import ApiException

from adapters.asana.sim.server import AsanaSimulator, World

SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "specs" / "asana-openapi.yaml"
VENDORED_SPEC = Path(__file__).resolve().parents[1] / "adapters/asana/sim/asana-openapi.json"


def raw(
    sim: AsanaSimulator, world: World, method: str, path: str, **kw: object
) -> requests.Response:
    headers = {"Authorization": f"Bearer {world.token}"}
    return requests.request(method, sim.base_url + path, headers=headers, timeout=5, **kw)  # type: ignore[arg-type]


def make_tasks(sim: AsanaSimulator, world: World, count: int, section: str = "Goals") -> list[str]:
    return [
        sim.person.create_task(world.project_gid, section, f"task {i}").gid for i in range(count)
    ]


def test_create_answers_201_in_a_data_envelope(asana_sim, asana_world):
    body = {"data": {"name": "Hire a COO", "projects": [asana_world.project_gid], "notes": "n"}}
    answer = raw(asana_sim, asana_world, "POST", "/tasks", json=body)
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert data["name"] == "Hire a COO"
    assert data["memberships"][0]["project"]["gid"] == asana_world.project_gid
    assert data["modified_at"].endswith("Z")


def test_lists_paginate_with_next_page(asana_sim, asana_world, asana_client):
    made = make_tasks(asana_sim, asana_world, 5)
    first = raw(asana_sim, asana_world, "GET", f"/projects/{asana_world.project_gid}/tasks?limit=2")
    page = first.json()
    assert [t["gid"] for t in page["data"]] == made[:2]
    assert set(page["next_page"]) == {"offset", "path", "uri"}
    second = requests.get(
        page["next_page"]["uri"],
        headers={"Authorization": f"Bearer {asana_world.token}"},
        timeout=5,
    ).json()
    assert [t["gid"] for t in second["data"]] == made[2:4]
    opts = {"limit": 2, "opt_fields": "name"}
    listed = list(asana.TasksApi(asana_client).get_tasks_for_project(asana_world.project_gid, opts))
    assert [t["gid"] for t in listed] == made
    assert asana_sim.stats.requests["GET /api/1.0/projects/<project_gid>/tasks"] == 2 + 3


def test_last_page_has_null_next_page(asana_sim, asana_world):
    make_tasks(asana_sim, asana_world, 2)
    page = raw(asana_sim, asana_world, "GET", f"/projects/{asana_world.project_gid}/tasks?limit=2")
    assert page.json()["next_page"] is None


def test_opt_fields_select_nested_fields(asana_sim, asana_world, asana_client):
    (gid,) = make_tasks(asana_sim, asana_world, 1, section="Problems")
    task = asana.TasksApi(asana_client).get_task(
        gid, {"opt_fields": "name,memberships.section.name,tags.name"}
    )
    section = {"gid": task["memberships"][0]["section"]["gid"], "name": "Problems"}
    assert task == {"gid": gid, "name": "task 0", "memberships": [{"section": section}], "tags": []}
    full = asana.TasksApi(asana_client).get_task(gid, {})
    assert {"notes", "completed", "due_on", "modified_at", "workspace"} <= set(full)


def test_wrong_or_missing_token_is_401(asana_sim, asana_world):
    url = f"{asana_sim.base_url}/projects/{asana_world.project_gid}/tasks"
    for headers in ({}, {"Authorization": "Bearer nope"}):
        answer = requests.get(url, headers=headers, timeout=5)
        assert answer.status_code == 401
        assert answer.json()["errors"][0]["message"]


def test_unknown_object_is_404(asana_sim, asana_world, asana_client):
    with pytest.raises(ApiException) as caught:
        asana.TasksApi(asana_client).get_task("1234", {})
    assert caught.value.status == 404
    assert "Unknown object: 1234" in json.loads(caught.value.body)["errors"][0]["message"]


def test_events_start_with_412_and_report_changes(asana_sim, asana_world, asana_client):
    events = asana.EventsApi(asana_client)
    with pytest.raises(ApiException) as caught:
        events.get_events(asana_world.project_gid, {}, full_payload=True)
    assert caught.value.status == 412
    token = json.loads(caught.value.body)["sync"]

    (gid,) = make_tasks(asana_sim, asana_world, 1, section="Problems")
    asana_sim.person.edit(gid, name="renamed")
    sub = asana_sim.person.add_subtask(gid, "Why 1?")
    asana_sim.person.tick_subtask(sub.gid)
    body = events.get_events(asana_world.project_gid, {"sync": token}, full_payload=True)
    seen = [
        (e["action"], e["resource"]["gid"], (e.get("parent") or {}).get("gid"))
        for e in body["data"]
    ]
    assert ("added", gid, asana_world.project_gid) in seen
    assert ("changed", gid, None) in seen
    assert ("changed", sub.gid, gid) in seen  # a subtask's change names its parent task
    assert body["has_more"] is False

    quiet = events.get_events(asana_world.project_gid, {"sync": body["sync"]}, full_payload=True)
    assert quiet["data"] == []
    asana_sim.person.delete(gid)
    gone = events.get_events(asana_world.project_gid, {"sync": quiet["sync"]}, full_payload=True)
    assert ("deleted", gid) in [(e["action"], e["resource"]["gid"]) for e in gone["data"]]


def test_expired_sync_token_answers_412_with_a_fresh_one(asana_sim, asana_world, asana_client):
    token = asana_sim.backend.new_sync_token(asana_world.project_gid)
    asana_sim.backend.expire_sync_tokens()
    with pytest.raises(ApiException) as caught:
        asana.EventsApi(asana_client).get_events(
            asana_world.project_gid, {"sync": token}, full_payload=True
        )
    fresh = json.loads(caught.value.body)
    assert caught.value.status == 412 and fresh["sync"] != token and fresh["errors"]


def test_many_events_come_in_pages_with_has_more(asana_sim, asana_world, asana_client):
    token = asana_sim.backend.new_sync_token(asana_world.project_gid)
    make_tasks(asana_sim, asana_world, 120)
    events = asana.EventsApi(asana_client)
    first = events.get_events(asana_world.project_gid, {"sync": token}, full_payload=True)
    second = events.get_events(asana_world.project_gid, {"sync": first["sync"]}, full_payload=True)
    assert (len(first["data"]), first["has_more"]) == (100, True)
    assert (len(second["data"]), second["has_more"]) == (20, False)


def test_a_request_asana_would_refuse_is_400_and_recorded(asana_sim, asana_world):
    answer = raw(
        asana_sim, asana_world, "GET", f"/projects/{asana_world.project_gid}/tasks?limit=101"
    )
    assert answer.status_code == 400
    bad_date = {"data": {"name": "x", "projects": [asana_world.project_gid], "due_on": "soon"}}
    assert raw(asana_sim, asana_world, "POST", "/tasks", json=bad_date).status_code == 400
    assert len(asana_sim.violations) == 2
    assert "greater than the maximum of 100" in asana_sim.violations[0]
    asana_sim.violations.clear()  # seen: the teardown check must not fail this test


def test_create_accepts_memberships_as_asana_documents(asana_sim, asana_world, asana_client):
    section = asana_sim.person.section(asana_world.project_gid, "Decisions")
    data = {
        "name": "Pick a vendor",
        "projects": [asana_world.project_gid],
        "memberships": [{"project": asana_world.project_gid, "section": section.gid}],
    }
    task = asana.TasksApi(asana_client).create_task(
        {"data": data}, {"opt_fields": "memberships.section.name"}
    )
    assert task["memberships"][0]["section"]["name"] == "Decisions"


def test_rate_limit_answers_429_with_fractional_retry_after(make_asana_sim):
    sim = make_asana_sim(speed=1.0, limit=3)  # real time: the minute stays open on any machine
    world = sim.seed()
    statuses = [
        raw(sim, world, "GET", f"/projects/{world.project_gid}").status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = raw(sim, world, "GET", f"/projects/{world.project_gid}")
    assert 0 < float(limited.headers["Retry-After"]) <= 60
    sim.app.clock.offset += 60
    assert raw(sim, world, "GET", f"/projects/{world.project_gid}").status_code == 200


def test_fault_switches(asana_sim, asana_world):
    path = f"/projects/{asana_world.project_gid}"
    asana_sim.faults.fail_next = 2
    assert [raw(asana_sim, asana_world, "GET", path).status_code for _ in range(3)] == [
        503,
        503,
        200,
    ]
    asana_sim.faults.drop_next = 1
    with pytest.raises(requests.ConnectionError):
        raw(asana_sim, asana_world, "GET", path)
    asana_sim.faults.drop_after_write_next = 1
    body = {"data": {"name": "dropped", "projects": [asana_world.project_gid]}}
    with pytest.raises(requests.ConnectionError):
        raw(asana_sim, asana_world, "POST", "/tasks", json=body)
    assert [t.name for t in asana_sim.person.tasks(asana_world.project_gid)] == ["dropped"]


def test_every_write_bumps_modified_at(asana_sim, asana_world):
    (gid,) = make_tasks(asana_sim, asana_world, 1)
    stamps = [asana_sim.person.task(gid).modified_at]
    asana_sim.app.clock.offset += 60
    asana_sim.person.tag(gid, "Stale")
    stamps.append(asana_sim.person.task(gid).modified_at)
    asana_sim.app.clock.offset += 60
    raw(asana_sim, asana_world, "PUT", f"/tasks/{gid}", json={"data": {"completed": True}})
    stamps.append(asana_sim.person.task(gid).modified_at)
    assert stamps == sorted(stamps) and len(set(stamps)) == 3


def test_stats_count_requests_per_route(asana_sim, asana_world):
    for _ in range(3):
        raw(asana_sim, asana_world, "GET", f"/projects/{asana_world.project_gid}")
    assert asana_sim.stats.requests["GET /api/1.0/projects/<project_gid>"] == 3


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="../shared/specs is not checked out")
def test_vendored_spec_matches_the_official_file():
    import yaml

    def keys_as_strings(node: object) -> object:
        if isinstance(node, dict):
            return {str(k): keys_as_strings(v) for k, v in node.items()}
        if isinstance(node, list):
            return [keys_as_strings(v) for v in node]
        return node

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    official = keys_as_strings(yaml.load(SHARED_SPEC.read_text(encoding="utf-8"), Loader=loader))
    assert json.loads(VENDORED_SPEC.read_text(encoding="utf-8")) == official
