"""Slack buttons through `pairsync serve`: a signed click acts on the board and the pair
syncs; bad, missing and replayed signatures are refused and change nothing."""

from __future__ import annotations

import time

from tests.facilitation_pair import everywhere
from tests.serve_pair import metric, quiet, runs
from tests.serve_rig import serving, wait_for
from tests.test_slack_actions import signed, slack_body

SECRET = "slack-signing-secret-for-the-tests"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_signed_click_decides_everywhere_and_bad_ones_change_nothing(pair):
    with pair.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[channels]]\nname = "dana-slack"\ntype = "slack"\ntoken = "xoxb-test"\n'
            f'to = "dana@example.com"\nsigning_secret = "{SECRET}"\nbase_url = "http://127.0.0.1:9/api/"\n'
        )
    item_id = pair.ids()["Approve the offsite budget"]
    body = slack_body("decision_decided", f"trust:{item_id}")
    with serving(pair.folder) as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)
        now = int(time.time())
        assert served.post("/slack/actions", body, FORM).status_code == 401
        assert (
            served.post("/slack/actions", body, FORM | signed(body, now, "wrong")).status_code
            == 401
        )
        old = FORM | signed(body, now - 600, SECRET)
        assert served.post("/slack/actions", body, old).status_code == 401
        unknown = slack_body("decision_decided", f"nobody:{item_id}")
        assert (
            served.post("/slack/actions", unknown, FORM | signed(unknown, now, SECRET)).status_code
            == 404
        )
        assert runs(pair) == 3 and not any(i.done for i in everywhere(pair, item_id).values())

        assert (
            served.post("/slack/actions", body, FORM | signed(body, now, SECRET)).status_code == 200
        )
        wait_for(lambda: runs(pair) == 5 and quiet(served), 30)  # the click, then a sync
        assert all(item.done for item in everywhere(pair, item_id).values())
        assert (
            metric(served, "pairsync_webhook_rejections_total", 'source="slack",status="401"') == 3
        )
    assert served.returncode == 0
    assert SECRET not in served.stderr + served.stdout
