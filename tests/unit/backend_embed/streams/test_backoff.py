"""Tests for backend_embed.streams.backoff: jittered exponential delays, caps, the slow policy."""

from __future__ import annotations

import pytest

from backend_embed.streams.backoff import (
    AUTHENTICATION_POLICY,
    CONNECTION_POLICY,
    Backoff,
    BackoffPolicy,
)


def test_ceiling_doubles_from_the_base_until_the_cap() -> None:
    policy = BackoffPolicy(base_s=0.5, cap_s=3.0)
    assert [policy.ceiling(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_full_jitter_spans_floor_to_ceiling() -> None:
    policy = BackoffPolicy(base_s=1.0, cap_s=8.0, floor_s=0.25)
    assert policy.delay(3, rand=lambda: 0.0) == 0.25
    assert policy.delay(3, rand=lambda: 0.999999) == pytest.approx(8.0, abs=1e-4)
    assert policy.delay(1, rand=lambda: 0.5) == pytest.approx(0.25 + (2.0 - 0.25) / 2)


def test_a_huge_attempt_count_stays_at_the_cap() -> None:
    assert CONNECTION_POLICY.ceiling(10_000) == CONNECTION_POLICY.cap_s


def test_connection_retries_come_within_the_cap_that_keeps_recovery_under_5_s() -> None:
    assert CONNECTION_POLICY.cap_s <= 3.0
    assert CONNECTION_POLICY.floor_s > 0, "a refusing camera must not be retried in a tight loop"


def test_authentication_failures_wait_much_longer_than_connection_failures() -> None:
    assert AUTHENTICATION_POLICY.floor_s >= 10 * CONNECTION_POLICY.floor_s
    assert AUTHENTICATION_POLICY.delay(0, rand=lambda: 0.0) >= 15.0


@pytest.mark.parametrize(
    ("base", "cap", "floor"),
    [
        pytest.param(0.0, 1.0, 0.0, id="zero-base"),
        pytest.param(1.0, 1.0, 2.0, id="floor-above-cap"),
        pytest.param(1.0, 1.0, -1.0, id="negative-floor"),
    ],
)
def test_inconsistent_policies_are_refused(base: float, cap: float, floor: float) -> None:
    with pytest.raises(ValueError, match="floor_s"):
        BackoffPolicy(base_s=base, cap_s=cap, floor_s=floor)


def test_backoff_grows_with_consecutive_failures_and_reset_starts_over() -> None:
    backoff = Backoff(BackoffPolicy(1.0, 100.0), BackoffPolicy(50.0, 100.0), rand=lambda: 0.999999)
    delays = [round(backoff.next_delay()) for _ in range(4)]
    assert delays == [1, 2, 4, 8]
    assert backoff.attempts == 4
    backoff.reset()
    assert backoff.attempts == 0
    assert round(backoff.next_delay()) == 1


def test_backoff_uses_the_slow_policy_when_asked() -> None:
    backoff = Backoff(BackoffPolicy(1.0, 2.0), BackoffPolicy(30.0, 300.0, 15.0), rand=lambda: 0.0)
    assert backoff.next_delay(slow=True) == 15.0
    assert backoff.next_delay() == 0.0
