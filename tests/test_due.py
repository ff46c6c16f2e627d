"""Each pair due once per period, at its own moment, the pairs spread over the period."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.jobs.due import due_between, offset

PAIRS = [f"pair-{n:05d}" for n in range(2000)]


@settings(max_examples=20)
@given(start=st.floats(0, 1e9), period=st.sampled_from([60.0, 900.0]))
def test_every_pair_is_due_once_in_any_period_split_into_ticks(start: float, period: float) -> None:
    ticks = [start + step * 5.0 for step in range(int(period / 5.0))]
    pairs = PAIRS[:300]
    due = [pair for tick in ticks for pair, _ in due_between(pairs, tick, tick + 5.0, period)]
    assert sorted(due) == sorted(pairs)


@given(start=st.floats(0, 1e9))
def test_a_pair_is_due_at_the_same_offset_into_every_period(start: float) -> None:
    for pair, at in due_between(PAIRS[:50], start, start + 900.0, 900.0):
        assert (
            abs((at - offset(pair, 900.0)) % 900.0) < 1e-3
            or abs((at - offset(pair, 900.0)) % 900.0 - 900.0) < 1e-3
        )
        assert start <= at < start + 900.0


def test_pairs_are_spread_over_the_period_not_bunched_at_its_start() -> None:
    minutes = [0] * 15
    for pair in PAIRS:
        minutes[int(offset(pair, 900.0) // 60)] += 1
    expected = len(PAIRS) / 15
    assert all(0.7 * expected < count < 1.3 * expected for count in minutes), minutes
