"""The status page, `/healthz`, `/metrics` and who may see them, through HTTP."""

from __future__ import annotations

import requests

from tests.cli_run import pairsync
from tests.serve_pair import metric, post_trello, quiet, runs, trello_delivery
from tests.serve_rig import serving, wait_for
from tests.three_tools import ASANA


def test_healthz_and_the_page_follow_a_failing_then_a_passing_run(pair, served):
    assert served.get("/healthz").status_code == 200
    page = served.get("/").text
    assert 'id="pair-trust" data-state="ok"' in page
    assert "pair.toml" in page and 'href="pairs/trust/agenda"' in page

    pair.asana.app.faults.fail_status = 401
    pair.asana.app.faults.fail_next = 1000
    body, good = trello_delivery(pair, served, "f" * 24)
    assert post_trello(served, body, good) == 200
    wait_for(lambda: runs(pair) == 4 and quiet(served), 30)
    health = served.get("/healthz")
    assert (health.status_code, health.text) == (503, "failing: trust\n")
    page = served.get("/").text
    assert 'data-state="failed"' in page
    assert f"<strong>{ASANA}</strong>: FAILED, token rejected (401)" in page
    assert metric(served, "pairsync_run_failures_total", 'pair="trust"') == 1

    pair.asana.app.faults.fail_next = 0
    body, good = trello_delivery(pair, served, "0" * 24)
    assert post_trello(served, body, good) == 200
    wait_for(lambda: runs(pair) == 5 and quiet(served), 30)
    assert served.get("/healthz").status_code == 200
    assert 'data-state="ok"' in served.get("/").text


def test_metrics_and_the_agenda_link(pair, served):
    text = served.get("/metrics").text
    assert 'pairsync_runs_total{pair="trust"} 1.0' in text
    assert 'pairsync_requests_total{pair="trust",target="trello"}' in text
    assert "pairsync_rate_limited_total 0.0" in text
    assert "# TYPE pairsync_event_to_synced_seconds histogram" in text

    agenda = served.get("/pairs/trust/agenda")
    assert agenda.status_code == 200
    assert agenda.headers["content-type"].startswith("text/markdown")
    assert "Approve the offsite budget" in agenda.text
    assert served.get("/pairs/nobody/agenda").status_code == 404


def test_off_loopback_serve_needs_a_token(pair):
    result = pairsync(
        "serve", "--config-dir", str(pair.folder), "--host", "0.0.0.0", cwd=pair.folder
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "pairsync: --host 0.0.0.0: the status page shows board titles; give --auth-token "
        "(or $PAIRSYNC_AUTH_TOKEN) to serve beyond 127.0.0.1"
    )


def test_with_a_token_the_page_and_metrics_need_it_and_webhooks_do_not(pair):
    token = "page-token-123"
    with serving(pair.folder, env={"PAIRSYNC_AUTH_TOKEN": token}) as served:
        refused = served.get("/")
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="pairsync"'
        assert served.get("/metrics").status_code == 401
        assert served.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert served.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert served.get("/", auth=requests.auth.HTTPBasicAuth("dana", token)).status_code == 200
        assert served.get("/healthz").status_code in (200, 503)
        body, good = trello_delivery(pair, served, "1" * 24)
        assert post_trello(served, body, good) == 200
    assert served.returncode == 0
