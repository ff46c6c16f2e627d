"""Random requests at every route of a real `pairsync serve` (issue 21, S4): whatever the
method, path, headers and body, and signed or not, the answer is never a 5xx and the log
never gets an ERROR line or a traceback. The budget is small (40 examples, each one HTTP
request): the suite stays fast, and a request that breaks serve breaks it at once."""

from __future__ import annotations

import json
import time

import requests
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.serve_pair import quiet, runs
from tests.serve_rig import serving, wait_for
from tests.test_slack_actions import signed
from tests.three_tools import ThreeTools

SECRET = "slack-signing-secret-for-the-fuzz"
SEGMENT = st.one_of(
    st.sampled_from(["trust", "trello", "asana", "notes", "nobody", "..", "%2e%2e", ""]),
    st.text(alphabet="abcXYZ019-_.~%/", max_size=12),
)
PATHS = st.one_of(
    st.sampled_from(["/", "/healthz", "/metrics", "/slack/actions"]),
    st.builds("/pairs/{}/agenda".format, SEGMENT),
    st.builds("/pairs/{}/pulse.png".format, SEGMENT),
    st.builds("/hooks/{}/{}".format, SEGMENT, SEGMENT),
    st.builds("/hooks/{}/{}/{}".format, SEGMENT, SEGMENT, SEGMENT),
    st.builds("/{}".format, SEGMENT),
)
HEADER_NAMES = st.sampled_from(
    [
        "X-Hook-Secret",
        "X-Hook-Signature",
        "X-Trello-Webhook",
        "X-Slack-Signature",
        "X-Slack-Request-Timestamp",
        "X-Notion-Signature",
        "Authorization",
        "Content-Type",
        "X-Forwarded-For",
        "Forwarded",
        "Host",
    ]
)
HEADER_VALUES = st.text(  # what requests lets through: visible ASCII
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda value: json.dumps(value).encode()),
    JSON.map(lambda value: b"payload=" + json.dumps(value).encode()),
    st.integers(1, 5000).map(lambda depth: b"payload=" + b"[" * depth),
)


def test_random_requests_at_every_route_get_no_5xx_and_log_no_error(pair: ThreeTools) -> None:
    with pair.config_path.open("a", encoding="utf-8") as config:
        config.write(
            '\n[[channels]]\nname = "dana-slack"\ntype = "slack"\ntoken = "xoxb-test"\n'
            f'to = "dana@example.com"\nsigning_secret = "{SECRET}"\n'
            'base_url = "http://127.0.0.1:9/api/"\n'
        )
    with serving(pair.folder) as served:
        wait_for(lambda: runs(pair) == 3 and quiet(served), 30)

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        )
        @given(
            method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
            path=PATHS,
            headers=st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=4),
            body=BODIES,
            sign=st.booleans(),
        )
        @example(  # the QA pass's 600 KB nested Slack payload
            method="POST",
            path="/slack/actions",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=b"payload=" + b"[" * 200_000,
            sign=False,
        )
        @example(method="POST", path="/hooks/trust/asana", headers={}, body=b"[" * 5000, sign=True)
        def answers_without_5xx(
            method: str, path: str, headers: dict[str, str], body: bytes, sign: bool
        ) -> None:
            if sign:  # a valid Slack signature, so that the payload itself gets parsed
                headers = headers | signed(body, int(time.time()), SECRET)
            request = requests.Request(method, served.url + path, headers=headers, data=body)
            answer = served.http.send(served.http.prepare_request(request), timeout=10)
            assert answer.status_code < 500, (method, path, answer.status_code, answer.text)

        answers_without_5xx()
    assert served.returncode == 0
    errors = [x for x in served.stderr.splitlines() if "ERROR" in x or "Traceback" in x]
    assert not errors, errors[:5]
