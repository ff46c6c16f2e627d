"""Secrets registered from pair files never show in a line, whatever else the line holds
and however many secrets share a start (Asana tokens all begin `2/`, Slack's `xoxb-`),
and one pair being done never unmasks a secret another pair still holds (a Trello API
key shared by many pairs of a `--config-dir` run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sync import logs
from sync.plan.facilitation import Event
from sync.plan.fieldmerge import Conflict
from sync.plan.merge import Plan
from sync.run.pairs import PairResult
from sync.run.summary import RunSummary, TargetSummary, conflict_json, summary_lines

SECRET_CHARS = st.sampled_from("0123456789abcdef/:-_")
PROSE = st.text(st.sampled_from("abcdefghij klmno:/-_0123456789."), max_size=40)


@pytest.fixture(autouse=True)
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets made up here stay out of the other tests of this process."""
    monkeypatch.setattr(logs, "_known_secrets", {})
    monkeypatch.setattr(logs, "_holders", {})


@given(
    common=st.sampled_from(["2/1204", "xoxb-", "secret_", ""]),
    tails=st.lists(st.text(SECRET_CHARS, min_size=4, max_size=24), min_size=1, max_size=8),
    shown=st.data(),
)
def test_no_registered_secret_shows_in_a_line_that_holds_it(
    common: str, tails: list[str], shown: st.DataObject
) -> None:
    logs._known_secrets.clear()
    secrets = [common + tail for tail in tails]
    for secret in secrets:
        logs.register_secret(secret)
    chosen = shown.draw(st.lists(st.sampled_from(secrets), min_size=1, max_size=3))
    line = shown.draw(PROSE) + "".join(s + shown.draw(PROSE) for s in chosen)
    redacted = logs.redact(line)
    for secret in chosen:
        assert secret not in redacted
    assert logs.MASK in redacted


@given(line=PROSE)
def test_a_line_without_secrets_keeps_its_words(line: str) -> None:
    logs._known_secrets.clear()
    for index in range(50):
        logs.register_secret(f"2/1204/{index:04d}feedface")
    assert logs.redact(line) == line


def test_overlapping_secrets_are_masked_as_one_stretch() -> None:
    logs.register_secret("abcdef123456")
    logs.register_secret("123456zyxw")
    assert logs.redact("x abcdef123456zyxw y") == "x *** y"


def test_a_key_two_pairs_hold_stays_masked_after_one_of_them_is_done() -> None:
    key = "5f2b9c0e7d1a4c3b8e6f0a9d2c4b7e1f"
    logs.register_secret(key)  # the first pair's config
    logs.register_secret(key)  # the second's
    logs.forget_secret(key)  # the first pair is done
    assert logs.redact(f"trello answered 401 for {key}") == "trello answered 401 for ***"


def test_a_credential_typed_into_an_item_never_shows_in_the_report_of_many_pairs() -> None:
    """A `--config-dir` run prints its report in the parent, where the pairs' secrets are
    no longer known: each pair's result is redacted in its own sync, item text included."""
    secret = "2/1204/feedface0123456789"
    logs.register_secret(secret)
    conflict = Conflict(
        "i1", f"Call {secret}", "notes", "notes", f"pin {secret}", (("trello", (secret,)),)
    )
    summary = RunSummary(
        "ceo",
        False,
        {"trello": TargetSummary(not_written=[{"item_id": "i2", "title": secret, "error": "x"}])},
        [conflict_json(conflict)],
        Plan(conflicts=[conflict]),
        facilitation=[Event("stale", f"Ask {secret}")],
        notices=[f"ceo/notes: the list {secret} was renamed"],
    )
    lean = PairResult(Path("ceo.toml"), summary).lean()
    logs.forget_secret(secret)  # as `sync_lean` does before the result goes to the parent
    assert lean.summary is not None
    shown = "\n".join(summary_lines(lean.summary)) + json.dumps(lean.summary.to_json())
    assert secret not in shown
    assert "Call ***" in shown
