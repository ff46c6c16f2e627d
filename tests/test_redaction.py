"""Secrets in messages while many pairs run: one pair being done never unmasks a secret
another pair still holds (a Trello API key shared by many pairs)."""

from __future__ import annotations

from sync.logs import forget_secret, redact, register_secret


def test_a_key_two_pairs_hold_stays_masked_after_one_of_them_is_done() -> None:
    key = "5f2b9c0e7d1a4c3b8e6f0a9d2c4b7e1f"
    register_secret(key)  # the first pair's config
    register_secret(key)  # the second's
    forget_secret(key)  # the first pair is done
    assert redact(f"trello answered 401 for {key}") == "trello answered 401 for ***"
    forget_secret(key)
