"""`pairsync serve` as a real process: webhooks from the simulators and hand-made
deliveries, signatures, the handshake, debouncing, the lock shared with `pairsync sync`,
the polling fallback, the refusals (401, 404, 413) and a clean SIGTERM."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import signal
import sqlite3

from tests.cli_run import pairsync, start_pairsync
from tests.serve_pair import (
    metric,
    post_trello,
    quiet,
    register,
    runs,
    trello_delivery,
)
from tests.serve_rig import Served, serving, wait_for
from tests.three_tools import ASANA, NOTES, TRELLO, ThreeTools


def asana_secret(pair: ThreeTools) -> str:
    with sqlite3.connect(pair.state_path) as db:
        return str(
            db.execute("SELECT secret FROM webhooks WHERE target = ?", (ASANA,)).fetchone()[0]
        )


def post_asana(served: Served, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hook-Signature"] = signature
    return served.post(f"/hooks/trust/{ASANA}", body, headers).status_code


def sign_asana(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- end to end ------------------------------------------------------------------------------
def test_edits_in_trello_and_asana_reach_the_other_tools_through_webhooks(pair, served):
    first = register(pair, served)
    assert f"{TRELLO}: webhook " in first and " created: " in first
    assert f"{NOTES}: a markdown target sends no webhooks; serve polls it" in first
    again = register(pair, served)
    assert again.count("already registered") == 2
    assert len(pair.trello.app.hooks.hooks) == 1 and len(pair.asana.app.hooks.hooks) == 1

    item_id = pair.ids()["Renew the passport"]
    pair.edit(TRELLO, item_id, title="Renew the passport by Friday")
    wait_for(lambda: "Renew the passport by Friday" in pair.board_path.read_text(), 30)
    wait_for(
        lambda: any(
            t.name == "Renew the passport by Friday" for t in pair.asana.backend.tasks.values()
        ),
        30,
    )
    assert pair.trello.deliveries.sent >= 1
    wait_for(lambda: metric(served, "pairsync_event_to_synced_seconds_count") >= 1, 30)

    asana_id = pair.ids()["Book flights to Lisbon"]
    pair.edit(ASANA, asana_id, title="Book flights to Lisbon, aisle seat")
    wait_for(
        lambda: any(
            c.name == "Book flights to Lisbon, aisle seat" for c in pair.trello.cards(pair.board_id)
        ),
        30,
    )
    assert pair.asana.deliveries.sent >= 1

    listed = pairsync("webhooks", "list", "--config", str(pair.config_path), cwd=pair.folder)
    assert f"{served.url}/hooks/trust/{ASANA}" in listed.stdout
    removed = pairsync(
        "webhooks",
        "remove",
        "--config",
        str(pair.config_path),
        "--public-url",
        served.url,
        cwd=pair.folder,
    )
    assert removed.returncode == 0 and removed.stdout.count(" removed") == 2
    assert pair.trello.app.hooks.hooks == {} and pair.asana.app.hooks.hooks == {}


# -- signatures and refusals -------------------------------------------------------------
def test_trello_signatures_good_bad_missing_replayed_and_refusals(pair, served):
    before = runs(pair)
    body, good = trello_delivery(pair, served, "a" * 24)
    assert post_trello(served, body, None) == 401
    assert post_trello(served, body, base64.b64encode(b"x" * 20).decode()) == 401
    other_url = hmac.new(pair.trello.api_secret.encode(), body + b"http://elsewhere/", hashlib.sha1)
    assert post_trello(served, body, base64.b64encode(other_url.digest()).decode()) == 401
    assert post_trello(served, body, good) == 200
    assert post_trello(served, body, good) == 200  # a redelivery: answered, not synced again
    wait_for(lambda: runs(pair) > before and quiet(served), 30)
    assert runs(pair) == before + 1
    assert metric(served, "pairsync_webhook_rejections_total", 'source="trello",status="401"') == 3
    assert served.http.head(f"{served.url}/hooks/trust/{TRELLO}").status_code == 200

    headers = {"X-Trello-Webhook": good}
    assert served.post("/hooks/nobody/trello", body, headers).status_code == 404
    assert served.post(f"/hooks/trust/{NOTES}", body, headers).status_code == 404
    assert served.post("/hooks/trust/missing", body, headers).status_code == 404
    too_big = b"x" * (1024 * 1024 + 1)
    assert served.post(f"/hooks/trust/{TRELLO}", too_big, headers).status_code == 413

    logged = stop(served)
    refusals = [x for x in logged.splitlines() if "refused (401)" in x]
    assert len(refusals) == 3
    assert refusals[0].endswith(
        "trello trust/trello refused (401): no X-Trello-Webhook signature; no sync"
    )
    assert refusals[1].endswith(
        "trello trust/trello refused (401): X-Trello-Webhook signature does not match "
        "(api_secret, or the callback URL as registered); no sync"
    )
    for secret in (pair.trello.api_secret, pair.trello.token, pair.trello.key, good):
        assert secret not in logged


def stop(served: Served) -> str:
    """SIGTERM now; the fixture's exit check still runs."""
    served.process.send_signal(signal.SIGTERM)
    served.stdout, served.stderr = served.process.communicate(timeout=60)
    return served.stderr


