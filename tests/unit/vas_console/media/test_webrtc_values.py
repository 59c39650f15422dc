"""The WHEP client's reconnect backoff, status countdown and frame fitting (pure code)."""

from __future__ import annotations

import random

import pytest

from vas_console.media.live import Backoff, LiveState, LiveStatus, fit_size


def test_backoff_doubles_up_to_the_cap_within_the_jitter() -> None:
    backoff = Backoff(initial_s=0.5, factor=2.0, max_s=4.0, jitter=0.2)
    rng = random.Random(3)
    for attempt, base in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (9, 4.0)]:
        delays = [backoff.delay(attempt, rng) for _ in range(50)]
        assert min(delays) >= base * 0.8
        assert max(delays) <= base * 1.2
        assert len(set(delays)) > 1, "tiles must not retry in step"


def test_status_counts_down_from_when_it_was_reported() -> None:
    status = LiveStatus(LiveState.RECONNECTING, "x", retry_in_s=5.0, since=100.0)
    assert status.retry_left_s(now=102.0) == pytest.approx(3.0)
    assert status.retry_left_s(now=200.0) == 0.0
    assert LiveStatus(LiveState.LIVE).retry_left_s() is None


@pytest.mark.parametrize(
    ("source", "box", "expected"),
    [
        ((640, 360), (480, 270), (480, 270)),
        ((640, 360), (480, 480), (480, 270)),
        ((640, 360), (1000, 270), (480, 270)),
        ((1280, 720), (333, 333), (332, 186)),
        ((640, 480), (0, 0), (2, 2)),
    ],
    ids=["exact", "tall-box", "wide-box", "odd-rounded-even", "empty-box"],
)
def test_fit_size_keeps_aspect_and_even_sizes(
    source: tuple[int, int], box: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert fit_size(source, box) == expected