def test_asana_handshake_signatures_and_heartbeat(pair, served):
    # a handshake nobody asked for cannot plant a secret
    offered = {"X-Hook-Secret": "planted", "Content-Type": "application/json"}
    assert served.post(f"/hooks/trust/{ASANA}", b"", offered).status_code == 401
    register(pair, served)
    secret = asana_secret(pair)
    assert secret != "planted" and len(secret) == 64
    assert secret not in served.get("/").text and secret not in served.get("/metrics").text
    before = runs(pair)
    batch = json.dumps(
        {"events": [{"action": "changed", "resource": {"gid": "1", "resource_type": "task"}}]}
    ).encode()
    heartbeat = b'{"events": []}'
    assert post_asana(served, batch, None) == 401
    assert post_asana(served, batch, sign_asana("wrong", batch)) == 401
    assert post_asana(served, heartbeat, sign_asana(secret, heartbeat)) == 200
    assert post_asana(served, batch, sign_asana(secret, batch)) == 200
    assert post_asana(served, batch, sign_asana(secret, batch)) == 200  # replayed
    wait_for(lambda: runs(pair) > before and quiet(served), 30)
    assert runs(pair) == before + 1
    assert secret not in (stop(served) + served.stdout)


# -- debounce and locks --------------------------------------------------------------------
def test_a_burst_of_twenty_events_is_one_sync(pair, served):
    before = runs(pair)
    for n in range(20):
        body, good = trello_delivery(pair, served, f"{n:024x}")
        assert post_trello(served, body, good) == 200
    wait_for(lambda: runs(pair) > before and quiet(served), 30)
    assert runs(pair) == before + 1
    assert metric(served, "pairsync_webhook_deliveries_total", 'source="trello"') == 20


def test_serve_waits_for_a_concurrent_pairsync_sync_of_the_pair(pair, served):
    """A cron `pairsync sync` holds the pair's lock (its Trello write is held open); a
    webhook's sync waits for it and runs after it, never beside it."""
    item_id = pair.ids()["Grow EMEA revenue"]
    pair.edit(NOTES, item_id, title="Grow EMEA revenue by 20%")
    pair.trello.faults.stall_write_next = 1
    cron = start_pairsync("sync", "--config", str(pair.config_path), cwd=pair.folder)
    try:
        wait_for(pair.trello.app.stalled.is_set, 30)
        body, good = trello_delivery(pair, served, "d" * 24)
        assert post_trello(served, body, good) == 200
        wait_for(lambda: metric(served, "pairsync_syncs_running") == 1, 30)
    finally:
        pair.trello.app.release()
        assert cron.wait(timeout=60) == 0, cron.stderr.read() if cron.stderr else ""
    wait_for(lambda: quiet(served) and runs(pair) == 5, 30)
    with sqlite3.connect(pair.state_path) as db:
        (cron_end, serve_start) = db.execute(
            "SELECT (SELECT finished_at FROM runs WHERE id = 4), "
            "(SELECT started_at FROM runs WHERE id = 5)"
        ).fetchone()
    assert serve_start >= cron_end


# -- polling and stopping ------------------------------------------------------------------
def test_with_deliveries_dropped_the_poll_catches_up(pair):
    pair.trello.app.deliverer.faults.drop_all = True
    with serving(pair.folder, every="2s") as served:
        register(pair, served)
        item_id = pair.ids()["Renew the passport"]
        pair.edit(TRELLO, item_id, title="Renew the passport (poll)")
        wait_for(
            lambda: any(
                t.name == "Renew the passport (poll)" for t in pair.asana.backend.tasks.values()
            ),
            30,
        )
        assert pair.trello.deliveries.dropped >= 1 and pair.trello.deliveries.sent == 0
        assert metric(served, "pairsync_webhook_deliveries_total", 'source="trello"') == 0
    assert served.returncode == 0, served.stderr


def test_sigterm_lets_the_running_sync_finish_then_exits_0(pair, served):
    item_id = pair.ids()["Grow EMEA revenue"]
    pair.edit(NOTES, item_id, title="Grow EMEA revenue (finished)")
    pair.trello.faults.stall_write_next = 1
    body, good = trello_delivery(pair, served, "e" * 24)
    assert post_trello(served, body, good) == 200
    wait_for(pair.trello.app.stalled.is_set, 30)
    served.process.send_signal(signal.SIGTERM)
    wait_for(lambda: not answers(served), 30)
    assert served.process.poll() is None  # still finishing the held sync
    pair.trello.app.release()
    served.stdout, served.stderr = served.process.communicate(timeout=60)
    assert served.process.returncode == 0
    assert "every running sync finished" in served.stderr
    assert any(c.name == "Grow EMEA revenue (finished)" for c in pair.trello.cards(pair.board_id))
    assert runs(pair) == 4


def answers(served: Served) -> bool:
    try:
        served.get("/healthz")
    except Exception:
        return False
    return True
